// Round robin: each backend in turn, skipping the ones the proxy will not use now. Built in chapter 08.
//
// The simplest strategy, and the baseline every strategy of chapter 09 is measured against. It spreads
// connections evenly by count, not by load: a backend stuck with long connections gets new ones all the same.
import type { Backend, Balancer } from "./balancer";

// #region round-robin
export class RoundRobin implements Balancer {
  /** Where the next search starts: the backend after the last one chosen. */
  #next = 0;

  constructor(readonly backends: readonly Backend[]) {
    if (backends.length === 0) throw new Error("a balancer needs at least one backend");
  }

  pick(usable: (b: Backend) => boolean): Backend | null {
    // BEGIN SOLUTION 1 RoundRobin.pick
    const n = this.backends.length;
    for (let i = 0; i < n; i++) {
      const k = (this.#next + i) % n;
      const b = this.backends[k];
      if (!usable(b)) continue;
      // The turn moves past the one chosen, not by one: skipping a backend in cool-down must not hand
      // its turn to its neighbour twice in a row.
      this.#next = (k + 1) % n;
      return b;
    }
    return null;
    // END SOLUTION
  }
}
// #endregion
