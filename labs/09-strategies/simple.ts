// The plain strategies: round robin, random, weighted random and least connections. Built in chapter 09 as reading,
// not as lab tasks: each is the baseline one of the lab's strategies improves on.
import type { Backend } from "../08-tcp-proxy/balancer";
import { BaseStrategy, weightOf } from "./strategy";

interface Counted {
  pending: number;
}

// #region round-robin
/** Chapter 08's round robin, now over a set that changes. Ignores weights, as nginx's does when all are 1. */
export class RoundRobin extends BaseStrategy<Counted> {
  readonly name = "round-robin";
  #next = 0;

  protected fresh(): Counted {
    return { pending: 0 };
  }

  pick(usable: (b: Backend) => boolean): Backend | null {
    const n = this.list.length;
    for (let i = 0; i < n; i++) {
      const k = (this.#next + i) % n;
      if (!usable(this.list[k])) continue;
      this.#next = (k + 1) % n;
      return this.list[k];
    }
    return null;
  }
}
// #endregion

// #region random
/** Any usable backend, uniformly. No state, no coordination: the baseline of the supermarket model (d = 1). */
export class RandomPick extends BaseStrategy<Counted> {
  readonly name = "random";

  protected fresh(): Counted {
    return { pending: 0 };
  }

  pick(usable: (b: Backend) => boolean): Backend | null {
    const b = this.list[Math.floor(this.random() * this.list.length)];
    if (b !== undefined && usable(b)) return b; // the common case: one draw
    const ok = this.list.filter(usable);
    return ok.length ? ok[Math.floor(this.random() * ok.length)] : null;
  }
}

/**
 * A backend with probability proportional to its weight: one draw and a binary search over the running sums of the
 * weights (rebuilt when the set changes), so O(log n).
 */
export class WeightedRandom extends BaseStrategy<Counted> {
  readonly name = "weighted-random";
  #sums: number[] = [];

  constructor(backends: readonly Backend[], options = {}) {
    super(backends, options);
    this.changed();
  }

  protected fresh(): Counted {
    return { pending: 0 };
  }

  protected override changed(): void {
    let total = 0;
    this.#sums = this.list.map((b) => (total += weightOf(b)));
  }

  pick(usable: (b: Backend) => boolean): Backend | null {
    const sums = this.#sums;
    if (sums.length === 0) return null;
    const r = this.random() * sums[sums.length - 1];
    let lo = 0;
    let hi = sums.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (sums[mid] > r) hi = mid;
      else lo = mid + 1;
    }
    if (usable(this.list[lo])) return this.list[lo];
    // Some backend is not usable now: draw again among those that are (O(n), and rare).
    const ok = this.list.filter(usable);
    let total = 0;
    for (const b of ok) total += weightOf(b);
    let x = this.random() * total;
    for (const b of ok) if ((x -= weightOf(b)) < 0) return b;
    return ok.length ? ok[ok.length - 1] : null;
  }
}
// #endregion

// #region least-connections
/**
 * The backend with the fewest outstanding connections per unit of weight, as nginx's `least_conn` compares them
 * (`conns * best.weight < best.conns * weight`). nginx breaks ties by weighted round robin; we break them uniformly
 * at random (reservoir sampling), so that a burst arriving at an idle pool does not all land on the first backend.
 * O(n) per pick, as in nginx: the power of two choices (p2c.ts) gets most of the benefit in O(1).
 */
export class LeastConnections extends BaseStrategy<Counted> {
  readonly name = "least-connections";

  protected fresh(): Counted {
    return { pending: 0 };
  }

  pick(usable: (b: Backend) => boolean): Backend | null {
    let best = -1;
    let ties = 0;
    for (let i = 0; i < this.list.length; i++) {
      const b = this.list[i];
      if (!usable(b)) continue;
      if (best < 0) {
        best = i;
        ties = 1;
        continue;
      }
      const diff = this.slots[i].pending * weightOf(this.list[best]) - this.slots[best].pending * weightOf(b);
      if (diff < 0) {
        best = i;
        ties = 1;
      } else if (diff === 0 && this.random() * ++ties < 1) {
        best = i; // the k-th of k equals replaces the choice with probability 1/k: each wins equally often
      }
    }
    return best < 0 ? null : this.list[best];
  }
}
// #endregion
