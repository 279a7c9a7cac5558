// WaitQueue: a line of parked threads, each woken at most once, in order. Built in chapter 04.
//
// Every primitive of this chapter is one idea: park a thread, wake it later. This file is that idea, once:
// a thread joins the line and parks (optionally with a deadline); another thread wakes the first one in
// line, handing it a value. The rest of the chapter only decides *when* to wake and *what* to hand over.
import { getCurrent, getHub } from "../02-hub/green";
import type { Greenlet } from "../02-hub/greenlet";
import type { Timer } from "../02-hub/heap";
import { PARK, type Green } from "../02-hub/suspend";

/** What `park` returns when its time ran out before anyone woke it. */
export const TIMED_OUT: unique symbol = Symbol("timed out");

// #region waiter
/** One parked thread in a WaitQueue, with what it brought along (a Queue's putter brings its item). */
export class Waiter<D> {
  prev: Waiter<D> | null = null;
  next: Waiter<D> | null = null;
  /** In the line? A waiter leaves it when woken, or in its own `finally` (timeout, kill). */
  linked = false;
  /** The alarm that resumes the thread with TIMED_OUT, when it parked with a deadline. */
  timer: Timer | null = null;

  constructor(
    readonly thread: Greenlet,
    readonly data: D,
  ) {}
}
// #endregion

/** A deadline's alarm: one function for every waiter, handed its thread (Hub.schedule's `arg`), no closure each. */
const timeOut = (g: Greenlet): void => {
  g.hub.resume(g, TIMED_OUT);
};

// #region wait-queue
/** A first-in, first-out line of parked threads; a doubly linked list, so leaving from the middle is O(1). */
export class WaitQueue<D = undefined> {
  #head: Waiter<D> | null = null;
  #tail: Waiter<D> | null = null;
  #length = 0;

  // Simplification: a production queue would drop a timed-out waiter from the count at once; here it stays
  // counted until it runs its `finally` (or a waker skips it), so `length` can be briefly too high.
  /** Threads in line (a thread whose deadline passed stays counted until it runs again). */
  get length(): number {
    return this.#length;
  }

  /**
   * Parks the current thread at the back of the line until a `wakeOne`/`wakeAll` hands it a value, which
   * this returns; or until `ms` milliseconds pass, and then returns TIMED_OUT. No `ms`: no deadline.
   */
  *park(data: D, ms?: number): Green<unknown> {
    // TODO(task 1): WaitQueue.park. See README.md.
    throw new Error("not implemented yet — lab 04-primitives, task 1: WaitQueue.park");
  }

  // `park` in two halves, for the primitives on a hot path (Event.wait, Queue's get and put): they write
  // `enter`, `yield PARK`, `leave` in a `finally` themselves rather than `yield* park(…)`. Every `yield*`
  // layer a parked thread sits under is one more suspended generator; dropping park's took an idle thread
  // parked on an Event from 857 to 579 bytes, and makes a Queue hand-off one generator lighter (bench/README.md).
  /** Puts a waiter for the current thread at the back of the line; with `ms`, an alarm resumes it with TIMED_OUT. */
  enter(data: D, ms?: number): Waiter<D> {
    // TODO(task 1): WaitQueue.enter. See README.md.
    throw new Error("not implemented yet — lab 04-primitives, task 1: WaitQueue.enter");
  }

  /** Takes a waiter out of the line, if it is still there, and cancels its alarm. Call it in a `finally`. */
  leave(waiter: Waiter<D>): void {
    // TODO(task 1): WaitQueue.leave. See README.md.
    throw new Error("not implemented yet — lab 04-primitives, task 1: WaitQueue.leave");
  }

  /**
   * Wakes the first thread in line that can still be woken, handing it `value`, and returns its waiter
   * (so the caller can take its `data`); null when nobody could be woken. Threads already woken by
   * something else (their deadline, a kill) are dropped from the line on the way.
   */
  wakeOne(value?: unknown): Waiter<D> | null {
    // TODO(task 1): WaitQueue.wakeOne. See README.md.
    throw new Error("not implemented yet — lab 04-primitives, task 1: WaitQueue.wakeOne");
  }

  /** Wakes every thread in line with `value`; returns how many were woken. */
  wakeAll(value?: unknown): number {
    // TODO(task 1): WaitQueue.wakeAll. See README.md.
    throw new Error("not implemented yet — lab 04-primitives, task 1: WaitQueue.wakeAll");
  }

  #append(w: Waiter<D>): void {
    w.prev = this.#tail;
    w.next = null;
    if (this.#tail) this.#tail.next = w;
    else this.#head = w;
    this.#tail = w;
    w.linked = true;
    this.#length++;
  }

  #unlink(w: Waiter<D>): void {
    if (!w.linked) return;
    if (w.prev) w.prev.next = w.next;
    else this.#head = w.next;
    if (w.next) w.next.prev = w.prev;
    else this.#tail = w.prev;
    w.prev = w.next = null;
    w.linked = false;
    this.#length--;
  }
}
// #endregion
