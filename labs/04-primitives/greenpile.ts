// GreenPile and GreenMap: spawn a bunch of jobs into a pool, then take their results in spawn order.
// Built in chapter 04.
import type { Green } from "../02-hub/suspend";
import type { GreenThread } from "../03-cancellation/greenthread";
import { GreenPool } from "./greenpool";
import { LightQueue } from "./queue";

/** Put into a GreenMap's line of threads after the last one. */
const END: unique symbol = Symbol("end of spawning");

// #region pile
export class GreenPile<T> {
  readonly pool: GreenPool;
  /** The spawned threads, in spawn order; results are taken from the front. */
  protected readonly threads: LightQueue<GreenThread<T> | typeof END>;
  /** Results still to come: spawned (or being spawned) and not yet taken. */
  protected counter = 0;

  /** @param sizeOrPool a pool to share, or the size of a pool of its own. @default 1000 */
  constructor(sizeOrPool: number | GreenPool = 1000, maxPending?: number) {
    this.pool = sizeOrPool instanceof GreenPool ? sizeOrPool : new GreenPool(sizeOrPool);
    this.threads = new LightQueue(maxPending);
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

/**
 * The GreenPile behind GreenPool.imap: its spawner runs in another thread, so "no result pending" does not
 * mean "finished". It ends when the spawner says so, and its line is bounded by the pool's size so that a
 * slow consumer slows the spawner down.
 */
export class GreenMap<T> extends GreenPile<T> {
  constructor(pool: GreenPool) {
    super(pool, Math.max(1, pool.size));
  }

  /** Marks the end: next() reports done once the results before it are taken. */
  *doneSpawning(): Green<void> {
    yield* this.threads.put(END);
  }

  override *next(): Green<IteratorResult<T, undefined>> {
    // Wait even while nothing is pending: the spawner may simply not have run yet.
    const g = yield* this.threads.get();
    if (g === END) {
      this.threads.putNowait(END); // stay ended for later calls
      return { done: true, value: undefined };
    }
    return { done: false, value: yield* g.wait() };
  }
}
// #endregion
