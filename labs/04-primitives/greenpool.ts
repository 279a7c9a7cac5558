// GreenPool: at most `size` green threads at once; spawning into a full pool waits for a free slot.
// Built in chapter 04.
import { getCurrent, getHub } from "../02-hub/green";
import type { Greenlet } from "../02-hub/greenlet";
import type { Green } from "../02-hub/suspend";
import { GreenThread, spawn } from "../03-cancellation/greenthread";
import { LightQueue } from "./queue";
import { WaitQueue } from "./waiters";

// #region pool
export class GreenPool {
  #size: number;
  /** size minus running threads minus slots handed to waiting spawners; negative after a shrinking resize. */
  #free: number;
  readonly #running = new Set<GreenThread<unknown>>();
  /** Spawners waiting for a slot; a finishing thread hands its slot to the first. */
  readonly #spawners = new WaitQueue();
  /** Threads in waitall(). */
  readonly #idle = new WaitQueue();

  /** @param size threads that may run at once. @default 1000 */
  constructor(size = 1000) {
    if (!(size >= 0)) throw new RangeError(`GreenPool(size): size must be >= 0, got ${size}`);
    this.#size = this.#free = size;
  }

  get size(): number {
    return this.#size;
  }
  /** Threads running now. */
  running(): number {
    return this.#running.size;
  }
  /** Slots free now (negative after shrinking below the number running). */
  free(): number {
    return this.#free;
  }
  /** Spawners waiting for a slot. */
  waiting(): number {
    return this.#spawners.length;
  }

  /**
   * Starts `fn(...args)` in the pool and returns its thread, waiting first for a free slot if the pool is
   * full. A thread of this pool that spawns into it while it is full runs `fn` itself instead, as eventlet
   * does: waiting for a slot that only its own end could free would wait forever.
   */
  *spawn<A extends unknown[], T>(fn: (...args: A) => Green<T>, ...args: A): Green<GreenThread<T>> {
    // TODO(task 5): GreenPool.spawn. See README.md.
    throw new Error("not implemented yet — lab 04-primitives, task 5: GreenPool.spawn");
  }

  /** Like spawn, for a thread nobody will wait for. */
  *spawnN<A extends unknown[]>(fn: (...args: A) => Green<unknown>, ...args: A): Green<void> {
    yield* this.spawn(fn, ...args);
  }

  /** Waits until no thread of the pool is running. */
  *waitall(): Green<void> {
    // TODO(task 5): GreenPool.waitall. See README.md.
    throw new Error("not implemented yet — lab 04-primitives, task 5: GreenPool.waitall");
  }

  /** Changes how many threads may run at once; growing hands the new slots to waiting spawners. */
  resize(size: number): void {
    // TODO(task 5): GreenPool.resize. See README.md.
    throw new Error("not implemented yet — lab 04-primitives, task 5: GreenPool.resize");
  }

  /** A link on every thread of the pool: frees its slot, or hands it to the first waiting spawner. */
  readonly #done = (g: GreenThread<unknown>): void => {
    // TODO(task 5): GreenPool.done. See README.md.
    throw new Error("not implemented yet — lab 04-primitives, task 5: GreenPool.done");
  };

  /**
   * Runs `fn` over the items of `iterables` (zipped, like Python's `map(fn, a, b)`) in this pool, and returns
   * the results in input order as they come: `yield* pool.imap(fn, xs).all()`, or `yield* it.next()` one by one.
   */
  imap<A extends unknown[], T>(fn: (...args: A) => Green<T>, ...iterables: { [K in keyof A]: Iterable<A[K]> }): GreenMap<T> {
    return this.starmap(fn, zip(iterables) as Iterable<A>);
  }

  /** Like imap, with each item already an argument list. */
  starmap<A extends unknown[], T>(fn: (...args: A) => Green<T>, argLists: Iterable<A>): GreenMap<T> {
    // TODO(task 6): GreenPool.starmap. See README.md.
    throw new Error("not implemented yet — lab 04-primitives, task 6: GreenPool.starmap");
  }
}
// #endregion

// #region map
/** Put into a GreenMap's line of threads after the last one. */
const END: unique symbol = Symbol("end of spawning");

/**
 * The results of GreenPool.imap, in input order. Its jobs are spawned by a feeder thread, so "no result
 * pending" does not mean "finished": it ends when the feeder says so. Its line is bounded by the pool's size,
 * so a slow consumer slows the feeder down. (eventlet's GreenMap is a GreenPile; ours stands alone so that
 * greenpool.ts and greenpile.ts do not import each other.)
 */
export class GreenMap<T> {
  readonly #threads: LightQueue<GreenThread<T> | typeof END>;

  constructor(readonly pool: GreenPool) {
    this.#threads = new LightQueue(Math.max(1, pool.size));
  }

  /** Runs `fn(...args)` in the pool; its result comes out of next() in turn. */
  *spawn<A extends unknown[]>(fn: (...args: A) => Green<T>, ...args: A): Green<void> {
    yield* this.#threads.put(yield* this.pool.spawn(fn, ...args));
  }

  /** Marks the end: next() reports done once the results before it are taken. */
  *doneSpawning(): Green<void> {
    yield* this.#threads.put(END);
  }

  /** The next result in input order, waiting for it; rethrows a job's error. */
  *next(): Green<IteratorResult<T, undefined>> {
    const g = yield* this.#threads.get();
    if (g === END) {
      this.#threads.putNowait(END); // stay ended for later calls
      return { done: true, value: undefined };
    }
    return { done: false, value: yield* g.wait() };
  }

  /** Every remaining result, in input order. */
  *all(): Green<T[]> {
    const out: T[] = [];
    for (let r = yield* this.next(); !r.done; r = yield* this.next()) out.push(r.value);
    return out;
  }
}
// #endregion

/** Python's zip: tuples of the i-th items, as long as the shortest iterable. */
function* zip(iterables: readonly Iterable<unknown>[]): Generator<unknown[]> {
  const its = iterables.map((it) => it[Symbol.iterator]());
  for (;;) {
    const row: unknown[] = [];
    for (const it of its) {
      const r = it.next();
      if (r.done) return;
      row.push(r.value);
    }
    yield row;
  }
}
