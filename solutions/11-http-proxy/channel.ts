// One side of a proxied exchange: a socket, chapter 07's parser reading it, and the writes batched to it. Chapter 11.
//
// Chapter 07's MessageReader hides which events a read already brought in; a proxy needs to see them. It writes
// what one read brought as one write (the head and the first body bytes together, one packet instead of two), and
// when a connection turns into a tunnel it must pass on the bytes the parser had already taken. So the proxy
// reads events through this small class instead, with the same parser underneath.
import type { Green } from "../02-hub/suspend";
import { ConnectionResetError } from "../05-green-sockets/errors";
import type { Socket } from "../05-green-sockets/socket";
import { Headers } from "../07-http/headers";
import type { Limits } from "../07-http/limits";
import type { ParseEvent, RequestHead, ResponseHead } from "../07-http/messages";
import { RequestParser, ResponseParser, type HttpParser } from "../07-http/parser";
import type { RequestLine, StatusLine } from "../07-http/syntax";
import { UNTIL_CLOSE, type BodyFraming } from "../07-http/framing";
import { SideError, type Side } from "./body";
import { upgradeOf } from "./forwarding";

// #region channel
export class Channel<H extends { readonly framing: BodyFraming }> {
  #events: ParseEvent<H>[] = [];
  #next = 0;
  /** Bytes this side received: a try that failed before any byte of its response came back may be sent again. */
  received = 0;
  /** The trailer fields of the last body read to its end. */
  trailers: Headers = new Headers();

  constructor(
    readonly sock: Socket,
    readonly parser: HttpParser<unknown, H>,
  ) {}

  /** True when the next event is already parsed: taking it will not wait. */
  get buffered(): boolean {
    return this.#next < this.#events.length;
  }

  /** The next head (after the end of a bodiless message before it); null at a clean close. Throws the parser's HttpError. */
  *head(): Green<H | null> {
    // The reads are written into head and data themselves, not behind a shared `next` generator: a request waiting
    // for its backend is suspended in every generator of its chain, and each is a frame its heap holds (and most
    // events are parsed already: taking one should make nothing).
    for (;;) {
      const e = this.#take();
      if (e === undefined) {
        if (!this.#parse(yield* this.sock.recv())) return null;
        continue;
      }
      // The end of a message without a body (a GET, a 204, a 1xx) follows its head: nothing to read there.
      if (e.type === "end") continue;
      if (e.type === "error") throw e.error;
      if (e.type !== "head") throw new Error(`expected a head, the parser gave ${e.type}`);
      return e.head;
    }
  }

  /** The next piece of body (null at its end). A close in the middle is a reset. */
  *data(): Green<Buffer | null> {
    let e = this.#take();
    while (e === undefined) {
      if (!this.#parse(yield* this.sock.recv())) throw new ConnectionResetError("the connection closed in the middle of a message");
      e = this.#take();
    }
    if (e.type === "error") throw e.error;
    if (e.type === "data") return e.data;
    if (e.type === "end") {
      this.trailers = e.trailers;
      return null;
    }
    throw new Error("a head arrived in the middle of a body");
  }

  /** The next event already parsed, or undefined: taking it never waits. */
  #take(): ParseEvent<H> | undefined {
    return this.#next < this.#events.length ? this.#events[this.#next++] : undefined;
  }

  /** Parses what one read brought (an empty chunk: the peer closed). False when it closed between messages. */
  #parse(chunk: Buffer): boolean {
    this.received += chunk.length;
    this.#events = chunk.length > 0 ? this.parser.push(chunk) : this.parser.finish();
    this.#next = 0;
    return chunk.length > 0 || this.#events.length > 0;
  }

  /** The body bytes already parsed, without waiting: what a tunnel must pass on before it splices. */
  takeBuffered(): Buffer[] {
    const out: Buffer[] = [];
    while (this.buffered) {
      const e = this.#events[this.#next++];
      if (e.type === "data") out.push(e.data);
    }
    return out;
  }
}
// #endregion

// #region parsers
/** A request head as the proxy reads it: chapter 07's, plus the protocol a client asks to switch to. */
export interface ProxyRequestHead extends RequestHead {
  /** The Upgrade field of a request that asks for one (`Connection: upgrade`) and has no body. */
  readonly upgrade?: string;
}

