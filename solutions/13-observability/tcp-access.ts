// One access record per connection of chapter 08's TCP proxy (and of chapters 09, 10 and 12, built on it), without
// changing its code: the proxy's network and relay are wrapped, as chapter 09 wraps the network to feed a strategy.
// Built in chapter 13.
//
// What each wrapper sees:
//   - the listener's accept: a client arrived (`accepted`); its socket is wrapped;
//   - the network's connect, in the connection's own thread: a backend was picked (the balancer picks right before
//     it connects, without waiting) and connected, or refused (SC) or timed out (sC); each try after the first is a
//     retry (chapter 08's failover);
//   - the relay: the client and the backend socket meet (so a record knows its backend), bytes both ways, the first
//     byte to the client;
//   - the sockets' reads and writes: which side failed first (C client, S server; c or s when it timed out), or the
//     proxy's idle timeout (cD) or shutdown (K);
//   - the client socket's first close or abort: the connection is done, and the record goes to `onRecord`.
import { getHub } from "../02-hub/hub";
import type { Greenlet } from "../02-hub/greenlet";
import type { Green } from "../02-hub/suspend";
import { getCurrent } from "../03-cancellation/greenthread";
import { SocketClosedError, SocketError, TimedOutError } from "../05-green-sockets/errors";
import type { Address, ConnectOptions, Listener, Network, Socket } from "../05-green-sockets/socket";
import type { Backend, Balancer } from "../08-tcp-proxy/balancer";
import { IdleTimeoutError, ShutdownError } from "../08-tcp-proxy/errors";
import { greenRelay, type Relay } from "../08-tcp-proxy/pipe";
import { ForwardingSocket } from "../09-strategies/forwarding-socket";
import { newAccessRecord, type AccessRecord } from "../11-http-proxy/access-record";

// #region tcp-access
export interface TcpAccessOptions {
  /** Called with each connection's record once the client's socket is closed or aborted. It must not wait. */
  readonly onRecord: (r: AccessRecord) => void;
  /** The proxy's name in the records (HAProxy's frontend). @default "tcp" */
  readonly frontend?: string;
  /** The backends, to name each connect's address. @default the options' `balancer.backends`, or their `backends` */
  readonly backends?: () => readonly Backend[];
}

/** What the wrapper needs of a proxy's options: chapter 08's ProxyOptions, or chapters 09, 10 and 12's, built on it. */
export interface WrappableOptions {
  readonly network: Network;
  readonly relay?: Relay;
  readonly balancer?: Balancer;
  readonly backends?: readonly Backend[];
}

/**
 * `options` with their network and relay wrapped so that every client connection leaves an access record:
 * `Proxy.start(withAccessRecords(options, { onRecord }))`, or `startHealthyProxy(withAccessRecords(…))`. An address
 * no backend has is named `host:port`.
 * On fastNetwork the splice keeps working (it finds the real sockets under the wrappers), but the wrappers then see
 * no read or write fail: a reset is logged as the client's (CD), whichever side it came from.
 */
export function withAccessRecords<O extends WrappableOptions>(options: O, access: TcpAccessOptions): O {
  const backends = access.backends ?? ((): readonly Backend[] => options.balancer?.backends ?? options.backends ?? []);
  const tracker = new ConnectionTracker(access, (a) => nameOf(backends(), a));
  return { ...options, network: tracker.network(options.network), relay: tracker.relay(options.relay ?? greenRelay) };
}
// #endregion

/** A backend's name, or "host:port" for an address no backend has. */
function nameOf(backends: readonly Backend[], a: Address): string {
  const b = backends.find((x) => x.address.host === a.host && x.address.port === a.port);
  return b === undefined ? `${a.host}:${a.port}` : b.name;
}

/** One client connection, from accept to its first close. */
interface Conn {
  readonly rec: AccessRecord;
  /** The connects its thread made, once the relay has put client and backend together. */
  tries: Tries | null;
  /** The first failure seen on either socket, as a termination code. */
  error: string | null;
  done: boolean;
}

/** The connects one thread made: in chapter 08's proxy, one client's failover. */
interface Tries {
  readonly firstPick: number;
  count: number;
  backend: string;
  connected: number | null;
  /** Why the last connect failed, as a termination code (SC, sC, KC); null once one succeeded. */
  error: string | null;
  /** The connection these connects were for, once the relay said so: later failures are its. */
  conn: Conn | null;
}

// #region tcp-tracker
/** HAProxy's code for an error met on one side in the data phase; null for our own close (not a cause). */
function dataCode(e: unknown, side: "C" | "S"): string | null {
  if (e instanceof ShutdownError) return "KD";
  if (e instanceof IdleTimeoutError) return "cD";
  if (e instanceof SocketClosedError) return null; // the other direction failed first and closed this socket
  if (e instanceof TimedOutError) return `${side.toLowerCase()}D`;
  if (e instanceof SocketError) return `${side}D`;
  return null;
}

class ConnectionTracker {
  /** Each thread's connects, by thread: the thread that connects is the one that serves the client. */
  readonly #tries = new WeakMap<Greenlet, Tries>();
  /** Each client socket's connection, for the relay to find. */
  readonly #conns = new WeakMap<Socket, Conn>();

  constructor(
    readonly access: TcpAccessOptions,
    readonly backendName: (a: Address) => string,
  ) {}

