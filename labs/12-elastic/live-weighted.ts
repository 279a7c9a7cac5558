// Smooth weighted round robin whose weights are read at every pick: how slow start and a weight set through the
// admin API reach the traffic at once. Built in chapter 12.
//
// Chapter 09's strategies read a backend's weight when it joins. Slow start changes a weight every second, so this
// strategy asks for it each time, as HAProxy's round robin reads each server's current `eweight` and nginx's smooth
// round robin reads `effective_weight`. The algorithm is nginx's (chapter 09, smooth-wrr.ts): every usable backend
// adds its weight to a running score, the highest score wins and pays back the total.
import type { Backend } from "../08-tcp-proxy/balancer";
import { BaseStrategy, type StrategyOptions } from "../09-strategies/strategy";

// #region live-weighted
export class LiveWeighted extends BaseStrategy<{ pending: number; current: number }> {
  readonly name = "live-weighted";

  constructor(
    backends: readonly Backend[],
    /** The weight of `b` now (0: not picked). */
    readonly weightOf: (b: Backend) => number,
    options: StrategyOptions = {},
  ) {
    super(backends, options);
  }

  protected fresh(): { pending: number; current: number } {
    return { pending: 0, current: 0 };
  }

  pick(usable: (b: Backend) => boolean): Backend | null {
    let best = -1;
    let total = 0;
    for (let i = 0; i < this.list.length; i++) {
      const b = this.list[i]!;
      if (!usable(b)) continue;
      const w = this.weightOf(b);
      if (!(w > 0)) continue;
      const s = this.slots[i]!;
      s.current += w;
      total += w;
      if (best < 0 || s.current > this.slots[best]!.current) best = i;
    }
    if (best < 0) return null;
    this.slots[best]!.current -= total;
    return this.list[best]!;
  }
}
// #endregion
