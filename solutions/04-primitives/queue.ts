// LightQueue and Queue: a buffer of items between threads, with blocking put and get. Built in chapter 04.
//
// Two lines of parked threads — getters waiting for an item, putters waiting for room — and a buffer.
// An item goes straight from a putter to a waiting getter when there is one, so `maxsize` 0 is a
// rendezvous channel: a put waits until a get takes its item.
import { RingQueue } from "../02-hub/ring";
import { PARK, type Green } from "../02-hub/suspend";
import { TIMED_OUT, WaitQueue } from "./waiters";

/** Thrown by a get that finds no item (getNowait, or a get whose time ran out). */
export class Empty extends Error {
  override name = "Empty";
}

/** Thrown by a put that finds no room (putNowait, or a put whose time ran out). */
export class Full extends Error {
  override name = "Full";
}

// #region light-queue
/** What a put that did not have to wait returns: a Green that is over at its first step (as green.ts's sleep(0)). */
const finished: IteratorResult<never, void> = { value: undefined, done: true };
const alreadyDone: Green<void> = {
  next: () => finished,
  throw: (error: unknown): never => {
    throw error;
  },
  return: (value?: unknown) => ({ value: value as void, done: true }),
  [Symbol.iterator]() {
    return this;
  },
};

/** What `#poll` returns when there is no item: `undefined` is an item a program may put. */
const NOTHING: unique symbol = Symbol("nothing");

export class LightQueue<T> {
  #maxsize: number;
  readonly #getters = new WaitQueue();
  /** Each putter parks with the item it brought. */
  readonly #putters = new WaitQueue<T>();

  /** @param maxsize items the buffer holds; undefined, negative or Infinity: no limit; 0: a rendezvous. */
  constructor(maxsize?: number) {
    this.#maxsize = maxsize === undefined || maxsize < 0 ? Infinity : maxsize;
  }

  get maxsize(): number {
    return this.#maxsize;
  }

  // The buffer. Subclasses change the order by overriding these three (PriorityQueue, LifoQueue).
  readonly #items = new RingQueue<T>();
  protected store(item: T): void {
    this.#items.push(item);
  }
  protected take(): T {
    return this.#items.shift() as T;
  }
  /** Items in the buffer. */
  qsize(): number {
    return this.#items.length;
  }

  /** Called once per item accepted, whether buffered or handed to a getter (Queue counts tasks here). */
  protected accepted(): void {}

  empty(): boolean {
    return this.qsize() === 0;
  }
  full(): boolean {
    return this.qsize() >= this.#maxsize;
  }
  /** Threads waiting in get. */
  getting(): number {
    return this.#getters.length;
  }
  /** Threads waiting in put. */
  putting(): number {
    return this.#putters.length;
  }

  /** Changes maxsize; waiting putters move their items in if there is room now. */
  resize(maxsize?: number): void {
    this.#maxsize = maxsize === undefined || maxsize < 0 ? Infinity : maxsize;
    this.#admitPutters();
  }

  /** Adds an item, waiting for room if the queue is full; throws Full if `ms` runs out first. */
  put(item: T, ms?: number): Green<void> {
    // BEGIN SOLUTION 4 LightQueue.put
    // A put that needs no wait (a getter waits, or there is room) returns a finished Green instead of a
    // generator: most puts never wait, and one generator less per hand-off took the Queue ping-pong from
    // 237 to 215 ns per hand-off (bench/README.md). `yield* q.put(x)` reads the same either way.
    if (this.#offer(item)) return alreadyDone;
    return this.#putWaiting(item, ms);
    // END SOLUTION
  }

  *#putWaiting(item: T, ms?: number): Green<void> {
    // BEGIN SOLUTION 4 LightQueue.putWaiting
    // park, written out (WaitQueue.enter): no generator for it on every hand-off.
    const waiter = this.#putters.enter(item, ms);
    let woken: unknown;
    try {
      woken = yield PARK;
    } finally {
      this.#putters.leave(waiter);
    }
    // Woken with no value: a getter (or a resize) took our item. TIMED_OUT: it is still ours, and nobody has it.
    if (woken === TIMED_OUT) throw new Full(`put: the queue stayed full for ${ms} ms`);
    // END SOLUTION
  }

