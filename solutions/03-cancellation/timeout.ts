// Timeout: an error raised in the thread that set it, at its yield point, after a delay. Built in chapter 03.
//
// A Timeout is an alarm whose ringing is hub.throwInto. It is also the error that is thrown, so a thread
// that sets several (nested) timeouts can tell which one fired by identity: `catch (e) { if (e === t) … }`.
import { getCurrent, getHub } from "../02-hub/green";
import type { Greenlet } from "../02-hub/greenlet";
import type { Timer } from "../02-hub/heap";
import type { Green } from "../02-hub/suspend";

// #region timeout
/**
 * An Error that records no stack trace. A Timeout is made on hot paths (one per request in chapter 07's server)
 * and almost always cancelled: capturing a stack for each was 15% of that server's CPU in `npm run bench io`.
 * Where it fired is no mystery anyway: at the yield point of the thread that set it.
 */
class StacklessError extends Error {
  constructor(message: string) {
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(message);
    Error.stackTraceLimit = limit;
  }
}

export class Timeout extends StacklessError {
  override name = "Timeout";
  #timer: Timer | null = null;
  #owner: Greenlet | null = null;

  /**
   * Starts at once: after `ms` milliseconds, throws in the current thread `error`, or this Timeout itself
   * when no error is given. `ms` null never fires (a Timeout to raise by hand, or "no limit").
   */
  constructor(
    readonly ms: number | null = null,
    readonly error?: unknown,
  ) {
    super(ms === null ? "timeout" : `timed out after ${ms} ms`);
    this.start();
  }

  /** What is thrown when the Timeout fires. */
  get thrown(): unknown {
    return this.error ?? this;
  }

  /** Starts the alarm again after a cancel (the constructor already started it once). */
  start(): this {
    // BEGIN SOLUTION 4 Timeout.start
    if (this.pending) throw new Error(`${this.message}: already started; cancel it before starting it again`);
    if (this.ms === null) return this;
    const hub = getHub();
    const owner = getCurrent();
    const thrown = this.thrown;
    this.#owner = owner;
    this.#timer = hub.schedule(this.ms, () => {
      hub.throwInto(owner, thrown);
    });
    return this;
    // END SOLUTION
  }

  /** True while the alarm is set and has not gone off. */
  get pending(): boolean {
    return this.#timer?.pending ?? false;
  }

  /**
   * Stops the alarm. Always call it in a `finally` after the code it guards, or the Timeout goes off
   * later in code that has nothing to do with it.
   */
  cancel(): void {
    // BEGIN SOLUTION 4 Timeout.cancel
    this.#timer?.cancel();
    this.#timer = null;
    // It may have gone off while its thread was being woken with a value, so the error still waits for
    // the thread's next yield point. The thread is past the guarded code now: take the error back.
    if (this.#owner !== null) this.#owner.hub.retract(this.#owner, this.thrown);
    // END SOLUTION
  }
}
// #endregion

// #region with-timeout
export interface TimeoutOptions<D> {
  /** Returned instead of throwing when the time runs out. */
  readonly timeoutValue: D;
}

/**
 * Runs `op` with a time limit: returns what it returns, or, when `ms` runs out first, throws the Timeout
 * (its `finally` blocks run) — or returns `timeoutValue` when one is given.
 */
export function withTimeout<T>(ms: number, op: () => Green<T>): Green<T>;
export function withTimeout<T, D>(ms: number, op: () => Green<T>, options: TimeoutOptions<D>): Green<T | D>;
export function* withTimeout<T, D>(ms: number, op: () => Green<T>, options?: TimeoutOptions<D>): Green<T | D> {
  // BEGIN SOLUTION 5 withTimeout
  const timeout = new Timeout(ms);
  try {
    return yield* op();
  } catch (e) {
    // Only our own Timeout: an outer one, or any other error, belongs to someone further up.
    if (e === timeout && options !== undefined) return options.timeoutValue;
    throw e;
  } finally {
    timeout.cancel();
  }
  // END SOLUTION
}
// #endregion
