// The power of two choices, as Envoy's least-request balancer does it (LeastRequestLoadBalancer in
// source/common/upstream/load_balancer_impl.cc). Built in chapter 09 (lab task 2).
//
// Sample `choiceCount` backends at random and send the work to the one with the fewest requests in flight. Two
// samples are almost as good as looking at every backend (Mitzenmacher's supermarket model, which sim.ts
// reproduces) and cost O(1). With unequal weights Envoy switches to earliest-deadline-first scheduling, each
// backend weighted by weight / (active + 1)^bias.
import type { Backend } from "../08-tcp-proxy/balancer";
import { EdfScheduler } from "./edf";
import { BaseStrategy, type StrategyOptions, weightOf } from "./strategy";

// #region p2c-options
export interface P2cOptions extends StrategyOptions {
  /** Backends sampled per pick (Envoy's `choice_count`; the supermarket model's d). @default 2 */
  readonly choiceCount?: number;
  /** With unequal weights, a backend's weight is divided by (active + 1)^bias (Envoy's `active_request_bias`). @default 1 */
  readonly activeRequestBias?: number;
}

interface Active {
  /** Requests in flight (Envoy reads the host's `rq_active`). */
  pending: number;
}
// #endregion

// #region p2c
export class PowerOfChoices extends BaseStrategy<Active> {
  readonly name = "p2c";
  readonly choiceCount: number;
  readonly bias: number;
  #edf: EdfScheduler<Backend> | null = null;

  constructor(backends: readonly Backend[], options: P2cOptions = {}) {
    super(backends, options);
    this.choiceCount = options.choiceCount ?? 2;
    this.bias = options.activeRequestBias ?? 1;
    this.changed();
  }

  protected fresh(): Active {
    return { pending: 0 };
  }

  protected override changed(): void {
    // Envoy rebuilds its scheduler when the host set changes; all weights equal needs none.
    const w = this.list.length ? weightOf(this.list[0]) : 1;
    if (this.list.every((b) => weightOf(b) === w)) {
      this.#edf = null;
      return;
    }
    this.#edf = new EdfScheduler<Backend>();
    for (const b of this.list) this.#edf.add(b, this.#weight(b));
  }

  /** Envoy's weight for a backend with requests in flight: weight / (active + 1)^bias. */
  #weight(b: Backend): number {
    const active = this.state.get(b)?.pending ?? 0;
    return this.bias === 1 ? weightOf(b) / (active + 1) : weightOf(b) / Math.pow(active + 1, this.bias);
  }

  pick(usable: (b: Backend) => boolean): Backend | null {
    if (this.#edf !== null) return this.#edf.pickAndAdd((b) => this.state.has(b) && usable(b), (b) => this.#weight(b));
    return this.#unweighted(usable);
  }

  #unweighted(usable: (b: Backend) => boolean): Backend | null {
    // TODO(task 2): PowerOfChoices.unweighted. See README.md.
    throw new Error("not implemented yet — lab 09-strategies, task 2: PowerOfChoices.unweighted");
  }

  /** The index in `list` of one backend drawn uniformly among the usable ones, with replacement; −1 when none is usable. */
  #sample(usable: (b: Backend) => boolean): number {
    // TODO(task 2): PowerOfChoices.sample. See README.md.
    throw new Error("not implemented yet — lab 09-strategies, task 2: PowerOfChoices.sample");
  }
}
// #endregion
