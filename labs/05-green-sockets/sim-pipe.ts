// One direction of a simulated TCP connection: segments in flight, lost, retried and delivered in order.
// Built in chapter 05.
//
// Every segment — a SYN, bytes, a FIN, a window update, a reset — travels as a hub timer: it leaves when the
// link is free (bandwidth), is lost with the link's probability or dropped by a partition (then retried
// after a timeout that doubles each time, as TCP does), and arrives after a latency drawn from the seeded
// generator. Like TCP, the far end sees segments in the order they were sent: one that arrives early waits
// for the ones before it (head-of-line blocking), which is exactly how loss turns into delay.
import type { Timer } from "../02-hub/heap";
import { ConnectionResetError, TimedOutError, type SocketError } from "./errors";
import type { LinkParams, SimNetwork } from "./sim-network";

export type SegmentKind = "syn" | "synack" | "data" | "fin" | "window" | "rst";

export interface Segment {
  readonly kind: SegmentKind;
  /** The bytes of a "data" segment. */
  readonly data: Buffer | null;
  /** The bytes a "window" segment gives back to the sender. */
  readonly window: number;
  /** Failed attempts so far. */
  tries: number;
  arrived: boolean;
}

/** What sits at either end of a pipe: a socket, or the handshake that will make one. */
export interface Endpoint {
  receive(segment: Segment): void;
  /** The network gave up on the connection (retries exhausted, or a reset fault). */
  fail(error: SocketError): void;
}

// #region pipe
export class Pipe {
  /** Where arriving segments go (the handshake at first, then the accepted socket). */
  to: Endpoint;
  /** Who is told when the network gives up on a segment: the sending socket. */
  from: Endpoint | null = null;
  readonly #net: SimNetwork;
  readonly #link: LinkParams;
  /** Segments sent and not yet delivered, oldest first: delivery is in this order. */
  readonly #queue: Segment[] = [];
  /** When the link finishes putting the last segment on the wire (bandwidth). */
  #busyUntil = 0;
  #lastArrival = 0;
  #dead = false;
  readonly #timers = new Set<Timer>();

  constructor(
    net: SimNetwork,
    readonly src: string,
    readonly dst: string,
    to: Endpoint,
  ) {
    this.#net = net;
    this.#link = net.params(src, dst);
    this.to = to;
  }

  /** Puts a segment on the wire behind the ones already sent. */
  send(kind: SegmentKind, data: Buffer | null = null, window = 0): void {
    if (this.#dead) return;
    const segment: Segment = { kind, data, window, tries: 0, arrived: false };
    this.#queue.push(segment);
    const now = this.#net.hub.now();
    const size = data === null ? 40 : data.length + 40; // 40 bytes of headers
    this.#busyUntil = Math.max(now, this.#busyUntil) + (size * 1000) / this.#link.bandwidth;
    this.#net.stats.segments++;
    this.#after(this.#busyUntil - now, () => this.#attempt(segment));
  }

  /** Drops everything in flight: the connection is gone. */
  kill(): void {
    this.#dead = true;
    this.#queue.length = 0;
    for (const t of this.#timers) t.cancel();
    this.#timers.clear();
  }

  // Simplification: a production TCP also has congestion control (slow start, a congestion window); here the
  // sender is held back only by the receiver's window and the link's bandwidth, and a retry costs no bandwidth.
  #attempt(segment: Segment): void {
    const net = this.#net;
    const random = net.random;
    if (net.isCut(this.src, this.dst) || (this.#link.loss > 0 && random() < this.#link.loss)) return this.#lost(segment);
    // Simplification: a real reset can overtake data in flight; ours comes in order, and like any segment it may be
    // lost and is then sent again (#lost).
    if (segment.kind === "data" && this.#link.reset > 0 && random() < this.#link.reset) {
      // A reset fault: a middlebox or a crashed peer kills the connection under both ends.
      this.kill();
      const error = (): ConnectionResetError => new ConnectionResetError(`${this.src} → ${this.dst}: reset by the network`);
      this.to.fail(error());
      this.from?.fail(error());
      return;
    }
    // In-order arrival: never before the segment sent just before this one.
    const arrival = Math.max(net.hub.now() + this.#link.latency(random), this.#lastArrival);
    this.#lastArrival = arrival;
    this.#after(arrival - net.hub.now(), () => {
      segment.arrived = true;
      this.#deliver();
    });
  }

  /**
   * The far end dropped `segment` on arrival (a SYN to a listener whose queue is full, as Linux does): the sender
   * hears nothing, so it is tried again later exactly as if the network had lost it.
   */
  dropped(segment: Segment): void {
    if (this.#dead) return;
    segment.arrived = false;
    this.#queue.unshift(segment);
    this.#lost(segment);
  }

  #lost(segment: Segment): void {
    const net = this.#net;
    net.stats.lost++;
    const syn = segment.kind === "syn";
    const { rto, synRto, retries, synRetries } = net.options;
    if (++segment.tries > (syn ? synRetries : retries)) {
      this.kill();
      this.from?.fail(new TimedOutError(`${this.src} → ${this.dst}: no answer after ${segment.tries} tries`));
      return;
    }
    // Retransmission after a timeout that doubles with each try (exponential backoff).
    this.#after((syn ? synRto : rto) * 2 ** (segment.tries - 1), () => this.#attempt(segment));
  }

  /** Hands over every segment at the head of the queue that has arrived, in the order they were sent. */
  #deliver(): void {
    const q = this.#queue;
    let n = 0;
    while (n < q.length && q[n].arrived) n++;
    for (const segment of q.splice(0, n)) {
      if (this.#dead) return; // a reset delivered just now killed the pipe
      if (segment.data) this.#net.stats.bytes += segment.data.length;
      this.to.receive(segment);
    }
  }

  #after(ms: number, fn: () => void): void {
    const hub = this.#net.hub;
    const timer = hub.schedule(ms, () => {
      this.#timers.delete(timer);
      if (!this.#dead) fn();
    });
    this.#timers.add(timer);
  }
}
// #endregion