  /** Adds an item if there is room (or a waiting getter) now; throws Full otherwise. */
  putNowait(item: T): void {
    // BEGIN SOLUTION 4 LightQueue.putNowait
    if (!this.#offer(item)) throw new Full("putNowait: the queue is full");
    // END SOLUTION
  }

  /** Removes and returns an item, waiting for one if the queue is empty; throws Empty if `ms` runs out first. */
  *get(ms?: number): Green<T> {
    // BEGIN SOLUTION 4 LightQueue.get
    const item = this.#poll();
    if (item !== NOTHING) return item;
    const waiter = this.#getters.enter(undefined, ms); // park, written out, as in put
    let woken: unknown;
    try {
      woken = yield PARK;
    } finally {
      this.#getters.leave(waiter);
    }
    if (woken === TIMED_OUT) throw new Empty(`get: the queue stayed empty for ${ms} ms`);
    return woken as T;
    // END SOLUTION
  }

  /** Removes and returns an item if there is one now; throws Empty otherwise. */
  getNowait(): T {
    // BEGIN SOLUTION 4 LightQueue.getNowait
    const item = this.#poll();
    if (item === NOTHING) throw new Empty("getNowait: the queue is empty");
    return item;
    // END SOLUTION
  }

  /** Hands `item` to a waiting getter, or buffers it if there is room. Returns false when neither is possible. */
  #offer(item: T): boolean {
    // BEGIN SOLUTION 4 LightQueue.offer
    // Getters wait only while the buffer is empty, so handing over directly keeps the order.
    if (this.#getters.wakeOne(item) !== null) {
      this.accepted();
      return true;
    }
    if (this.qsize() >= this.#maxsize) return false;
    this.store(item);
    this.accepted();
    return true;
    // END SOLUTION
  }

  /**
   * Takes an item from the buffer, or straight from a waiting putter (a rendezvous); NOTHING if none. A marker, not
   * a `[got, item]` pair: every get that parks polls first, and the pair was an array allocated per hand-off.
   */
  #poll(): T | typeof NOTHING {
    // BEGIN SOLUTION 4 LightQueue.poll
    if (this.qsize() > 0) {
      const item = this.take();
      this.#admitPutters(); // there is room now
      return item;
    }
    const putter = this.#putters.wakeOne();
    if (putter !== null) {
      this.accepted();
      return putter.data;
    }
    return NOTHING;
    // END SOLUTION
  }

  /** Moves waiting putters' items into the buffer while there is room, waking each putter. */
  #admitPutters(): void {
    // BEGIN SOLUTION 4 LightQueue.admitPutters
    while (this.qsize() < this.#maxsize) {
      const putter = this.#putters.wakeOne();
      if (putter === null) return;
      this.store(putter.data);
      this.accepted();
    }
    // END SOLUTION
  }
}
// #endregion

// #region queue
/** A LightQueue that also counts unfinished tasks: every put is a task until a taskDone() for it. */
export class Queue<T> extends LightQueue<T> {
  #unfinished = 0;
  readonly #joiners = new WaitQueue();

  get unfinishedTasks(): number {
    return this.#unfinished;
  }

  protected override accepted(): void {
    this.#unfinished++;
  }

  /** Says that one item taken from the queue has been dealt with; throws when called more often than put. */
  taskDone(): void {
    // BEGIN SOLUTION 4 Queue.taskDone
    if (this.#unfinished <= 0) throw new RangeError("taskDone() called too many times");
    if (--this.#unfinished === 0) this.#joiners.wakeAll();
    // END SOLUTION
  }

  /** Waits until every item put has been marked done. */
  *join(): Green<void> {
    // BEGIN SOLUTION 4 Queue.join
    while (this.#unfinished > 0) yield* this.#joiners.park(undefined);
    // END SOLUTION
  }
}
// #endregion
