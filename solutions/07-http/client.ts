// The green HTTP client: requests over kept-alive connections, reused per origin, with timeouts. Chapter 07.
//
// Opening a TCP connection costs a round trip (and with TLS, several); keep-alive lets one connection carry
// many requests. The price is a race every HTTP client must handle: a server may close an idle connection
// just as we send on it. The request then fails before a single byte of response arrives, and it is safe to
// send it again on a fresh connection if it is idempotent: this client does that, once.
import type { Green } from "../02-hub/suspend";
import { Timeout } from "../03-cancellation/timeout";
import { ConnectionResetError, SocketError, TimedOutError } from "../05-green-sockets/errors";
import type { Network, Socket } from "../05-green-sockets/socket";
import { Headers, type HeadersInit } from "./headers";
import type { Limits } from "./limits";
import type { ResponseHead } from "./messages";
import { ResponseParser } from "./parser";
import { MessageReader } from "./reader";
import { formatRequestHead } from "./serialize";

// #region client-types
export interface ClientOptions {
  /** Where connections are made: `realNetwork`, or a host of a simulated network. */
  readonly network: Network;
  /** The response parser's limits. @default DEFAULT_LIMITS */
  readonly limits?: Partial<Limits>;
  /** Milliseconds for a whole request: connecting, sending, the response's head and body. @default 30000 */
  readonly timeout?: number;
  /** Milliseconds to open a connection. @default 5000 */
  readonly connectTimeout?: number;
  /** Idle connections kept open per origin (host and port). @default 8 */
  readonly maxIdlePerOrigin?: number;
}

export interface ClientRequest {
  /** @default "GET" */
  readonly method?: string;
  /** An absolute http: URL. */
  readonly url: string;
  readonly headers?: HeadersInit;
  readonly body?: string | Uint8Array;
}

// Simplification: a production client would stream response bodies (and request bodies) instead of buffering them.
export interface ClientResponse extends ResponseHead {
  readonly body: Buffer;
  readonly trailers: Headers;
  /** The body decoded as UTF-8. */
  text(): string;
}
// #endregion

/** One connection and the parser that reads it: they live and die together. */
interface Connection {
  readonly sock: Socket;
  readonly parser: ResponseParser;
  readonly reader: MessageReader<ResponseHead>;
}

const IDEMPOTENT = new Set(["GET", "HEAD", "PUT", "DELETE", "OPTIONS", "TRACE"]);

// #region client
export class HttpClient {
  readonly #options: ClientOptions;
  /**
   * Idle connections by "host:port", most recently used last.
   * Simplification: a production client would also cap the connections open to one origin, not only the idle ones.
   */
  readonly #idle = new Map<string, Connection[]>();
  /** Connections opened and requests that reused one: for tests and the demo. */
  readonly stats = { connections: 0, reused: 0 };

  constructor(options: ClientOptions) {
    this.#options = options;
  }

  /** GET `url`. */
  get(url: string, headers?: HeadersInit): Green<ClientResponse> {
    return this.request({ url, headers });
  }

  /**
   * Sends one request and returns the whole response. Throws TimedOutError after `timeout`, the network's
   * SocketErrors, and HttpError (502) when the server's response is malformed or over the limits.
   */
  *request(req: ClientRequest): Green<ClientResponse> {
    const url = new URL(req.url);
    // Simplification: a production client would speak TLS (https:) too.
    if (url.protocol !== "http:") throw new TypeError(`only http: URLs are supported, not ${url.protocol}`);
    const origin = { host: url.hostname, port: url.port ? Number(url.port) : 80 };
    const key = `${origin.host}:${origin.port}`;
    const method = (req.method ?? "GET").toUpperCase();
    const headers = new Headers(req.headers);
    if (!headers.has("host")) headers.set("Host", url.host);
    const body = typeof req.body === "string" ? Buffer.from(req.body) : req.body;
    if (body !== undefined || method === "POST" || method === "PUT") headers.set("Content-Length", String(body?.length ?? 0));
    const head = formatRequestHead(method, url.pathname + url.search, headers);
    const message = body?.length ? Buffer.concat([head, body]) : head;

    const { timeout = 30_000, connectTimeout = 5_000 } = this.#options;
    const deadline = new Timeout(timeout, new TimedOutError(`${method} ${req.url}: no complete response in ${timeout} ms`));
    try {
      for (;;) {
        const idle = this.#idle.get(key)?.pop();
        const conn = idle ?? (yield* this.#connect(origin, connectTimeout));
        try {
          const response = yield* this.#exchange(conn, key, method, message);
          if (idle) this.stats.reused++;
          return response;
        } catch (e) {
          conn.sock.abort(); // a connection in an unknown state is never reused
          // The server closed the kept-alive connection as we sent: nothing was processed, so send again.
          if (idle && conn.parser.idle && e instanceof SocketError && e !== deadline.thrown && IDEMPOTENT.has(method)) continue;
          throw e;
        }
      }
    } finally {
      deadline.cancel();
    }
  }

  *#connect(origin: { host: string; port: number }, timeout: number): Green<Connection> {
    const sock = yield* this.#options.network.connect(origin, { timeout });
    this.stats.connections++;
    const parser = new ResponseParser(this.#options.limits);
    return { sock, parser, reader: new MessageReader(sock, parser) };
  }

  /** Sends the request and reads its response; returns the connection to the pool when it may be reused. */
  *#exchange(conn: Connection, key: string, method: string, message: Buffer): Green<ClientResponse> {
    // BEGIN SOLUTION 6 HttpClient.exchange
    conn.parser.expect(method);
    yield* conn.sock.sendall(message);
    for (;;) {
      const head = yield* conn.reader.readHead();
      if (head === null) throw new ConnectionResetError(`${key} closed the connection before responding`);
      const body = yield* conn.reader.readAll();
      if (head.status < 200) continue; // 100 Continue, 103 Early Hints: the real response follows
      if (head.keepAlive) this.#release(key, conn);
      else conn.sock.close();
      // Each field named, not spread (see checkRequestHead, framing.ts), and `text` a method, not an arrow: under
      // tsx every named function made at run time is named with Object.defineProperty, microseconds apiece.
      const { version, status, reason, headers, keepAlive, framing } = head;
      const trailers = conn.reader.trailers;
      return {
        version,
        status,
        reason,
        headers,
        keepAlive,
        framing,
        body,
        trailers,
        text() {
          return body.toString("utf8");
        },
      };
    }
    // END SOLUTION
  }

  #release(key: string, conn: Connection): void {
    const list = this.#idle.get(key) ?? [];
    this.#idle.set(key, list);
    list.push(conn);
    // Past the limit, the connection idle the longest goes.
    if (list.length > (this.#options.maxIdlePerOrigin ?? 8)) list.shift()!.sock.close();
  }

  /** Closes every idle connection. */
  close(): void {
    for (const list of this.#idle.values()) for (const conn of list) conn.sock.close();
    this.#idle.clear();
  }
}
// #endregion
