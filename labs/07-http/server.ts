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
  // TODO(task 5): handleConnection. See README.md.
  throw new Error("not implemented yet — lab 07-http, task 5: handleConnection");
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
