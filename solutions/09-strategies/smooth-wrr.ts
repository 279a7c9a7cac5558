// Smooth weighted round robin, as nginx does it (ngx_http_upstream_get_peer in ngx_http_upstream_round_robin.c).
// Built in chapter 09 (lab task 1).
//
// Weighted round robin done naively sends a backend of weight 5 five connections in a row. nginx's smooth variant
// interleaves them — weights a=5, b=1, c=1 give a a b a c a a — and needs no table: every backend keeps a running
// score, the highest score wins, and the winner pays back the sum of the weights.
import type { Backend } from "../08-tcp-proxy/balancer";
import { BaseStrategy, type StrategyOptions, weightOf } from "./strategy";

// #region swrr-state
interface Swrr {
  pending: number;
  /** The configured weight (nginx: `weight`). */
  readonly weight: number;
  /** The weight used now: lowered by a failure, back up by one per pick (nginx: `effective_weight`). */
  effective: number;
  /** The running score (nginx: `current_weight`). */
  current: number;
}

export interface SmoothOptions extends StrategyOptions {
  /** A failure lowers the effective weight by weight / maxFails (nginx's `max_fails`). @default 1 */
  readonly maxFails?: number;
}
// #endregion

// #region swrr
export class SmoothWeighted extends BaseStrategy<Swrr> {
  readonly name = "smooth-weighted";
  readonly #maxFails: number;

  constructor(backends: readonly Backend[], options: SmoothOptions = {}) {
    super(backends, options);
    this.#maxFails = options.maxFails ?? 1;
  }

  protected fresh(b: Backend): Swrr {
    const weight = weightOf(b);
    return { pending: 0, weight, effective: weight, current: 0 };
  }

  /** The state of `b`, for tests and the notebook: its weight, effective weight and running score. */
  peek(b: Backend): Readonly<Swrr> | undefined {
    return this.state.get(b);
  }

  pick(usable: (b: Backend) => boolean): Backend | null {
    // BEGIN SOLUTION 1 SmoothWeighted.pick
    let best = -1;
    let total = 0;
    for (let i = 0; i < this.list.length; i++) {
      if (!usable(this.list[i])) continue; // nginx skips a peer that is down or failing: it scores nothing this round
      const s = this.slots[i];
      s.current += s.effective;
      total += s.effective;
      if (s.effective < s.weight) s.effective++; // a failed peer recovers by one per pick
      // Strictly greater: on a tie the earlier peer keeps the lead, as in nginx.
      if (best < 0 || s.current > this.slots[best].current) best = i;
    }
    if (best < 0) return null;
    this.slots[best].current -= total;
    return this.list[best];
    // END SOLUTION
  }

  override failed(b: Backend): void {
    // BEGIN SOLUTION 1 SmoothWeighted.failed
    const s = this.state.get(b);
    if (!s) return; // removed meanwhile: nothing to lower
    // nginx: effective_weight -= weight / max_fails (an integer division), never below zero.
    s.effective = Math.max(0, s.effective - Math.floor(s.weight / this.#maxFails));
    // END SOLUTION
  }
}
// #endregion
