// The L4 proxy: accept a client, connect a backend, relay bytes both ways, tear the pair down. Chapter 08.
//
// One green thread per client owns that connection's whole life — the connect with its failover, the byte path,
// the errors and the teardown — so the life of a proxied connection reads top to bottom in `serveClient`.
// Limits live around it: at most `maxConnections` clients at once, an idle timeout, a graceful shutdown.
import { getHub } from "../02-hub/hub";
import type { Greenlet } from "../02-hub/greenlet";
import { PARK, type Green } from "../02-hub/suspend";
import { getCurrent, spawn, type GreenThread } from "../03-cancellation/greenthread";
import { isPeerGone, SocketClosedError } from "../05-green-sockets/errors";
import type { Address, Listener, Network, Socket } from "../05-green-sockets/socket";
import type { Backend, Balancer } from "./balancer";
import { IdleTimeoutError, NoBackendError, ShutdownError } from "./errors";
import { connectBackend, type FailoverOptions, type Upstream } from "./failover";
import { watchIdle } from "./idle";
import { greenRelay, type Relay } from "./pipe";
import { newClientStats, statsFor, type ClientStats, type Stats } from "./stats";

// #region proxy-options
export interface ProxyOptions extends FailoverOptions {
  /** Where clients connect and backends are reached: Node's real network or a simulated host. */
  readonly network: Network;
  /** Where to listen (port 0: any free port). */
  readonly listen: Address;
  readonly balancer: Balancer;
  /** Milliseconds without a byte either way after which a connection is cut; null: never. @default 60000 */
  readonly idleTimeout?: number | null;
  /** Clients served at once. Past it the proxy stops accepting; new clients wait in the backlog. @default 10000 */
  readonly maxConnections?: number;
  /** Connections the listener queues that nobody has accepted yet. @default 511 */
  readonly backlog?: number;
  /** The byte path. @default greenRelay (pipe.ts); splice.ts has the fast one for real sockets */
  readonly relay?: Relay;
}

/** What a graceful shutdown did. */
export interface ShutdownReport {
  /** Connections that ended on their own before the deadline. */
  readonly finished: number;
  /** Connections still open at the deadline, and cut. */
  readonly cut: number;
}
// #endregion

// #region proxy
export class Proxy {
  /** Counters per backend: the map the balancer, the demo and chapter 13's metrics read. */
  readonly stats: Map<Backend, Stats>;
  readonly clients: ClientStats = newClientStats();
  /** The thread of every client connection being served. */
  readonly connections = new Set<GreenThread<void>>();
  /** The accepting thread, once started. */
  acceptor: GreenThread<void> | null = null;
  /** True while the acceptor is parked because `maxConnections` clients are being served. */
  waitingForSlot = false;

  private constructor(
    readonly options: ProxyOptions,
    readonly listener: Listener,
  ) {
    this.stats = statsFor(options.balancer.backends);
  }

  /** Listens and starts accepting in a green thread of its own; returns at once. */
  static *start(options: ProxyOptions): Green<Proxy> {
    const listener = yield* options.network.listen(options.listen, options.backlog ?? 511);
    const proxy = new Proxy(options, listener);
    proxy.acceptor = spawn(acceptLoop, proxy);
    return proxy;
  }

  /** Where clients connect (the real port when it listened on port 0). */
  get address(): Address {
    return this.listener.address;
  }

  /**
   * Stops accepting (new clients are refused), lets open connections finish for up to `grace` milliseconds,
   * then cuts the rest, and returns once every connection thread has ended.
   */
  *shutdown(grace: number): Green<ShutdownReport> {
    // BEGIN SOLUTION 5 Proxy.shutdown
    const hub = getHub();
    this.listener.close(); // an acceptor parked in accept gets SocketClosedError and returns
    if (this.waitingForSlot && this.acceptor) hub.resume(this.acceptor); // one parked for a slot sees `closed`
    const open = this.connections.size;
    const cutBefore = this.clients.cutAtShutdown;
    const deadline = hub.schedule(grace, () => {
      for (const t of this.connections) t.killSoon(new ShutdownError(`still open ${grace} ms after shutdown began`));
    });
    try {
      while (this.connections.size > 0) {
        const [t] = this.connections;
        yield* t.wait(); // connection threads handle their own errors: wait() returns
      }
      if (this.acceptor) yield* this.acceptor.wait();
    } finally {
      deadline.cancel();
    }
    const cut = this.clients.cutAtShutdown - cutBefore;
    return { finished: open - cut, cut };
    // END SOLUTION
  }
}
// #endregion

