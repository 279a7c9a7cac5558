// Connection pools: kept-alive connections to each backend, reused request after request. Chapter 11.
//
// Opening a TCP connection per request costs a round trip and a socket on both ends; a proxy that keeps its
// connections to backends open pays that once per connection instead of once per request. One pool per backend:
// idle connections wait in a stack (the most recently used is reused first, as nginx's upstream `keepalive` cache
// does, so the ones at the bottom go idle long enough to expire), the connections open to a backend are capped
// (HAProxy's per-server `maxconn`), a request that finds the cap reached waits in a queue (`timeout queue`), and a
// connection idle too long is closed (HAProxy's `pool-purge-delay`).
import { getHub } from "../02-hub/hub";
import type { Greenlet } from "../02-hub/greenlet";
import type { Timer } from "../02-hub/heap";
import type { Green } from "../02-hub/suspend";
import { SocketError, TimedOutError } from "../05-green-sockets/errors";
import { park } from "../05-green-sockets/park";
import type { Network, Socket } from "../05-green-sockets/socket";
import type { Limits } from "../07-http/limits";
import type { ResponseHead } from "../07-http/messages";
import type { Backend } from "../08-tcp-proxy/balancer";
import { Channel, ProxyResponseParser, responseLimits } from "./channel";

// #region pool-types
export interface PoolOptions {
  /** Connections open to one backend at once, busy and idle (HAProxy's server `maxconn`). @default 1024 */
  readonly maxConnections?: number;
  /** Idle connections kept per backend; one more is closed when it is released. @default 256 */
  readonly maxIdle?: number;
  /**
   * Milliseconds an idle connection is kept. Shorter than the backends' own keep-alive timeout (Node's http server
   * closes after 5 s), so the proxy is the side that closes, not the side surprised by a close. @default 4000
   */
  readonly idleTimeout?: number;
}

/** A connection to a backend, with the parser that reads its responses: they live and die together. */
export interface Upstream {
  readonly backend: Backend;
  readonly sock: Socket;
  readonly channel: Channel<ResponseHead>;
  readonly parser: ProxyResponseParser;
  /** Requests sent on it so far: more than one means it was reused. */
  requests: number;
  /** When it was last put back idle, on the hub's clock. */
  idleSince: number;
}

/** A request waited `timeout queue` for a connection to a backend at its limit: the proxy answers 503. */
export class PoolTimeoutError extends SocketError {
  override name = "PoolTimeoutError";
  constructor(message: string) {
    super(message, "EAGAIN");
  }
}

/** The backend was removed (chapter 12 drains backends at run time): its pool takes no more requests. */
export class PoolClosedError extends SocketError {
  override name = "PoolClosedError";
  constructor(message: string) {
    super(message, "ESHUTDOWN");
  }
}
// #endregion

// #region pool
export class BackendPool {
  /** Idle connections, the most recently used last. */
  readonly idle: Upstream[] = [];
  /** Connections open now, busy and idle. */
  open = 0;
  /** Connections opened, reuses of an idle one, idle ones closed for their age. */
  readonly stats = { connects: 0, reuses: 0, expired: 0 };
  readonly maxConnections: number;
  readonly maxIdle: number;
  readonly idleTimeout: number;
  /** Threads waiting for room, oldest first. */
  readonly #waiting: Greenlet[] = [];
  #sweep: Timer | null = null;
  #closed = false;

