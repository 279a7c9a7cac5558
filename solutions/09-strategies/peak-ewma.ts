// Peak EWMA, as Finagle (finagle-core, loadbalancer/PeakEwma.scala) and Linkerd (tower's `load::PeakEwma`) do it.
// Built in chapter 09, as reading.
//
// Least connections counts requests but not how slow they are. Peak EWMA estimates each backend's latency with an
// exponentially weighted moving average that jumps up at once when a response is slower than the estimate (the
// "peak") and decays slowly otherwise, and multiplies it by the work in flight. Two random backends are compared
// on that load, as in P2C. A backend that turns slow is avoided after a single slow response.
import type { Backend } from "../08-tcp-proxy/balancer";
import { BaseStrategy, type StrategyOptions } from "./strategy";

// #region ewma-state
export interface PeakEwmaOptions extends StrategyOptions {
  /** The decay time τ, in milliseconds: an old sample weighs e^(−gap/τ). Finagle's and Linkerd's default: 10 s. */
  readonly decay?: number;
}

interface Ewma {
  pending: number;
  /** The latency estimate, in ms (Finagle: `cost`). 0 until the first sample. */
  cost: number;
  /** When `cost` was last updated. */
  stamp: number;
}

/** What a backend with work in flight but no latency sample yet costs: more than any measured one (Finagle: Long.MaxValue >> 16). */
export const PENALTY = 2 ** 47;
// #endregion

// #region peak-ewma
export class PeakEwma extends BaseStrategy<Ewma> {
  readonly name = "peak-ewma";
  readonly tau: number;

  constructor(backends: readonly Backend[], options: PeakEwmaOptions = {}) {
    super(backends, options);
    this.tau = options.decay ?? 10_000;
  }

  protected fresh(): Ewma {
    return { pending: 0, cost: 0, stamp: this.now() };
  }

  /** Folds a sample into the estimate: a sample above it replaces it (the peak); otherwise it decays towards it. */
  #update(s: Ewma, rtt: number): void {
    const t = this.now();
    // The weight of the old estimate depends on the time since the last update, so uneven gaps count right.
    const w = Math.exp(-Math.max(t - s.stamp, 0) / this.tau);
    s.cost = rtt > s.cost ? rtt : s.cost * w + rtt * (1 - w);
    s.stamp = t;
  }

  override observe(b: Backend, ms: number): void {
    const s = this.state.get(b);
    if (s) this.#update(s, ms);
  }

  /** The load P2C compares: cost × (pending + 1), or the penalty for a backend with work but no sample. */
  load(b: Backend): number {
    const s = this.state.get(b);
    if (!s) return Infinity;
    this.#update(s, 0); // decay to now, as Finagle does on every read
    if (s.cost === 0 && s.pending !== 0) return PENALTY + s.pending;
    return s.cost * (s.pending + 1);
  }

  pick(usable: (b: Backend) => boolean): Backend | null {
    // Two distinct random samples (Finagle's p2c), drawn from the whole list on the bet that most backends are
    // usable; a miss falls back to drawing among the usable ones.
    let pair = this.#two(this.list);
    if (pair === null || !usable(pair[0]) || !usable(pair[1])) {
      const good = this.list.filter(usable);
      if (good.length <= 1) return good.length ? good[0] : null;
      pair = this.#two(good);
    }
    const [a, b] = pair!;
    return this.load(b) < this.load(a) ? b : a;
  }

  /** Two distinct members of `from` at random; null when it has fewer than two. */
  #two(from: readonly Backend[]): [Backend, Backend] | null {
    const n = from.length;
    if (n < 2) return null;
    const i = Math.floor(this.random() * n);
    let j = Math.floor(this.random() * (n - 1));
    if (j >= i) j++;
    return [from[i], from[j]];
  }
}
// #endregion
