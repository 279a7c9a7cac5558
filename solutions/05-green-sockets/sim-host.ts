// A host of the simulated network: it listens, accepts and connects, like Node's `net`. Built in chapter 05.
//
// A connection is two pipes, one each way. connect sends a SYN on the first; when it arrives, the target
// host looks for a listener on the port: none answers with a reset, which the caller sees as
// ConnectionRefusedError; a listener gets a new socket in its accept queue and the caller a SYN-ACK. A full
// queue drops the SYN, as Linux does: the caller retries it later, and waits rather than being refused.
import type { Greenlet } from "../02-hub/greenlet";
import type { Green } from "../02-hub/suspend";
import { SocketClosedError, SocketError } from "./errors";
import { park } from "./park";
import { Pipe, type Endpoint, type Segment } from "./sim-pipe";
import type { SimNetwork } from "./sim-network";
import { SimSocket } from "./sim-socket";
import { formatAddress, type Address, type ConnectOptions, type Listener, type Network, type Socket } from "./socket";

// #region sim-listener
export class SimListener implements Listener {
  #closed = false;
  readonly #ready: SimSocket[] = [];
  readonly #waiting: Greenlet[] = [];

  constructor(
    readonly host: SimHost,
    readonly address: Address,
    readonly backlog: number,
  ) {}

  get closed(): boolean {
    return this.#closed;
  }

  /** True when no thread waits in accept and `backlog` connections are already queued. */
  get full(): boolean {
    return this.#waiting.length === 0 && this.#ready.length >= this.backlog;
  }

  /** The handshake finished for `s`: hand it to a thread in accept, or queue it (the caller checked `full`). */
  offer(s: SimSocket): void {
    while (this.#waiting.length > 0) if (this.host.net.hub.resume(this.#waiting.shift()!, s)) return;
    this.#ready.push(s);
  }

  *accept(timeout: number | null = null): Green<Socket> {
    if (this.#ready.length > 0) return this.#ready.shift()!;
    if (this.#closed) throw new SocketClosedError("accept on a closed listener");
    const me = this.host.net.hub.current!;
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
    this.host.unlisten(this.address.port);
    for (const s of this.#ready.splice(0)) s.abort();
    const hub = this.host.net.hub;
    for (const g of this.#waiting.splice(0)) hub.throwInto(g, new SocketClosedError("the listener was closed"));
  }
}
// #endregion

// #region sim-host
export class SimHost implements Network {
  readonly #listeners = new Map<number, SimListener>();
  #nextPort = 49152; // the start of the ephemeral range

  constructor(
    readonly net: SimNetwork,
    readonly name: string,
  ) {}

  *listen(addr: Address, backlog = 511): Green<Listener> {
    if (addr.host !== this.name && addr.host !== "0.0.0.0") {
      throw new SocketError(`listen on ${formatAddress(addr)}: host ${this.name} has no such address`, "EADDRNOTAVAIL");
    }
    const port = addr.port === 0 ? this.#ephemeral() : addr.port;
    if (this.#listeners.has(port)) throw new SocketError(`listen on ${this.name}:${port}: address in use`, "EADDRINUSE");
    const l = new SimListener(this, { host: this.name, port }, backlog);
    this.#listeners.set(port, l);
    return l;
  }

  unlisten(port: number): void {
    this.#listeners.delete(port);
  }

  // Simplification: host names are the addresses (no DNS, no IPs), and a closed port is free again at once
  // (no TIME_WAIT).
  *connect(addr: Address, options: ConnectOptions = {}): Green<Socket> {
    const net = this.net;
    const target = net.findHost(addr.host);
    if (!target) throw new SocketError(`connect to ${formatAddress(addr)}: no host named ${addr.host}`, "ENOTFOUND");
    const local = { host: this.name, port: this.#ephemeral() };
    // The way back exists from the start, for the SYN-ACK or the reset; the way there ends at the handshake.
    const handshake: Endpoint = {
      receive: (segment: Segment) => {
        if (segment.kind === "syn") target.#arrive(addr.port, segment, there, back, local);
      },
      fail: () => {},
    };
    const there = new Pipe(net, this.name, addr.host, handshake);
    const back = new Pipe(net, addr.host, this.name, handshake);
    const sock = new SimSocket(net, local, addr, there, true);
    back.to = sock;
    there.send("syn");
    yield* sock.connected(options.timeout ?? null);
    return sock;
  }

  /** A SYN from `from` reached port `port` of this host. */
  #arrive(port: number, syn: Segment, there: Pipe, back: Pipe, from: Address): void {
    const l = this.#listeners.get(port);
    if (!l) return back.send("rst"); // nothing listens: connection refused
    // The accept queue is full (the program stopped accepting): drop the SYN, the client tries again later.
    if (l.full) return there.dropped(syn);
    const s = new SimSocket(this.net, l.address, from, back, false);
    there.to = s;
    l.offer(s);
    back.send("synack");
  }

  #ephemeral(): number {
    while (this.#listeners.has(this.#nextPort)) this.#nextPort++;
    return this.#nextPort++;
  }
}
// #endregion
