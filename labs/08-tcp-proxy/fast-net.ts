// Node's real network for the proxy's fast path: chapter 05's green sockets that also hand over their `net.Socket`.
// Built in chapter 08.
//
// The splice (splice.ts) forwards bytes from Node's callbacks, so it needs the `net.Socket` under a green socket,
// which chapter 05 keeps private on purpose. This network makes the same green sockets (NodeSocket: recv, sendall,
// close… all work) and remembers the `net.Socket` beside each. Everything that waits still waits in green threads.
import { connect as netConnect, createServer, type AddressInfo, type Server, type Socket as NetSocket } from "node:net";
import type { Greenlet } from "../02-hub/greenlet";
import { getHub, type Hub } from "../02-hub/hub";
import type { Green } from "../02-hub/suspend";
import { fromNodeError, SocketClosedError } from "../05-green-sockets/errors";
import { NodeSocket } from "../05-green-sockets/node-socket";
import { park } from "../05-green-sockets/park";
import { formatAddress, type Address, type ConnectOptions, type Listener, type Network, type Socket } from "../05-green-sockets/socket";

// #region fast-net
/**
 * Reading into a buffer of the socket's own, reused read after read (Node's `onread` option), instead of a fresh
 * 64 KiB allocation per read. Only for sockets the proxy opens: Node offers `onread` to `net.connect`, not to a
 * server's accepted sockets. `sink` gets each chunk while the splice runs; before that, chunks are copied into the
 * socket's stream, so recv and the green pipe work as on any other socket.
 */
export class ReusedBuffer {
  /** Where the next read lands; replaced when a writer kept a reference to it (see splice.ts). */
  buffer = Buffer.allocUnsafe(READ_SIZE);
  sink: ((chunk: Buffer) => void) | null = null;
}

/** Bytes per read on a socket with a reused buffer: HAProxy's default buffer size (tune.bufsize). */
export const READ_SIZE = 16384;

/** A green socket over Node's `net` whose `net.Socket` the splice may take over. */
export class RawSocket extends NodeSocket {
  constructor(
    hub: Hub,
    readonly raw: NetSocket,
    /** Present on sockets made by connect: their reads land in one reused buffer. */
    readonly reader: ReusedBuffer | null = null,
  ) {
    super(hub, raw);
  }
}

/** The `net.Socket` under `s`, when `s` came from fastNetwork; undefined otherwise (a simulated socket). */
export const rawOf = (s: Socket): NetSocket | undefined => (s instanceof RawSocket ? s.raw : undefined);

class RawListener implements Listener {
  readonly address: Address;
  readonly #ready: RawSocket[] = [];
  readonly #waiting: Greenlet[] = [];
  #closed = false;

  constructor(
    readonly hub: Hub,
    readonly server: Server,
    readonly backlog: number,
  ) {
    const a = server.address() as AddressInfo;
    this.address = { host: a.address, port: a.port };
    server.on("connection", (sock: NetSocket) => {
      sock.setNoDelay(true); // a proxy forwards what it gets at once: Nagle would add delay to small answers
      const s = new RawSocket(hub, sock);
      while (this.#waiting.length > 0) if (hub.resume(this.#waiting.shift()!, s)) return;
      if (this.#ready.length >= this.backlog) s.abort();
      else this.#ready.push(s);
    });
  }

  get closed(): boolean {
    return this.#closed;
  }

  *accept(timeout: number | null = null): Green<Socket> {
    if (this.#ready.length > 0) return this.#ready.shift()!;
    if (this.#closed) throw new SocketClosedError("accept on a closed listener");
    const me = this.hub.current!;
    this.#waiting.push(me);
    try {
      return (yield* park(timeout, "accept")) as Socket;
    } finally {
      const i = this.#waiting.indexOf(me);
      if (i >= 0) this.#waiting.splice(i, 1);
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

/** Node's network, with sockets the splice can take over. Use it inside `runReal`. */
export const fastNetwork: Network = {
  *listen(addr: Address, backlog = 511): Green<Listener> {
    const hub = getHub();
    const me = hub.current!;
    const server = createServer({ allowHalfOpen: true });
    let failure: unknown = null;
    server.once("error", (e) => {
      failure = e;
      hub.resume(me);
    });
    server.listen({ host: addr.host, port: addr.port, backlog }, () => hub.resume(me));
    yield* park(null, "listen");
    if (failure !== null) throw fromNodeError(failure, `listen on ${formatAddress(addr)}`);
    server.on("error", (e) => hub.report(null, e));
    return new RawListener(hub, server, backlog);
  },

  *connect(addr: Address, options: ConnectOptions = {}): Green<Socket> {
    const hub = getHub();
    const me = hub.current!;
    const reader = new ReusedBuffer();
    const sock = netConnect({
      host: addr.host,
      port: addr.port,
      allowHalfOpen: true,
      noDelay: true,
      onread: {
        buffer: () => reader.buffer, // asked before every read
        callback: (n: number, buf: Uint8Array): boolean => {
          const chunk = (buf as Buffer).subarray(0, n);
          if (reader.sink !== null) reader.sink(chunk);
          else sock.push(Buffer.from(chunk)); // not spliced (yet): a copy for recv, since `buf` is reused
          return true; // the splice pauses with pause(), which stops the handle's reads for an onread socket
        },
      },
    });
    let failure: unknown = null;
    const onError = (e: unknown): void => {
      failure = e;
      hub.resume(me);
    };
    const onConnect = (): void => {
      hub.resume(me);
    };
    sock.once("error", onError);
    sock.once("connect", onConnect);
    try {
      yield* park(options.timeout ?? null, `connect to ${formatAddress(addr)}`);
    } catch (e) {
      sock.on("error", () => {}); // a late failure of the abandoned attempt concerns nobody
      sock.destroy();
      throw e;
    } finally {
      sock.off("error", onError);
      sock.off("connect", onConnect);
    }
    if (failure !== null) throw fromNodeError(failure, `connect to ${formatAddress(addr)}`);
    return new RawSocket(hub, sock, reader);
  },
};
// #endregion
