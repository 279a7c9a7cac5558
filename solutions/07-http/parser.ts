// The incremental HTTP/1.1 parser: bytes in, in chunks of any size; heads, body pieces and ends out. Chapter 07.
//
// A state machine with no I/O. `push(chunk)` consumes every byte it is given and returns the events they
// complete; a line cut in two by the network waits in a small buffer for the rest. Body bytes are never
// copied: a "data" event is a view into the chunk that carried it. The same machine reads requests (a server)
// and responses (a client, a proxy); the two subclasses differ only in their first line and framing rules.
import { HttpError } from "./errors";
import { checkBodyLength, checkRequestHead, isKeepAlive, responseFraming, type BodyFraming } from "./framing";
import { Headers } from "./headers";
import { type Limits, withDefaults } from "./limits";
import type { ParseEvent, RequestHead, ResponseHead } from "./messages";
import { parseChunkSize, parseFieldLine, parseRequestLine, parseStatusLine, type RequestLine, type StatusLine } from "./syntax";

const CR = 0x0d;
const LF = 0x0a;

// #region states
/**
 * Where the parser is in a message. The four line states read a CRLF-terminated line at a time; the
 * others count bytes.
 */
type State =
  | "start" // waiting for a request or status line (empty lines before it are skipped)
  | "field" // reading header field lines, until an empty line ends the head
  | "length" // reading a Content-Length body: `#remaining` bytes to go
  | "chunk-size" // reading a chunk-size line
  | "chunk-data" // reading a chunk's data: `#remaining` bytes to go
  | "chunk-crlf" // reading the CRLF after a chunk's data: `#crlf` of its two bytes seen
  | "trailer" // reading trailer field lines after the last chunk
  | "close" // reading a body that ends when the connection does (responses only)
  | "dead"; // an error was found: nothing more is read
// #endregion

// The same as chapter 05's `asBuffer` (stream.ts), written again so that the parser, which does no I/O, imports
// nothing of the sockets.
const asBuffer = (chunk: Uint8Array): Buffer =>
  Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);

/**
 * What #fields holds between messages: one empty list for every parser, never added to (a start line or a last chunk
 * makes the next message's own list first). A new one at each message's end would be one more object per message,
 * and the last message's fields kept instead would live as long as the connection waits for its next request.
 */
const NO_FIELDS_YET = new Headers();

// #region parser-state
export abstract class HttpParser<S, H extends { readonly framing: BodyFraming }> {
  readonly limits: Limits;
  #state: State = "start";
  /** The start of a line that has not ended yet: at most one line, so at most `maxLineBytes` and a CR. */
  #pending: Buffer | null = null;
  /** Bytes of the head (or trailer section) so far, for `maxHeaderBytes`. */
  #headBytes = 0;
  /** Body bytes so far, for `maxBodyBytes`. */
  #bodyBytes = 0;
  /** Bytes left in a Content-Length body or in the current chunk. */
  #remaining = 0;
  #crlf = 0;
  #start: S | undefined;
  /** The header fields, then the trailer fields, of the message being read (NO_FIELDS_YET between messages). */
  #fields = NO_FIELDS_YET;
  #error: HttpError | null = null;

  constructor(limits: Partial<Limits> = {}) {
    this.limits = withDefaults(limits);
  }

  /** Parses a request line or a status line. */
  protected abstract parseStart(buf: Buffer, start: number, end: number): S;
  /** Builds the head from the start line and the fields, deciding the framing. */
  protected abstract makeHead(start: S, headers: Headers): H;
  /** The error to report for `e`: a response parser makes every error a 502. */
  protected fault(e: HttpError): HttpError {
    return e;
  }
  // #endregion

  /** True between messages with nothing buffered: a connection could close here and lose nothing. */
  get idle(): boolean {
    return this.#state === "start" && this.#pending === null && this.#headBytes === 0;
  }

  /** The error that stopped the parser, or null. */
  get error(): HttpError | null {
    return this.#error;
  }

