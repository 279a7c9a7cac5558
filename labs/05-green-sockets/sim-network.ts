// A simulated network on the virtual clock: named hosts, links with latency, bandwidth, loss and resets,
// partitions that heal. Seeded, so a run replays exactly. Built in chapter 05.
//
// It is not a backend of its own: every packet is a timer on the hub that runs it, so on runVirtual's clock
// a test that sends a megabyte across a 50 ms link with 10% loss finishes in microseconds of real time, the
// same way every time. Each host is a Network, the same interface Node's real network implements.
import { getHub, type Hub } from "../02-hub/hub";
import { constant, mulberry32, type Distribution, type Random } from "./random";
import { SimHost } from "./sim-host";

// #region sim-options
/** How one link behaves. Options for a pair of hosts override the network's. */
export interface LinkOptions {
  /** One-way delay of a segment, in milliseconds: a number or a distribution. @default 1 */
  readonly latency?: number | Distribution;
  /** Bytes per second each direction can carry. @default Infinity */
  readonly bandwidth?: number;
  /** Probability that a segment is lost (TCP then retransmits it). @default 0 */
  readonly loss?: number;
  /** Probability that a data segment resets the connection instead of arriving. @default 0 */
  readonly reset?: number;
}

export interface SimOptions extends LinkOptions {
  /** Seed of every random choice. Same seed, same run. @default 1 */
  readonly seed?: number;
  /** Largest segment, in bytes. @default 1460 */
  readonly mss?: number;
  /** Receive window: bytes a socket accepts that its program has not read yet. @default 65536 */
  readonly window?: number;
  /** Send buffer: bytes sendall may leave with the socket before it waits. @default 16384 */
  readonly sendBuffer?: number;
  /** Retransmission timeout for data, doubled after each loss. @default 200 */
  readonly rto?: number;
  /** Retransmission timeout for a connection attempt (SYN), doubled after each loss. @default 1000 */
  readonly synRto?: number;
  /** Lost tries of one data segment before the sender's socket fails with TimedOutError. @default 8 */
  readonly retries?: number;
  /** Lost tries of a SYN before connect fails with TimedOutError. @default 6 */
  readonly synRetries?: number;
}

/** A link's behaviour, resolved. */
export interface LinkParams {
  readonly latency: Distribution;
  readonly bandwidth: number;
  readonly loss: number;
  readonly reset: number;
}
// #endregion

const resolve = (o: LinkOptions, base: LinkParams): LinkParams => ({
  latency: o.latency === undefined ? base.latency : typeof o.latency === "number" ? constant(o.latency) : o.latency,
  bandwidth: o.bandwidth ?? base.bandwidth,
  loss: o.loss ?? base.loss,
  reset: o.reset ?? base.reset,
});

// #region sim-network
export class SimNetwork {
  readonly seed: number;
  readonly random: Random;
  readonly options: Required<Pick<SimOptions, "mss" | "window" | "sendBuffer" | "rto" | "synRto" | "retries" | "synRetries">>;
  /** What crossed the network: segments sent, segment tries lost, payload bytes delivered. */
  readonly stats = { segments: 0, lost: 0, bytes: 0 };
  readonly #defaults: LinkParams;
  readonly #links = new Map<string, LinkParams>();
  readonly #hosts = new Map<string, SimHost>();
  /** Pairs of host groups that cannot reach each other, until heal(). */
  readonly #cuts: [ReadonlySet<string>, ReadonlySet<string>][] = [];
  #hub: Hub | null = null;

  constructor(options: SimOptions = {}) {
    this.seed = options.seed ?? 1;
    this.random = mulberry32(this.seed);
    this.options = {
      mss: options.mss ?? 1460,
      window: options.window ?? 65536,
      sendBuffer: options.sendBuffer ?? 16384,
      rto: options.rto ?? 200,
      synRto: options.synRto ?? 1000,
      retries: options.retries ?? 8,
      synRetries: options.synRetries ?? 6,
    };
    this.#defaults = resolve(options, { latency: constant(1), bandwidth: Infinity, loss: 0, reset: 0 });
  }

  /** The hub whose clock drives this network: the one that first used it. */
  get hub(): Hub {
    return (this.#hub ??= getHub());
  }

  /** The host called `name`, made on first use. Listen and connect through it. */
  host(name: string): SimHost {
    let h = this.#hosts.get(name);
    if (!h) this.#hosts.set(name, (h = new SimHost(this, name)));
    return h;
  }

  /** A host that exists, or undefined. */
  findHost(name: string): SimHost | undefined {
    return this.#hosts.get(name);
  }

  /**
   * Sets how the link between hosts `a` and `b` behaves, both ways, for connections made from now on.
   * Simplification: a link's behaviour is fixed for a connection's life; only partitions change under it.
   */
  link(a: string, b: string, options: LinkOptions): void {
    const params = resolve(options, this.#defaults);
    this.#links.set(`${a}\n${b}`, params);
    this.#links.set(`${b}\n${a}`, params);
  }

  params(src: string, dst: string): LinkParams {
    return this.#links.get(`${src}\n${dst}`) ?? this.#defaults;
  }

  /** Cuts every host in `a` off from every host in `b`: their segments are lost until heal(). */
  partition(a: string | readonly string[], b: string | readonly string[]): void {
    const set = (x: string | readonly string[]): ReadonlySet<string> => new Set(typeof x === "string" ? [x] : x);
    this.#cuts.push([set(a), set(b)]);
  }

  /** Ends every partition. Segments being retried get through at their next try. */
  heal(): void {
    this.#cuts.length = 0;
  }

  /** Can a segment from `src` reach `dst` now? */
  isCut(src: string, dst: string): boolean {
    for (const [a, b] of this.#cuts) if ((a.has(src) && b.has(dst)) || (b.has(src) && a.has(dst))) return true;
    return false;
  }
}
// #endregion
