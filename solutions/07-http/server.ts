// The green HTTP server: a thread per connection reads requests, calls the handler, writes responses. Chapter 07.
//
// Every defence of the chapter meets here. The parser's limits answer oversized heads and bodies; a header
// timeout closes connections that send their head too slowly (slowloris) or sit idle; a request the parser
// refuses gets its status and the connection is closed, because after a framing error we no longer know
// where the next request starts.
import type { Green } from "../02-hub/suspend";
import { GreenletExit } from "../02-hub/greenlet";
import { getHub } from "../02-hub/hub";
import { Timeout, withTimeout } from "../03-cancellation/timeout";
import { SocketError } from "../05-green-sockets/errors";
import { serve } from "../05-green-sockets/serve";
import type { Listener, Socket } from "../05-green-sockets/socket";
import { HttpError } from "./errors";
import type { BodyReader, Handler, HttpRequest, HttpResponse } from "./handler";
import { Headers } from "./headers";
import type { Limits } from "./limits";
import type { RequestHead } from "./messages";
import { RequestParser } from "./parser";
import { MessageReader } from "./reader";
import { errorResponse, writeResponse } from "./respond";

// #region server-options
export interface ServerOptions {
  /** The parser's limits. @default DEFAULT_LIMITS */
  readonly limits?: Partial<Limits>;
  /**
   * Milliseconds a new connection has to deliver its first complete request head: a client that trickles
   * header bytes (slowloris) is answered 408 and closed when it runs out. @default 10000
   */
  readonly headerTimeout?: number;
  /** Milliseconds a kept-alive connection may wait for the next complete request head. @default 5000 */
  readonly keepAliveTimeout?: number;
  /** Milliseconds any one read of a body or write of a response may wait. @default 30000 */
  readonly ioTimeout?: number;
  /** Connections served at once; more wait in the listener's backlog. @default 1000 */
  readonly maxConnections?: number;
}
// #endregion

const TIMED_OUT: unique symbol = Symbol("timed out");

// #region connection
/** Serves requests on one connection until either side closes it; always closes the socket at the end. */
export function* handleConnection(sock: Socket, handler: Handler, options: ServerOptions = {}): Green<void> {
  // BEGIN SOLUTION 5 handleConnection
  const { headerTimeout = 10_000, keepAliveTimeout = 5_000, ioTimeout = 30_000 } = options;
  const reader = new MessageReader(sock, new RequestParser(options.limits));
  // The keep-alive deadline is made once per connection and started again for each request: withTimeout would
  // make a Timeout per request, and an Error is not cheap to make.
  let idleDeadline: Timeout | null = null;
  try {
    for (let served = 0; ; served++) {
      // One deadline for the whole head, not per recv: a byte every few seconds would reset a per-read timer.
      // Simplification: a production server would time the idle wait and the head separately.
      let deadline: Timeout;
      if (served === 0) deadline = new Timeout(headerTimeout);
      else if (idleDeadline === null) deadline = idleDeadline = new Timeout(keepAliveTimeout);
      else deadline = idleDeadline.start();
      let head: RequestHead | null | typeof TIMED_OUT | HttpError;
      try {
        head = yield* reader.readHead();
      } catch (e) {
        if (e !== deadline && !(e instanceof HttpError)) throw e;
        head = e instanceof HttpError ? e : TIMED_OUT;
      } finally {
        deadline.cancel();
      }
      if (head instanceof HttpError) {
        yield* writeResponse(sock, FALLBACK, errorResponse(head.status, head.message));
        return yield* linger(sock);
      }
      if (head === null) return; // the client closed between requests
      if (head === TIMED_OUT) {
        // Half a head is a slow client and gets a 408; an idle keep-alive connection just closes.
        if (reader.parser.idle) return;
        yield* writeResponse(sock, FALLBACK, errorResponse(408, "the request head took too long"));
        return yield* linger(sock);
      }
      sock.timeout = ioTimeout;
      const body = new RequestBody(sock, reader, head);
      const { method, target, version, headers, keepAlive: wantsKeepAlive, framing } = head; // named, not spread (see checkRequestHead)
      const request: HttpRequest = { method, target, version, headers, keepAlive: wantsKeepAlive, framing, remote: sock.remote, body };
      let response: HttpResponse;
      try {
        response = yield* handler(request);
      } catch (e) {
        // A kill, or a client that vanished or stalled mid-body: nobody to answer (the outer catch decides).
        if (e instanceof GreenletExit || e instanceof SocketError) throw e;
        // The body the handler was reading was refused (413, 400): answer that. Anything else is a bug: 500.
        if (!(e instanceof HttpError)) getHub().report(getHub().current, e);
        yield* writeResponse(sock, head, e instanceof HttpError ? errorResponse(e.status, e.message) : errorResponse(500, "the handler failed"));
        return yield* linger(sock);
      }
      let keepAlive = yield* writeResponse(sock, head, response);
      // The next request starts after this one's body: read what the handler left, unless the client was
      // told to wait for a 100 Continue that never came (then it may never send the body; close instead).
      if (reader.inBody) {
        if (body.awaitsContinue) keepAlive = false;
        else yield* reader.readAll();
      }
      if (!keepAlive) return;
      sock.timeout = null;
    }
  } catch (e) {
    // A client that vanished or stalled, or a body refused after the response went out: nothing more to
    // say to it. Anything else is a bug, and the thread fails with it so the hub reports it.
    if (!(e instanceof SocketError || e instanceof HttpError)) throw e;
  } finally {
    sock.close();
  }
  // END SOLUTION
}
// #endregion

