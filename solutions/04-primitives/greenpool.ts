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
    // BEGIN SOLUTION 5 GreenPool.spawn
    const me = getCurrent();
    // Simplification: eventlet runs the job inline in the spawning thread too; a production pool might
    // instead raise, since the inline job holds up its caller.
    if (this.#free <= 0 && this.#running.has(me as GreenThread<unknown>)) {
      const hub = getHub();
      const gen = fn(...args);
      const inline = new GreenThread<T>(hub, gen, fn.name, hub.nextSerial());
      try {
        inline.finish(yield* gen);
      } catch (e) {
        inline.finish(undefined, e);
      }
      return inline;
    }
    // A free slot means nobody waits: a slot that comes free is handed to the first waiter at once.
    if (this.#free > 0) this.#free--;
    else yield* this.#spawners.park(undefined); // woken only by #done or resize, which hand over a slot
    const g = spawn(fn, ...args);
    this.#running.add(g);
    // Bookkeeping, not a handler: a failure nobody waits for must still be reported.
    g.onExit(this.#done as (g: Greenlet<T>) => void, false);
    return g;
    // END SOLUTION
  }

  /** Like spawn, for a thread nobody will wait for. */
  *spawnN<A extends unknown[]>(fn: (...args: A) => Green<unknown>, ...args: A): Green<void> {
    yield* this.spawn(fn, ...args);
  }

  /** Waits until no thread of the pool is running. */
  *waitall(): Green<void> {
    // BEGIN SOLUTION 5 GreenPool.waitall
    if (this.#running.has(getCurrent() as GreenThread<unknown>)) {
      throw new Error("GreenPool.waitall() called from one of the pool's own threads would never return");
    }
    while (this.#running.size > 0) yield* this.#idle.park(undefined);
    // END SOLUTION
  }

  /** Changes how many threads may run at once; growing hands the new slots to waiting spawners. */
  resize(size: number): void {
    // BEGIN SOLUTION 5 GreenPool.resize
    this.#free += size - this.#size;
    this.#size = size;
    while (this.#free > 0 && this.#spawners.wakeOne() !== null) this.#free--;
    // END SOLUTION
  }

  /** A link on every thread of the pool: frees its slot, or hands it to the first waiting spawner. */
  readonly #done = (g: GreenThread<unknown>): void => {
    // BEGIN SOLUTION 5 GreenPool.done
    this.#running.delete(g);
    this.#free++;
    if (this.#free > 0 && this.#spawners.wakeOne() !== null) this.#free--;
    if (this.#running.size === 0) this.#idle.wakeAll();
    // END SOLUTION
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
    // BEGIN SOLUTION 6 GreenPool.starmap
    const map = new GreenMap<T>(this);
    // A feeder thread spawns as the pool allows, so the caller can start consuming at once.
    spawn(function* feed(): Green<void> {
      try {
        for (const args of argLists) yield* map.spawn(fn, ...args);
      } finally {
        yield* map.doneSpawning();
      }
    });
    return map;
    // END SOLUTION
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
