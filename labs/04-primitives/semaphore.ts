// Semaphore and BoundedSemaphore: a counter of permits, and a fair line for threads waiting for one.
// Built in chapter 04.
import type { Green } from "../02-hub/suspend";
import { TIMED_OUT, WaitQueue } from "./waiters";

// #region semaphore
export class Semaphore {
  #counter: number;
  readonly #waiters = new WaitQueue();

  /** @param value permits available at the start. @default 1 */
  constructor(value = 1) {
    if (!Number.isInteger(value) || value < 0) throw new RangeError(`Semaphore(value): value must be an integer >= 0, got ${value}`);
    this.#counter = value;
  }

  /** Permits available now. */
  get counter(): number {
    return this.#counter;
  }

  /** Permits minus waiting threads: negative when threads wait. */
  get balance(): number {
    return this.#counter - this.#waiters.length;
  }

  /** True when an acquire would wait. */
  locked(): boolean {
    return this.#counter <= 0;
  }

  /**
   * Takes a permit, waiting in line for one if none is free. Returns true, or false when `ms` runs out first.
   * First come, first served: a thread arriving while others wait queues behind them, even if a permit is free.
   */
  *acquire(ms?: number): Green<boolean> {
    // TODO(task 3): Semaphore.acquire. See README.md.
    throw new Error("not implemented yet — lab 04-primitives, task 3: Semaphore.acquire");
  }

  /** Takes a permit if one is free and nobody is waiting for one; never waits. */
  tryAcquire(): boolean {
    // TODO(task 3): Semaphore.tryAcquire. See README.md.
    throw new Error("not implemented yet — lab 04-primitives, task 3: Semaphore.tryAcquire");
  }

  /** Gives a permit back: to the first waiting thread if there is one, else to the counter. Never switches. */
  release(): void {
    // TODO(task 3): Semaphore.release. See README.md.
    throw new Error("not implemented yet — lab 04-primitives, task 3: Semaphore.release");
  }

  /** Runs `op` holding a permit, and gives it back however `op` ends. */
  *hold<T>(op: () => Green<T>): Green<T> {
    yield* this.acquire();
    try {
      return yield* op();
    } finally {
      this.release();
    }
  }
}

/** A Semaphore that refuses to be released more often than it was acquired: a release past the bound throws. */
export class BoundedSemaphore extends Semaphore {
  readonly bound: number;

  constructor(value = 1) {
    super(value);
    this.bound = value;
  }

  override release(): void {
    // TODO(task 3): BoundedSemaphore.release. See README.md.
    throw new Error("not implemented yet — lab 04-primitives, task 3: BoundedSemaphore.release");
  }
}
// #endregion
