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
    // TODO(task 4): LightQueue.put. See README.md.
    throw new Error("not implemented yet — lab 04-primitives, task 4: LightQueue.put");
  }

  *#putWaiting(item: T, ms?: number): Green<void> {
    // TODO(task 4): LightQueue.putWaiting. See README.md.
    throw new Error("not implemented yet — lab 04-primitives, task 4: LightQueue.putWaiting");
  }

  /** Adds an item if there is room (or a waiting getter) now; throws Full otherwise. */
  putNowait(item: T): void {
    // TODO(task 4): LightQueue.putNowait. See README.md.
    throw new Error("not implemented yet — lab 04-primitives, task 4: LightQueue.putNowait");
  }

  /** Removes and returns an item, waiting for one if the queue is empty; throws Empty if `ms` runs out first. */
  *get(ms?: number): Green<T> {
    // TODO(task 4): LightQueue.get. See README.md.
    throw new Error("not implemented yet — lab 04-primitives, task 4: LightQueue.get");
  }

  /** Removes and returns an item if there is one now; throws Empty otherwise. */
  getNowait(): T {
    // TODO(task 4): LightQueue.getNowait. See README.md.
    throw new Error("not implemented yet — lab 04-primitives, task 4: LightQueue.getNowait");
  }

  /** Hands `item` to a waiting getter, or buffers it if there is room. Returns false when neither is possible. */
  #offer(item: T): boolean {
    // TODO(task 4): LightQueue.offer. See README.md.
    throw new Error("not implemented yet — lab 04-primitives, task 4: LightQueue.offer");
  }

  /**
   * Takes an item from the buffer, or straight from a waiting putter (a rendezvous); NOTHING if none. A marker, not
   * a `[got, item]` pair: every get that parks polls first, and the pair was an array allocated per hand-off.
   */
  #poll(): T | typeof NOTHING {
    // TODO(task 4): LightQueue.poll. See README.md.
    throw new Error("not implemented yet — lab 04-primitives, task 4: LightQueue.poll");
  }

  /** Moves waiting putters' items into the buffer while there is room, waking each putter. */
  #admitPutters(): void {
    // TODO(task 4): LightQueue.admitPutters. See README.md.
    throw new Error("not implemented yet — lab 04-primitives, task 4: LightQueue.admitPutters");
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
    // TODO(task 4): Queue.taskDone. See README.md.
    throw new Error("not implemented yet — lab 04-primitives, task 4: Queue.taskDone");
  }

  /** Waits until every item put has been marked done. */
  *join(): Green<void> {
    // TODO(task 4): Queue.join. See README.md.
    throw new Error("not implemented yet — lab 04-primitives, task 4: Queue.join");
  }
}
// #endregion