  // #region push
  /**
   * Consumes `chunk` and returns the events it completes. After an "error" event the parser is dead, and
   * every later push returns that error again.
   */
  push(chunk: Uint8Array): ParseEvent<H>[] {
    const events: ParseEvent<H>[] = [];
    if (this.#error) return [{ type: "error", error: this.#error }];
    const buf = asBuffer(chunk);
    try {
      let pos = 0;
      const pending = this.#pending;
      if (pending) {
        // Finish the line the last chunk cut, copying only that line; the rest of this chunk is read in place.
        this.#pending = null;
        const lf = buf.indexOf(LF);
        pos = lf < 0 ? buf.length : lf + 1;
        const line = Buffer.concat([pending, buf.subarray(0, pos)]);
        for (let p = 0; p < line.length; ) p = this.#step(line, p, events);
      }
      while (pos < buf.length) pos = this.#step(buf, pos, events);
    } catch (e) {
      if (!(e instanceof HttpError)) throw e; // a bug, not bad input: let it be seen
      this.#fail(e, events);
    }
    return events;
  }

  /**
   * The peer closed the connection. Ends a body that runs until close; anywhere else but between messages
   * the message was cut short, and that is an error.
   */
  finish(): ParseEvent<H>[] {
    if (this.#error) return [{ type: "error", error: this.#error }];
    const events: ParseEvent<H>[] = [];
    if (this.#state === "close") this.#end(events);
    else if (this.#state !== "start" || (this.#pending && this.#pending.some((b) => b !== CR && b !== LF))) {
      this.#fail(new HttpError(400, "the connection closed in the middle of a message"), events);
    }
    return events;
  }

  #fail(e: HttpError, events: ParseEvent<H>[]): void {
    this.#error = this.fault(e);
    this.#state = "dead";
    this.#pending = null;
    events.push({ type: "error", error: this.#error });
  }
  // #endregion

  // #region step
  /** Consumes what it can of `buf` from `pos` in the current state; returns the new position. */
  #step(buf: Buffer, pos: number, events: ParseEvent<H>[]): number {
    switch (this.#state) {
      case "start":
      case "field":
      case "chunk-size":
      case "trailer":
        return this.#takeLine(buf, pos, events);
      case "length":
      case "chunk-data":
        return this.#takeData(buf, pos, events);
      case "chunk-crlf": {
        // BEGIN SOLUTION 4 chunk-crlf
        // Exactly CRLF after the data: anything else means the size lied, and the rest cannot be trusted.
        if (buf[pos] !== (this.#crlf === 0 ? CR : LF)) throw new HttpError(400, "chunk data must end with CRLF");
        if (++this.#crlf === 2) this.#state = "chunk-size";
        return pos + 1;
        // END SOLUTION
      }
      case "close": {
        this.#bodyBytes += buf.length - pos;
        if (this.#bodyBytes > this.limits.maxBodyBytes) throw new HttpError(413, "body too large");
        events.push({ type: "data", data: buf.subarray(pos) });
        return buf.length;
      }
      case "dead":
        return buf.length;
    }
  }
  // #endregion

  // #region take-line
  /**
   * Finds the end of the line that starts at `pos`. A whole line goes to #line; a partial one is kept for
   * the next push, unless it is already over a limit: then we refuse it now rather than buffer more.
   */
  #takeLine(buf: Buffer, pos: number, events: ParseEvent<H>[]): number {
    // BEGIN SOLUTION 3 takeLine
    const lf = buf.indexOf(LF, pos);
    const seen = (lf < 0 ? buf.length : lf + 1) - pos; // bytes of this line so far, CRLF included
    // A partial line may end in the CR of its CRLF; a whole one always does.
    const content = lf < 0 ? seen - 1 : seen - 2;
    const inHead = this.#state === "start" || this.#state === "field" || this.#state === "trailer";
    if (content > this.limits.maxLineBytes) throw this.#lineTooLong();
    if (inHead && this.#headBytes + seen > this.limits.maxHeaderBytes) {
      throw new HttpError(431, "header section too large");
    }
    if (lf < 0) {
      // Keep only this line's bytes, copied, so a large chunk is not kept alive by a few bytes of it.
      this.#pending = Buffer.from(buf.subarray(pos));
      return buf.length;
    }
    if (lf === pos || buf[lf - 1] !== CR) throw new HttpError(400, "a line must end with CRLF, not a bare LF");
    if (inHead) this.#headBytes += seen;
    this.#line(buf, pos, lf - 1, events);
    return lf + 1;
    // END SOLUTION
  }

  #lineTooLong(): HttpError {
    switch (this.#state) {
      case "start":
        return new HttpError(414, "request line too long");
      case "chunk-size":
        return new HttpError(400, "chunk size line too long");
      default:
        return new HttpError(431, "header field line too long");
    }
  }
  // #endregion

  // #region line
  /** One whole line, [start, end) without its CRLF, in one of the four line states. */
  #line(buf: Buffer, start: number, end: number, events: ParseEvent<H>[]): void {
    switch (this.#state) {
      case "start":
      case "field": {
        // BEGIN SOLUTION 3 head lines
        if (this.#state === "start") {
          // RFC 9112 §2.2: a server SHOULD ignore at least one empty line before a request line.
          if (start === end) return;
          this.#start = this.parseStart(buf, start, end);
          this.#fields = new Headers();
          this.#state = "field";
        } else if (start < end) {
          if (this.#fields.size >= this.limits.maxHeaderCount) throw new HttpError(431, "too many header fields");
          const [name, value] = parseFieldLine(buf, start, end);
          this.#fields.appendParsed(name, value);
        } else {
          // The empty line: the head is complete, and it alone decides how the body is framed.
          const head = this.makeHead(this.#start as S, this.#fields);
          events.push({ type: "head", head });
          this.#startBody(head.framing, events);
        }
        return;
        // END SOLUTION
      }
      case "chunk-size": {
        // BEGIN SOLUTION 4 chunk-size
        const size = parseChunkSize(buf, start, end);
        if (size === 0) {
          // The last chunk. Trailer fields follow, with the same limits as a head of their own.
          this.#state = "trailer";
          this.#headBytes = 0;
          this.#fields = new Headers();
          return;
        }
        this.#bodyBytes += size;
        if (this.#bodyBytes > this.limits.maxBodyBytes) throw new HttpError(413, "body too large");
        this.#remaining = size;
        this.#state = "chunk-data";
        return;
        // END SOLUTION
      }
      case "trailer": {
        if (start === end) return this.#end(events, this.#fields);
        if (this.#fields.size >= this.limits.maxHeaderCount) throw new HttpError(431, "too many trailer fields");
        const [name, value] = parseFieldLine(buf, start, end);
        this.#fields.appendParsed(name, value);
        return;
      }
    }
  }
  // #endregion

  // #region body
  /** Sets the parser up to read the body the head announced (or ends the message when it has none). */
  #startBody(framing: BodyFraming, events: ParseEvent<H>[]): void {
    switch (framing.kind) {
      case "none":
        return this.#end(events);
      case "length":
        // makeHead has already refused a length over maxBodyBytes (checkBodyLength), before the head was emitted.
        this.#remaining = framing.length;
        this.#state = "length";
        return;
      case "chunked":
        this.#state = "chunk-size";
        return;
      case "close":
        this.#state = "close";
        return;
    }
  }

  /** Body bytes of a Content-Length body or of a chunk: as many as are here and still due. */
  #takeData(buf: Buffer, pos: number, events: ParseEvent<H>[]): number {
    // BEGIN SOLUTION 4 takeData
    const n = Math.min(this.#remaining, buf.length - pos);
    events.push({ type: "data", data: buf.subarray(pos, pos + n) });
    this.#remaining -= n;
    if (this.#remaining === 0) {
      if (this.#state === "length") this.#end(events);
      else {
        this.#state = "chunk-crlf";
        this.#crlf = 0;
      }
    }
    return pos + n;
    // END SOLUTION
  }

  /** The message is complete: report it and get ready for the next one on the same connection. */
  #end(events: ParseEvent<H>[], trailers = new Headers()): void {
    events.push({ type: "end", trailers });
    this.#state = "start";
    this.#headBytes = 0;
    this.#bodyBytes = 0;
    this.#start = undefined;
    this.#fields = NO_FIELDS_YET;
  }
  // #endregion
}

// #region request-parser
/** Reads requests, as a server does. */
export class RequestParser extends HttpParser<RequestLine, RequestHead> {
  protected parseStart(buf: Buffer, start: number, end: number): RequestLine {
    return parseRequestLine(buf, start, end);
  }

  /** The head-time checks (Host, framing, body limit) live in one function that a proxy can call too. */
  protected makeHead(line: RequestLine, headers: Headers): RequestHead {
    return checkRequestHead(line, headers, this.limits);
  }
}
// #endregion

// #region response-parser
/**
 * Reads responses, as a client does. Whether a response has a body depends on the request it answers, so
 * tell the parser each request's method, in order, with `expect` (GET is assumed when it was not told).
 */
export class ResponseParser extends HttpParser<StatusLine, ResponseHead> {
  readonly #methods: string[] = [];

  /** Call once per request sent on this connection, in the order they were sent. */
  expect(method: string): void {
    this.#methods.push(method.toUpperCase());
  }

  protected parseStart(buf: Buffer, start: number, end: number): StatusLine {
    return parseStatusLine(buf, start, end);
  }

  protected makeHead(line: StatusLine, headers: Headers): ResponseHead {
    // Simplification: a production client would hand the connection over after 101 Switching Protocols.
    if (line.status === 101) throw new HttpError(502, "protocol upgrades (101 Switching Protocols) are not supported");
    // A 1xx response is interim: the final response to the same request follows it.
    const method = (line.status >= 200 ? this.#methods.shift() : this.#methods[0]) ?? "GET";
    const framing = checkBodyLength(responseFraming(line.status, method, headers), this.limits.maxBodyBytes);
    // Each field named, not spread: see checkRequestHead.
    const keepAlive = framing.kind !== "close" && isKeepAlive(line.version, headers);
    return { version: line.version, status: line.status, reason: line.reason, headers, framing, keepAlive };
  }

  /** A bad response is the upstream's fault: whoever relays it answers its own client 502 Bad Gateway. */
  protected override fault(e: HttpError): HttpError {
    return e.status === 502 ? e : new HttpError(502, `bad response: ${e.message}`);
  }
}
// #endregion