// #region accept-loop
/** Accepts clients until the listener closes, never serving more than `maxConnections` at once. */
function* acceptLoop(proxy: Proxy): Green<void> {
  const { listener, clients } = proxy;
  const me = getCurrent();
  // BEGIN SOLUTION 4 acceptLoop
  for (;;) {
    yield* waitForSlot(proxy);
    let client: Socket;
    try {
      client = yield* listener.accept();
    } catch (e) {
      if (e instanceof SocketClosedError) return; // shut down
      throw e;
    }
    clients.active++;
    clients.total++;
    const t = spawn(serveClient, proxy, client);
    proxy.connections.add(t);
    // Bookkeeping, not error handling (observes: false), so a bug in serveClient is still reported.
    t.onExit((g: Greenlet) => {
      clients.active--;
      proxy.connections.delete(t);
      if (!g.started) client.abort(); // killed before its first line ran: nobody else will close the socket
      if (proxy.waitingForSlot) getHub().resume(me);
    }, false);
  }
  // END SOLUTION
}

/**
 * Returns once fewer than `maxConnections` clients are being served (or the listener is closed). Full, the proxy
 * stops accepting, as HAProxy's maxconn does: clients wait in the listener's backlog (then the kernel's), where
 * waiting costs us nothing, instead of being accepted only to be closed.
 */
function* waitForSlot(proxy: Proxy): Green<void> {
  const max = proxy.options.maxConnections ?? 10_000;
  // BEGIN SOLUTION 5 waitForSlot
  // STARTER
  // // No limit yet: task 5 makes the proxy stop accepting when it is full.
  // END STARTER
  while (proxy.clients.active >= max && !proxy.listener.closed) {
    proxy.waitingForSlot = true;
    try {
      yield PARK; // a connection ending (acceptLoop's exit listener) or shutdown wakes us
    } finally {
      proxy.waitingForSlot = false;
    }
  }
  // END SOLUTION
}
// #endregion

// #region serve-client
/** The life of one proxied connection, owned by this green thread from accept to the last byte. */
function* serveClient(proxy: Proxy, client: Socket): Green<void> {
  const { options, clients } = proxy;
  const relay = options.relay ?? greenRelay;
  const me = getCurrent();
  // BEGIN SOLUTION 4 serveClient
  let upstream: Upstream | null = null;
  let clean = false;
  try {
    upstream = yield* connectBackend(options.network, options.balancer, proxy.stats, options);
    const s = proxy.stats.get(upstream.backend)!;
    s.active++;
    s.total++;
    let moved = 0; // this connection's bytes, both ways: what the idle watchdog watches
    const watchdog = watchIdle(options.idleTimeout === undefined ? 60_000 : options.idleTimeout, () => moved, () => {
      getHub().throwInto(me, new IdleTimeoutError(`no byte either way for ${options.idleTimeout ?? 60_000} ms`));
    });
    try {
      yield* relay(
        client,
        upstream.sock,
        (n) => {
          s.bytesUp += n;
          moved += n;
        },
        (n) => {
          s.bytesDown += n;
          moved += n;
        },
      );
      clean = true;
    } finally {
      watchdog.cancel();
      s.active--;
    }
  } catch (e) {
    // Each way a connection can end is counted; only the unexpected is rethrown (and reported by the hub).
    if (e instanceof NoBackendError) clients.noBackend++;
    else if (e instanceof IdleTimeoutError) clients.idleTimeouts++;
    else if (e instanceof ShutdownError) clients.cutAtShutdown++;
    else if (!isPeerGone(e) && !(e instanceof SocketClosedError)) throw e;
  } finally {
    // Both directions ended: close politely (what is buffered still goes). Anything else: reset both sides,
    // so neither mistakes a cut stream for a complete one.
    if (clean) {
      client.close();
      upstream?.sock.close();
    } else {
      client.abort();
      upstream?.sock.abort();
    }
  }
  // END SOLUTION
}
// #endregion