// #region linger
/**
 * Closes after an error response without destroying it. Closing a socket with unread input makes TCP send a
 * reset, and a reset can make the client's kernel drop our response before the client reads it. So: stop
 * sending, then read and drop what the client still sends, for a moment, before closing (RFC 9112 §9.6).
 */
export function* linger(sock: Socket): Green<void> {
  sock.shutdown();
  yield* withTimeout(LINGER_MS, function* () {
    let dropped = 0;
    for (let b = yield* sock.recv(); b.length > 0 && dropped < LINGER_BYTES; b = yield* sock.recv()) dropped += b.length;
  }, { timeoutValue: undefined });
}

const LINGER_MS = 1000;
const LINGER_BYTES = 1 << 16;
// #endregion

/** What an error response answers when the request could not be read: HTTP/1.1 framing, close afterwards. */
const FALLBACK: RequestHead = {
  method: "GET", target: "*", version: "HTTP/1.1", headers: new Headers(), keepAlive: false, framing: { kind: "none" },
};

/**
 * A request's body as its handler reads it. A class rather than closures made per request: its methods are
 * made once, and a request costs one small object.
 */
class RequestBody implements BodyReader {
  /** The client announced its body with "Expect: 100-continue": it may wait for our go-ahead before sending it. */
  readonly #expectsContinue: boolean;
  /** Whether the go-ahead can be sent: HTTP/1.0 has no 1xx responses. */
  readonly #mayContinue: boolean;
  #continued = false;

  constructor(
    readonly sock: Socket,
    readonly reader: MessageReader<RequestHead>,
    head: RequestHead,
  ) {
    this.#expectsContinue = head.headers.get("expect")?.toLowerCase() === "100-continue";
    this.#mayContinue = this.#expectsContinue && head.version === "HTTP/1.1";
  }

  /** The client was told nothing yet and may wait for a 100 Continue forever: it may never send the body. */
  get awaitsContinue(): boolean {
    return this.#expectsContinue && !this.#continued;
  }

  *read(): Green<Buffer | null> {
    // The client waits for our go-ahead before sending a body it announced with Expect: 100-continue.
    if (this.#mayContinue && !this.#continued && this.reader.inBody) {
      this.#continued = true;
      yield* this.sock.sendall("HTTP/1.1 100 Continue\r\n\r\n");
    }
    return yield* this.reader.read();
  }

  *readAll(): Green<Buffer> {
    const parts: Buffer[] = [];
    for (let piece = yield* this.read(); piece !== null; piece = yield* this.read()) parts.push(piece);
    return Buffer.concat(parts);
  }

  *text(): Green<string> {
    return (yield* this.readAll()).toString("utf8");
  }

  get trailers(): Headers {
    return this.reader.trailers;
  }
}

// #region serve
/**
 * Accepts connections until the listener is closed and serves each in a green thread of its own, at most
 * `maxConnections` at once (chapter 05's serve does the accepting and the counting).
 */
export function* serveHttp(listener: Listener, handler: Handler, options: ServerOptions = {}): Green<void> {
  yield* serve(listener, (sock) => handleConnection(sock, handler, options), { concurrency: options.maxConnections });
}
// #endregion
