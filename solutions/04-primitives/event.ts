// Event: one value (or error), sent once, for any number of waiting threads. Built in chapter 04.
import { PARK, type Green } from "../02-hub/suspend";
import { TIMED_OUT, WaitQueue } from "./waiters";

/** How an event ended; one object per send, handed to every waiter, so a later reset() cannot change it. */
interface Outcome<T> {
  readonly failed: boolean;
  readonly value?: T;
  readonly error?: unknown;
}

// #region event
export class Event<T = void> {
  #outcome: Outcome<T> | null = null;
  readonly #waiters = new WaitQueue();

  /** True once the event was sent: `wait()` would return (or throw) at once. */
  ready(): boolean {
    return this.#outcome !== null;
  }

  /** True once the event was sent an error. */
  hasError(): boolean {
    return this.#outcome !== null && this.#outcome.failed;
  }

  /** Wakes every waiter with `value`. Sending never switches; sending twice without `reset()` throws. */
  send(value: T): void {
    this.#settle({ failed: false, value });
  }

  /** Like send, but every waiter throws `error`. */
  sendError(error: unknown): void {
    this.#settle({ failed: true, error });
  }

  /**
   * Returns the value sent (or throws the error sent), waiting for it if need be. With `ms`, gives up after
   * that long and returns undefined, as eventlet's `Event.wait(timeout)` returns None.
   */
  wait(): Green<T>;
  wait(ms: number): Green<T | undefined>;
  *wait(ms?: number): Green<T | undefined> {
    // BEGIN SOLUTION 2 Event.wait
    let outcome = this.#outcome;
    if (outcome === null) {
      // park, written out (WaitQueue.enter): one suspended generator less per waiting thread.
      const waiter = this.#waiters.enter(undefined, ms);
      let woken: unknown;
      try {
        woken = yield PARK;
      } finally {
        this.#waiters.leave(waiter);
      }
      if (woken === TIMED_OUT) return undefined;
      outcome = woken as Outcome<T>;
    }
    if (outcome.failed) throw outcome.error;
    return outcome.value as T;
    // END SOLUTION
  }

  /** Makes a sent event waitable again. Resetting an event that was never sent is a mistake, and throws. */
  reset(): void {
    // BEGIN SOLUTION 2 Event.reset
    if (this.#outcome === null) throw new Error("Event.reset(): the event was not sent; nothing to reset");
    this.#outcome = null;
    // END SOLUTION
  }

  #settle(outcome: Outcome<T>): void {
    // BEGIN SOLUTION 2 Event.settle
    if (this.#outcome !== null) throw new Error("Event.send(): the event was already sent; reset() it first");
    this.#outcome = outcome;
    this.#waiters.wakeAll(outcome);
    // END SOLUTION
  }
}
// #endregion