// Simplification: a production proxy keeps a client connection whose upgrade the backend refused and reads the next
// request on it (the bytes after the head were a body of zero length); ours closes it after the answer.
/**
 * Chapter 07's request parser, with one change: a request asking for an Upgrade (a WebSocket handshake) has its
 * bytes after the head read as a body that lasts until the connection closes. Should the backend agree (101),
 * those bytes are the tunnel's first; should it refuse, the proxy closes the connection after the answer.
 */
export class ProxyRequestParser extends RequestParser {
  protected override makeHead(line: RequestLine, headers: Headers): RequestHead {
    const head = super.makeHead(line, headers);
    if (head.framing.kind !== "none" || line.version !== "HTTP/1.1") return head;
    const upgrade = upgradeOf(headers);
    if (upgrade === null) return head;
    // Each field named, not spread: see chapter 07's checkRequestHead.
    const upgrading: ProxyRequestHead = {
      method: head.method,
      target: head.target,
      version: head.version,
      headers: head.headers,
      keepAlive: head.keepAlive,
      framing: UNTIL_CLOSE,
      upgrade,
    };
    return upgrading;
  }
}

/**
 * Chapter 07's response parser, with one change: 101 Switching Protocols is a head whose "body" is everything
 * after it, so the bytes a backend sends right behind its 101 come out as data, not as a malformed next response.
 */
export class ProxyResponseParser extends ResponseParser {
  protected override makeHead(line: StatusLine, headers: Headers): ResponseHead {
    if (line.status === 101) {
      return { version: line.version, status: line.status, reason: line.reason, headers, framing: UNTIL_CLOSE, keepAlive: false };
    }
    return super.makeHead(line, headers);
  }
}

/** A backend's responses are streamed, never held whole: no body limit on them. */
export const responseLimits = (limits: Partial<Limits>): Partial<Limits> => ({ ...limits, maxBodyBytes: Infinity });
// #endregion

// #region batch
/**
 * Bytes to write to one socket, gathered while events are already parsed and written as one when the reader must
 * wait: a small response goes out as one write, head and body, whatever size the pieces were.
 */
export class Batch {
  readonly #parts: Buffer[] = [];
  #bytes = 0;
  /** Bytes the socket took so far: what an access log (chapter 13) reports as sent. */
  written = 0;

  constructor(readonly sock: Socket) {}

  get bytes(): number {
    return this.#bytes;
  }

  add(b: Buffer): void {
    if (b.length === 0) return;
    this.#parts.push(b);
    this.#bytes += b.length;
  }

  /** Adds `data` as one chunk of a chunked body (RFC 9112 §7.1). */
  chunk(data: Buffer): void {
    if (data.length === 0) return;
    this.add(Buffer.from(`${data.length.toString(16)}\r\n`, "latin1"));
    this.add(data);
    this.add(CRLF);
  }

  /**
   * Writes what was gathered, waiting while the peer is slow (backpressure): one sendall. A failure is a SideError
   * blamed on `side`, the side this socket is on.
   */
  *flush(side: Side): Green<void> {
    const parts = this.#parts;
    if (parts.length === 0) return;
    // Large pieces go as they are: copying them together would cost more than the extra write.
    const one = parts.length === 1 ? parts[0] : this.#bytes <= COALESCE_BYTES ? Buffer.concat(parts, this.#bytes) : null;
    const many = one === null ? parts.slice() : NO_BUFFERS;
    parts.length = 0;
    this.#bytes = 0;
    try {
      if (one !== null) {
        yield* this.sock.sendall(one);
        this.written += one.length;
      }
      for (const b of many) {
        yield* this.sock.sendall(b);
        this.written += b.length;
      }
    } catch (e) {
      throw new SideError(side, e);
    }
  }
}

const CRLF = Buffer.from("\r\n", "latin1");
/** What a flush that wrote one buffer has left to write: nothing, one empty list for every flush. */
const NO_BUFFERS: readonly Buffer[] = [];
/** Up to this many bytes are copied into one buffer for one write. */
const COALESCE_BYTES = 32 * 1024;
// #endregion
