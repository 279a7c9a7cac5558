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
    // TODO(task 6): GreenPile.spawn. See README.md.
    throw new Error("not implemented yet — lab 04-primitives, task 6: GreenPile.spawn");
  }

  /** The next result in spawn order, waiting for it; done when every result has been taken. Rethrows a job's error. */
  *next(): Green<IteratorResult<T, undefined>> {
    // TODO(task 6): GreenPile.next. See README.md.
    throw new Error("not implemented yet — lab 04-primitives, task 6: GreenPile.next");
  }

  /** Every remaining result, in spawn order. */
  *all(): Green<T[]> {
    const out: T[] = [];
    for (let r = yield* this.next(); !r.done; r = yield* this.next()) out.push(r.value);
    return out;
  }
}
// #endregion
