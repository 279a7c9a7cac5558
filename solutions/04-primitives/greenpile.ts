// GreenPile: spawn a bunch of jobs into a pool, then take their results in spawn order.
// Built in chapter 04.
import type { Green } from "../02-hub/suspend";
import type { GreenThread } from "../03-cancellation/greenthread";
import { GreenPool } from "./greenpool";
import { LightQueue } from "./queue";

// #region pile
export class GreenPile<T> {
  readonly pool: GreenPool;
  /** The spawned threads, in spawn order; results are taken from the front. */
  readonly #threads: LightQueue<GreenThread<T>>;
  /** Results still to come: spawned (or being spawned) and not yet taken. */
  #counter = 0;

  /** @param sizeOrPool a pool to share, or the size of a pool of its own. @default 1000 */
  constructor(sizeOrPool: number | GreenPool = 1000) {
    this.pool = sizeOrPool instanceof GreenPool ? sizeOrPool : new GreenPool(sizeOrPool);
    this.#threads = new LightQueue();
  }

  /** Runs `fn(...args)` in the pool (waiting for a slot if it is full); its result comes out of next(). */
  *spawn<A extends unknown[]>(fn: (...args: A) => Green<T>, ...args: A): Green<void> {
    // BEGIN SOLUTION 6 GreenPile.spawn
    this.#counter++; // counted before spawn waits for a slot, so next() knows a result is on its way
    try {
      const g = yield* this.pool.spawn(fn, ...args);
      yield* this.#threads.put(g);
    } catch (e) {
      this.#counter--;
      throw e;
    }
    // END SOLUTION
  }

  /** The next result in spawn order, waiting for it; done when every result has been taken. Rethrows a job's error. */
  *next(): Green<IteratorResult<T, undefined>> {
    // BEGIN SOLUTION 6 GreenPile.next
    if (this.#counter === 0) return { done: true, value: undefined };
    try {
      const g = yield* this.#threads.get();
      return { done: false, value: yield* g.wait() };
    } finally {
      this.#counter--;
    }
    // END SOLUTION
  }

  /** Every remaining result, in spawn order. */
  *all(): Green<T[]> {
    const out: T[] = [];
    for (let r = yield* this.next(); !r.done; r = yield* this.next()) out.push(r.value);
    return out;
  }
}
// #endregion
