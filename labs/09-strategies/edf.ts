// Earliest-deadline-first scheduling, as Envoy's weighted balancers do it (source/common/upstream/edf_scheduler.h).
// Built in chapter 09, as reading: P2C uses it when weights differ.
//
// Each entry has a deadline, `now + 1/weight`; the next pick is the earliest deadline, and the clock moves to it.
// An entry of weight 2 comes due twice as often as one of weight 1, and the picks interleave smoothly. The picked
// entry is added back with a weight computed at that moment — which is how Envoy's least-request lowers the weight
// of a backend with many requests in flight.

// #region edf
interface Entry<T> {
  deadline: number;
  /** Insertion order: among equal deadlines the earlier entry wins, so a run is the same every time. */
  order: number;
  readonly item: T;
}

export class EdfScheduler<T> {
  #heap: Entry<T>[] = [];
  #now = 0;
  #order = 0;

  get size(): number {
    return this.#heap.length;
  }

  /** Adds `item`, due at now + 1/weight (a weight of 0 or less: never due before every positive one). */
  add(item: T, weight: number): void {
    this.#push({ deadline: this.#now + (weight > 0 ? 1 / weight : 1e12), order: this.#order++, item });
  }

  /**
   * Takes the earliest-due item that `usable` accepts and adds it back with `weight(item)`; the items skipped keep
   * their deadlines. Null when none is usable. O(log n), plus O(log n) per skipped item.
   */
  pickAndAdd(usable: (item: T) => boolean, weight: (item: T) => number): T | null {
    const skipped: Entry<T>[] = [];
    let found: Entry<T> | null = null;
    while (this.#heap.length > 0) {
      const e = this.#pop();
      if (usable(e.item)) {
        found = e;
        break;
      }
      skipped.push(e);
    }
    for (const e of skipped) this.#push(e);
    if (found === null) return null;
    this.#now = found.deadline;
    this.add(found.item, weight(found.item));
    return found.item;
  }

  clear(): void {
    this.#heap = [];
  }

  #less(a: Entry<T>, b: Entry<T>): boolean {
    return a.deadline < b.deadline || (a.deadline === b.deadline && a.order < b.order);
  }

  #push(e: Entry<T>): void {
    const h = this.#heap;
    h.push(e);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.#less(h[i], h[p])) break;
      [h[i], h[p]] = [h[p], h[i]];
      i = p;
    }
  }

  #pop(): Entry<T> {
    const h = this.#heap;
    const top = h[0];
    const last = h.pop()!;
    if (h.length > 0) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && this.#less(h[l], h[m])) m = l;
        if (r < h.length && this.#less(h[r], h[m])) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m], h[i]];
        i = m;
      }
    }
    return top;
  }
}
// #endregion