  network(inner: Network): Network {
    const self = this;
    return {
      *listen(addr: Address, backlog?: number): Green<Listener> {
        return new TrackedListener(yield* inner.listen(addr, backlog), self);
      },
      *connect(addr: Address, opts?: ConnectOptions): Green<Socket> {
        const hub = getHub();
        const me = getCurrent();
        let t = self.#tries.get(me);
        if (t === undefined) {
          t = { firstPick: hub.now(), count: 0, backend: "", connected: null, error: null, conn: null };
          self.#tries.set(me, t);
        }
        t.count++;
        t.backend = self.backendName(addr);
        t.connected = null;
        let sock: Socket;
        try {
          sock = yield* inner.connect(addr, opts);
        } catch (e) {
          t.error = e instanceof ShutdownError ? "KC" : e instanceof TimedOutError ? "sC" : "SC";
          throw e;
        }
        t.connected = hub.now();
        t.error = null;
        return new TrackedSocket(sock, "S", self, null, t);
      },
    };
  }

  relay(inner: Relay): Relay {
    const self = this;
    return function* trackedRelay(client: Socket, server: Socket, up: (n: number) => void, down: (n: number) => void): Green<void> {
      const conn = self.#conns.get(client);
      const tries = server instanceof TrackedSocket ? server.tries : null;
      if (conn === undefined) return yield* inner(client, server, up, down);
      conn.tries = tries;
      if (tries !== null) tries.conn = conn;
      const rec = conn.rec;
      const hub = getHub();
      try {
        yield* inner(
          client,
          server,
          (n) => {
            rec.bytesIn += n;
            up(n);
          },
          (n) => {
            if (rec.firstByte === null) rec.firstByte = hub.now();
            rec.bytesOut += n;
            down(n);
          },
        );
      } catch (e) {
        conn.error ??= dataCode(e, "C"); // a failure no socket saw (the splice's): its side is not known
        throw e;
      }
    };
  }

  accepted(sock: Socket): Socket {
    const rec = newAccessRecord("tcp", sock.remote, this.access.frontend ?? "tcp", getHub().now());
    const conn: Conn = { rec, tries: null, error: null, done: false };
    const tracked = new TrackedSocket(sock, "C", this, conn, null);
    this.#conns.set(tracked, conn);
    return tracked;
  }

  /** A read or write on `side` failed with `e`: the first such failure is why the connection ended. */
  failed(conn: Conn | null, tries: Tries | null, side: "C" | "S", e: unknown): void {
    const c = conn ?? tries?.conn ?? null;
    if (c !== null) c.error ??= dataCode(e, side);
  }

  /** The client's socket was closed (`clean`) or aborted: the record is complete. */
  ended(conn: Conn, clean: boolean): void {
    if (conn.done) return;
    conn.done = true;
    // Before the relay, the only close is the connection thread's own: its connects are in #tries.
    const me = getHub().current; // null in a timer callback
    const t = conn.tries ?? (me === null ? undefined : this.#tries.get(me)) ?? null;
    const rec = conn.rec;
    rec.done = getHub().now();
    if (t !== null) {
      rec.backend = t.backend;
      rec.picked = t.firstPick;
      rec.connected = t.connected;
      rec.retries = t.count - 1;
    }
    // No connect at all: no backend could be picked (HAProxy's <NOSRV>, SC).
    const refused = t === null ? "SC" : t.connected === null ? (t.error ?? "SC") : null;
    rec.termination = conn.error ?? refused ?? (clean ? "--" : "CD");
    this.access.onRecord(rec);
  }
}
// #endregion

class TrackedListener implements Listener {
  constructor(
    readonly inner: Listener,
    readonly tracker: ConnectionTracker,
  ) {}

  get address(): Address {
    return this.inner.address;
  }
  get closed(): boolean {
    return this.inner.closed;
  }
  *accept(timeout?: number | null): Green<Socket> {
    return this.tracker.accepted(yield* this.inner.accept(timeout));
  }
  close(): void {
    this.inner.close();
  }
}

/** A socket that tells the tracker which side failed, and (the client's) when it is closed. `inner` for the splice. */
class TrackedSocket extends ForwardingSocket {
  constructor(
    inner: Socket,
    readonly side: "C" | "S",
    readonly tracker: ConnectionTracker,
    readonly conn: Conn | null,
    readonly tries: Tries | null,
  ) {
    super(inner);
  }

  override recv(n?: number): Green<Buffer> {
    return this.#watched(() => this.inner.recv(n));
  }
  override recvExactly(n: number): Green<Buffer> {
    return this.#watched(() => this.inner.recvExactly(n));
  }
  override recvLine(limit?: number): Green<Buffer> {
    return this.#watched(() => this.inner.recvLine(limit));
  }
  override sendall(data: Uint8Array | string): Green<void> {
    return this.#watched(() => this.inner.sendall(data));
  }
  override close(): void {
    super.close();
    if (this.conn !== null) this.tracker.ended(this.conn, true);
  }
  override abort(): void {
    super.abort();
    if (this.conn !== null) this.tracker.ended(this.conn, false);
  }

  /** Runs a read or a write; if it fails, the tracker hears which side failed first, and the error goes on. */
  *#watched<T>(op: () => Green<T>): Green<T> {
    try {
      return yield* op();
    } catch (e) {
      this.tracker.failed(this.conn, this.tries, this.side, e);
      throw e;
    }
  }
}
