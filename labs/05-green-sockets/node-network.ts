// Node's real network behind the green socket contract: listen, accept and connect over `net`. Chapter 05.
//
// A connection attempt and an accept are waits like any other: the thread parks, and Node's 'connect',
// 'error' or 'connection' callback resumes it. Accepted sockets are wrapped the moment Node hands them over,
// so an error on a connection nobody has accepted yet is caught and kept, never thrown into Node's loop.
// The listener hears 'connection' before the server listens: a socket accepts from its first moment.
import { connect as netConnect, createServer, type AddressInfo, type Server, type Socket as NetSocket } from "node:net";
import type { Greenlet } from "../02-hub/greenlet";
import { getHub, type Hub } from "../02-hub/hub";
import type { Green } from "../02-hub/suspend";
import { fromNodeError, SocketClosedError } from "./errors";
import { NodeSocket } from "./node-socket";
import { park } from "./park";
import { formatAddress, type Address, type ConnectOptions, type Listener, type Network, type Socket } from "./socket";

// #region node-listener
export class NodeListener implements Listener {
  #address: Address | null = null;
  #closed = false;
  /** Connections Node accepted that no thread has taken yet, oldest first. */
  readonly #ready: NodeSocket[] = [];
  /** Threads parked in accept, oldest first. */
  readonly #waiting: Greenlet[] = [];

  constructor(
    readonly hub: Hub,
    readonly server: Server,
    /** The length of the kernel's queue of connections not yet accepted (listen(2)'s backlog). */
    readonly backlog: number,
    /** Makes the green socket for an accepted connection; chapter 08's fast path passes its own. */
    readonly wrap: (hub: Hub, sock: NetSocket) => NodeSocket = (h, sock) => new NodeSocket(h, sock),
  ) {
    // Made before its server listens (listenOn sees to it), so it learns its address when the server does; and it
    // keeps it, since a closed server forgets it.
    server.once("listening", this.#noteAddress);
    server.on("connection", this.#onConnection);
  }

  readonly #noteAddress = (): void => {
    const a = this.server.address() as AddressInfo;
    this.#address = { host: a.address, port: a.port };
  };

  get address(): Address {
    if (this.#address === null) throw new Error("the listener's server is not listening yet");
    return this.#address;
  }

  get closed(): boolean {
    return this.#closed;
  }

  readonly #onConnection = (sock: NetSocket): void => {
    const s = this.wrap(this.hub, sock);
    // Hand it straight to a waiting thread if one is still parked (resume says whether it was).
    while (this.#waiting.length > 0) if (this.hub.resume(this.#waiting.shift()!, s)) return;
    // Nobody is taking connections (the server is full, say): the client waits here, never reset. Node gives no
    // way to stop accepting short of closing the listening socket, which would reset every client in the
    // kernel's queue: a listening handle accepts until it is closed (its readStop does not apply to it), and
    // `server.maxConnections` closes the excess. So the kernel's queue (`backlog` long) is drained into ours, and
    // a client waiting here sees what it would see in the kernel's queue: its connect succeeded, its bytes wait
    // unread in the kernel's receive buffer, and it is served when a thread accepts it.
    // Simplification: a production server would stop polling the listening socket when full (HAProxy's maxconn
    // does), so that clients wait in the kernel, costing it nothing; each one waiting here costs a file descriptor.
    this.#ready.push(s);
  };

  *accept(timeout: number | null = null): Green<Socket> {
    if (this.#ready.length > 0) return this.#ready.shift()!;
    if (this.#closed) throw new SocketClosedError("accept on a closed listener");
    const me = getHub().current!;
    this.#waiting.push(me);
    try {
      return (yield* park(timeout, "accept")) as Socket;
    } finally {
      const i = this.#waiting.indexOf(me);
      if (i >= 0) this.#waiting.splice(i, 1); // timed out or killed: no longer a taker
    }
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.server.close();
    for (const s of this.#ready.splice(0)) s.abort();
    for (const g of this.#waiting.splice(0)) this.hub.throwInto(g, new SocketClosedError("the listener was closed"));
  }
}
// #endregion

// #region node-network
/**
 * Opens a server on `addr`, hands it to `adopt` for the listener that will accept from it, and waits until it
 * listens (or fails to). The listener comes first because the kernel completes connections from the moment the
 * socket listens, and Node accepts them on its next turn: if nobody listened for 'connection' yet (our thread may
 * not have resumed), Node would accept a client for nobody, and it would hang.
 */
export function* listenOn<L extends { close(): void }>(addr: Address, backlog: number, adopt: (server: Server) => L): Green<L> {
  const hub = getHub();
  const me = hub.current!;
  // allowHalfOpen: our end stays writable after the peer's FIN, so shutdown() means a half-close.
  const server = createServer({ allowHalfOpen: true });
  const listener = adopt(server);
  let failure: unknown = null;
  const onError = (e: unknown): void => {
    failure = e;
    hub.resume(me);
  };
  const onListening = (): void => {
    hub.resume(me);
  };
  server.once("error", onError);
  server.once("listening", onListening);
  server.listen({ host: addr.host, port: addr.port, backlog });
  try {
    yield* park(null, "listen");
    if (failure !== null) throw fromNodeError(failure, `listen on ${formatAddress(addr)}`);
  } catch (e) {
    listener.close(); // the listen failed, or we were killed while waiting: nobody else holds the listener to close it
    throw e;
  } finally {
    server.off("error", onError);
    server.off("listening", onListening);
  }
  // An error after listening (rare: the server's handle failing) must not crash Node's loop.
  server.on("error", (e) => hub.report(null, e));
  return listener;
}

/** Waits until `sock`, a connection attempt to `addr`, connects; throws if it fails or times out. */
export function* connected(sock: NetSocket, addr: Address, timeout: number | null): Green<void> {
  const hub = getHub();
  const me = hub.current!;
  let failure: unknown = null;
  // Methods of one object, not `const onError = (e) => …`: under tsx (esbuild's keepNames) an arrow stored under a
  // name gets its name from Object.defineProperty when it is made, here for every connection a proxy opens.
  const on = {
    error(e: unknown): void {
      failure = e;
      hub.resume(me);
    },
    connect(): void {
      hub.resume(me);
    },
  };
  sock.once("error", on.error);
  sock.once("connect", on.connect);
  try {
    yield* park(timeout, `connect to ${formatAddress(addr)}`);
  } catch (e) {
    sock.on("error", () => {}); // a late failure of the abandoned attempt concerns nobody
    sock.destroy(); // timed out or killed: give up the attempt
    throw e;
  } finally {
    sock.off("error", on.error);
    sock.off("connect", on.connect);
  }
  if (failure !== null) throw fromNodeError(failure, `connect to ${formatAddress(addr)}`);
}

export class NodeNetwork implements Network {
  *listen(addr: Address, backlog = 511): Green<Listener> {
    return yield* listenOn(addr, backlog, (server) => new NodeListener(getHub(), server, backlog));
  }

  *connect(addr: Address, options: ConnectOptions = {}): Green<Socket> {
    const sock = netConnect({ host: addr.host, port: addr.port, allowHalfOpen: true });
    yield* connected(sock, addr, options.timeout ?? null);
    return new NodeSocket(getHub(), sock, addr);
  }
}

/** Node's real network (loopback, LAN, the Internet). Use it inside `runReal`. */
export const realNetwork: Network = new NodeNetwork();
// #endregion