  constructor(
    readonly backend: Backend,
    readonly network: Network,
    options: PoolOptions,
    /** The response parser's limits, and the connect, queue and server timeouts. */
    readonly limits: Partial<Limits> & { readonly connectTimeout: number; readonly queueTimeout: number; readonly serverTimeout: number },
  ) {
    this.maxConnections = options.maxConnections ?? 1024;
    this.maxIdle = options.maxIdle ?? 256;
    this.idleTimeout = options.idleTimeout ?? 4000;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /**
   * A connection to this backend: an idle one when there is one (unless `fresh`), else a new one while fewer than
   * `maxConnections` are open, else the first to be released, waiting at most `queueTimeout` (PoolTimeoutError).
   * A failed connect throws the network's SocketError and frees its room.
   */
  *acquire(fresh = false): Green<Upstream> {
    // BEGIN SOLUTION 5 BackendPool.acquire
    for (;;) {
      if (this.#closed) throw new PoolClosedError(`${this.backend.name} was removed`);
      if (!fresh && this.idle.length > 0) {
        this.stats.reuses++;
        return this.idle.pop()!;
      }
      if (this.open < this.maxConnections) return yield* this.#connect();
      // At the cap, a fresh connection may still replace an idle one.
      if (fresh && this.idle.length > 0) {
        this.#discard(this.idle.shift()!);
        continue;
      }
      const me = getHub().current!;
      this.#waiting.push(me);
      try {
        yield* park(this.limits.queueTimeout, "waiting for a connection");
      } catch (e) {
        if (e instanceof TimedOutError) {
          throw new PoolTimeoutError(`no connection to ${this.backend.name} freed up in ${this.limits.queueTimeout} ms`);
        }
        throw e;
      } finally {
        const i = this.#waiting.indexOf(me);
        if (i >= 0) this.#waiting.splice(i, 1);
      }
    }
    // END SOLUTION
  }

  /**
   * Gives a connection back after a request. `reusable` says whether it may carry another: the response was read
   * to its end, the request was sent whole, and neither side asked to close. Otherwise it is closed.
   */
  release(up: Upstream, reusable: boolean): void {
    // BEGIN SOLUTION 5 BackendPool.release
    if (!reusable || this.#closed || this.idle.length >= this.maxIdle) this.#discard(up);
    else {
      up.idleSince = getHub().now();
      this.idle.push(up);
      if (this.#sweep === null) this.#sweep = getHub().schedule(this.idleTimeout, this.#expire);
    }
    this.#wakeOne();
    // END SOLUTION
  }

  /** Stops the pool: idle connections close now, busy ones when they are released; waiters get PoolClosedError. */
  close(): void {
    this.#closed = true;
    this.#sweep?.cancel();
    this.#sweep = null;
    for (const up of this.idle.splice(0)) this.#discard(up);
    for (const g of this.#waiting.splice(0)) getHub().resume(g);
  }

  *#connect(): Green<Upstream> {
    this.open++;
    let sock: Socket;
    try {
      sock = yield* this.network.connect(this.backend.address, { timeout: this.limits.connectTimeout });
    } catch (e) {
      this.open--;
      this.#wakeOne();
      throw e;
    }
    this.stats.connects++;
    sock.timeout = this.limits.serverTimeout;
    const parser = new ProxyResponseParser(responseLimits(this.limits));
    return { backend: this.backend, sock, parser, channel: new Channel(sock, parser), requests: 0, idleSince: 0 };
  }

  #discard(up: Upstream): void {
    up.sock.close();
    this.open--;
  }

  #wakeOne(): void {
    const hub = getHub();
    while (this.#waiting.length > 0) if (hub.resume(this.#waiting.shift()!)) return;
  }

  /** Closes the connections idle for `idleTimeout` or more (the oldest are at the bottom of the stack). */
  readonly #expire = (): void => {
    const hub = getHub();
    const now = hub.now();
    this.#sweep = null;
    // The same sum as the deadline below, not `now - idleSince >= idleTimeout`: with fractional times the two can
    // disagree by a rounding error, and a sweep that finds nothing due would reschedule itself 0 ms later forever.
    while (this.idle.length > 0 && this.idle[0].idleSince + this.idleTimeout <= now) {
      this.#discard(this.idle.shift()!);
      this.stats.expired++;
    }
    if (this.idle.length > 0) this.#sweep = hub.schedule(this.idle[0].idleSince + this.idleTimeout - now, this.#expire);
  };
}
// #endregion
