// Greenlet: the hub's record of one green thread — its generator, its state, and its result once it ends.
// Built in chapter 02; chapter 03 extends it into GreenThread (wait, kill, link).
//
// The name is eventlet's: a greenlet is the bare switchable thread underneath, and eventlet's GreenThread
// adds waiting and linking on top. The hub reads and writes the fields marked "hub's"; everyone else only
// reads them.
import type { Green } from "./suspend";
import type { Hub } from "./hub";

// #region greenlet
/**
 * - `new`: spawned, has not run yet (it may be waiting in the run queue or for a `spawnAfter` delay)
 * - `runnable`: in the run queue; `running`: the one thread running now
 * - `parked`: waiting for `hub.resume` or `hub.throwInto`; `dead`: returned or threw
 */
export type GreenletState = "new" | "runnable" | "running" | "parked" | "dead";

/** The error a greenlet is killed with by default; a greenlet that dies of it is not reported as a failure. */
export class GreenletExit extends Error {
  override name = "GreenletExit";
  constructor(message = "green thread killed") {
    super(message);
  }
}

/** Marks an empty error slot (`undefined` is a value a program may throw). */
export const NO_ERROR: unique symbol = Symbol("no error");

export class Greenlet<T = unknown> {
  /** Hub's: where the thread is in its life. */
  state: GreenletState = "new";
  /** Hub's: the value the next resume sends in (what the `yield` evaluates to). */
  value: unknown = undefined;
  /** Hub's: a waker put `value` here with `hub.resume`; it must be delivered before any error. */
  woken = false;
  /** Hub's: an error to throw at the thread's next yield point (kill, Timeout). */
  pendingError: unknown = NO_ERROR;

  #result: T | undefined;
  #ranAtAll = false;
  #error: unknown = NO_ERROR;
  // `any`, not T: a Greenlet<number> must still be usable where a Greenlet<unknown> is expected.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  #listeners: ((g: Greenlet<any>) => void)[] | null = null;
  /** Listeners that take responsibility for the outcome (a waiter, a link), as opposed to bookkeeping. */
  #observers = 0;

  /** The name, or the base of it while `#serial` is not 0 (see `name`). */
  #name: string;
  #serial: number;

  constructor(
    readonly hub: Hub,
    /** The running generator: the thread's whole stack, paused at its last `yield`. */
    readonly gen: Green<T>,
    /** For messages and reports; unique within its hub. With a `serial`, the base the name is made of. */
    name: string,
    /** Spawn's number for the thread (`hub.nextSerial()`): the name is then `${name}-${serial}`. */
    serial = 0,
  ) {
    this.#name = name;
    this.#serial = serial;
    // Checked here, at spawn, and not at the thread's first turn, where the failure would read
    // "g.gen.next is not a function" and point into the hub instead of at the spawn that caused it.
    if (typeof (gen as Partial<Green<T>> | null | undefined)?.next !== "function") {
      const got = gen === null ? "null" : typeof gen === "object" ? "an object that is not a generator" : typeof gen;
      throw new TypeError(
        `green thread "${this.name}" needs a generator, but its function returned ${got}: ` +
          "spawn a generator function (function* name() { … }), not a plain or async function",
      );
    }
  }

  /**
   * For messages and reports; unique within its hub. A spawned thread's name is made from its function's name
   * and its number only when someone reads it: most threads are never named in a message, and a name built at
   * spawn is a number-to-string and a string per thread. Lazy, a spawned thread holds 307 bytes instead of 331,
   * and spawn+join went from 2.13x to 1.64x the generator floor (bench/README.md).
   */
  get name(): string {
    if (this.#serial !== 0) {
      this.#name = `${this.#name || "green"}-${this.#serial}`;
      this.#serial = 0;
    }
    return this.#name;
  }

  set name(name: string) {
    this.#name = name;
    this.#serial = 0;
  }

  get dead(): boolean {
    return this.state === "dead";
  }

  /** False while the thread has never run; a thread killed before it ran never starts. */
  get started(): boolean {
    return this.state !== "new" && (this.state !== "dead" || this.#ranAtAll);
  }

  /** True when the thread ended by throwing. */
  get failed(): boolean {
    return this.#error !== NO_ERROR;
  }

  /** What the thread returned (undefined until it has). */
  get result(): T | undefined {
    return this.#result;
  }

  /** What the thread threw (undefined unless it failed). */
  get error(): unknown {
    return this.#error === NO_ERROR ? undefined : this.#error;
  }

  /**
   * Calls `fn(this)` once the thread is dead, on the hub, right where it died; at once if it already is.
   * `fn` must not block. This is the mechanism `wait` and `link` are built on in chapter 03.
   * `observes: false` marks bookkeeping (a pool counting its threads) that does not handle a failure,
   * so a failure nobody else hears is still reported.
   */
  onExit(fn: (g: Greenlet<T>) => void, observes = true): void {
    if (this.dead) return this.#call(fn);
    (this.#listeners ??= []).push(fn);
    if (observes) this.#observers++;
  }

  /** Removes a listener added with onExit (say again whether it observes). Returns whether it was there. */
  offExit(fn: (g: Greenlet<T>) => void, observes = true): boolean {
    const i = this.#listeners?.indexOf(fn) ?? -1;
    if (i >= 0) this.#listeners!.splice(i, 1);
    if (i >= 0 && observes) this.#observers--;
    return i >= 0;
  }

  /**
   * Hub's: records the outcome and tells the listeners. A failure nobody listens for is reported,
   * never silently lost; a GreenletExit (a kill) is not a failure worth reporting.
   */
  finish(result: T | undefined, error: unknown = NO_ERROR): void {
    if (this.dead) return;
    this.#ranAtAll = this.state !== "new";
    this.state = "dead";
    this.#result = result;
    this.#error = error;
    this.value = undefined;
    this.pendingError = NO_ERROR;
    const listeners = this.#listeners;
    const observed = this.#observers > 0;
    this.#listeners = null;
    this.#observers = 0;
    if (error !== NO_ERROR && !observed && !(error instanceof GreenletExit)) this.hub.report(this, error);
    if (listeners) for (const fn of listeners) this.#call(fn);
  }

  #call(fn: (g: Greenlet<T>) => void): void {
    try {
      fn(this);
    } catch (e) {
      this.hub.report(this, e); // a broken listener must not break the hub or the other listeners
    }
  }

  toString(): string {
    return `Greenlet(${this.name}, ${this.state})`;
  }
}
// #endregion
