// The green-thread API programs use: spawn, sleep, getCurrent, and the two ways to run a program.
// Built in chapter 02; chapter 03 adds a spawn that returns a GreenThread you can wait for and kill.
import { Greenlet } from "./greenlet";
import type { Timer } from "./heap";
import { getHub, Hub, type HubOptions } from "./hub";
import { RealBackend } from "./real";
import { PARK, YIELD, type Green, type Suspend } from "./suspend";
import { VirtualBackend } from "./virtual";

export { getHub };

/** The green thread that is running now. Throws when called from outside a green thread. */
export function getCurrent(): Greenlet {
  const g = getHub().current;
  if (g === null) throw new Error("getCurrent() was called outside a green thread (in a timer callback)");
  return g;
}

// #region spawn
/**
 * Starts `fn(...args)` as a new green thread and returns at once; the thread runs when the current one
 * next yields. Like eventlet's spawn, calling it never switches.
 */
export function spawn<A extends unknown[], T>(fn: (...args: A) => Green<T>, ...args: A): Greenlet<T> {
  // TODO(task 3): spawn. See README.md.
  throw new Error("not implemented yet — lab 02-hub, task 3: spawn");
}

/** Like spawn, for a thread nobody will wait for: its failure goes to the hub's reporter. */
export function spawnN<A extends unknown[]>(fn: (...args: A) => Green<unknown>, ...args: A): void {
  spawn(fn, ...args);
}

/** Like spawn, but the thread starts `ms` milliseconds from now. */
export function spawnAfter<A extends unknown[], T>(
  ms: number,
  fn: (...args: A) => Green<T>,
  ...args: A
): Greenlet<T> {
  // TODO(task 4): spawnAfter. See README.md.
  throw new Error("not implemented yet — lab 02-hub, task 4: spawnAfter");
}
// #endregion

// #region sleep
/**
 * Suspends the calling thread for `ms` milliseconds. `sleep(0)` (or no argument) lets every other
 * thread that is runnable now run once, then continues.
 */
export function sleep(ms = 0): Green<void> {
  return ms > 0 ? new Sleep(ms) : yieldOnce;
}

/** "Park me", as a result: `yield*` passes its inner iterator's results on to the hub as they are, so one will do. */
const parked: IteratorResult<Suspend, void> = { value: PARK, done: false };
/** The sleep is over: done, with nothing to return (sleep(0)'s iterator ends with it too). */
const resumed: IteratorResult<Suspend, void> = { value: undefined, done: true };

/**
 * One sleep: the generator
 *
 *     function* sleepFor(ms) {
 *       const alarm = getHub().schedule(ms, wakeUp, getCurrent());
 *       try { yield PARK; } finally { alarm.cancel(); }
 *     }
 *
 * written by hand, as `sleep(0)`'s iterator below is, to spare every sleep a generator: making one and resuming
 * it costs more than this small object (the hub benchmark's timers case measures the difference). `yield*` calls
 * `next` to run the generator up to its `yield PARK` (the thread arrives) and again to resume it (the thread
 * woke); `throw` and `return` are the other two ways out of the `yield`. The generator's `finally` runs on all
 * three ways out, so here each of them calls `#end`: however the sleep ended, its alarm must not go off later and
 * resume a thread that is by then doing something else. It holds its Timer rather than being one: the hub makes
 * timers (schedule), and a timer knows nothing of threads.
 */
class Sleep implements Green<void> {
  readonly #ms: number;
  /** Set when the thread arrives, not when sleep() is called: the alarm counts from the `yield*`. */
  #alarm: Timer | null = null;
  /** Over however it ended: like a finished generator, an ended sleep sets no alarm if called again. */
  #over = false;

  constructor(ms: number) {
    this.#ms = ms;
  }

  next(): IteratorResult<Suspend, void> {
    // TODO(task 4): Sleep.next. See README.md.
    throw new Error("not implemented yet — lab 02-hub, task 4: Sleep.next");
  }

  /** Woken early by an error (a kill, a Timeout): end the sleep, and the error goes on up the thread's stack. */
  throw(error: unknown): never {
    // TODO(task 4): Sleep.throw. See README.md.
    throw new Error("not implemented yet — lab 02-hub, task 4: Sleep.throw");
  }

  /** The thread's stack is unwound without an error (a `for…of` that breaks out calls `return`). */
  return(value?: unknown): IteratorResult<Suspend, void> {
    // TODO(task 4): Sleep.return. See README.md.
    throw new Error("not implemented yet — lab 02-hub, task 4: Sleep.return");
  }

  /** The generator's `finally`, whichever of the three ways out led here: the sleep is over, its alarm undone. */
  #end(): void {
    // TODO(task 4): Sleep.end. See README.md.
    throw new Error("not implemented yet — lab 02-hub, task 4: Sleep.end");
  }

  [Symbol.iterator](): this {
    return this;
  }
}
// #endregion

/** A sleeper's alarm: one function for every sleep, handed its thread (Hub.schedule's `arg`), not a closure per sleep. */
const wakeUp = (g: Greenlet): void => {
  g.hub.resume(g);
};

// #region yield-once
/**
 * What `sleep(0)` returns: the generator `function* () { yield YIELD }`, written by hand so that it can be
 * shared. Calling a generator function allocates a generator; on the hottest path of the hub (a busy
 * thread yielding its turn) that allocation tripled the cost of a switch. One object serves every thread,
 * because the hub answers a YIELD by sending YIELD back: `next(undefined)` is always a thread arriving at
 * the yield, `next(YIELD)` always the same thread leaving it.
 */
const yielded: IteratorResult<Suspend, void> = { value: YIELD, done: false };
const yieldOnce: Green<void> = {
  next: (sent?: unknown) => (sent === YIELD ? resumed : yielded),
  throw: (error: unknown): never => {
    throw error; // a kill or a Timeout that arrives at sleep(0) continues up the thread's own stack
  },
  return: (value?: unknown) => ({ value: value as void, done: true }),
  [Symbol.iterator]() {
    return this;
  },
};
// #endregion

// #region entry
export interface VirtualRun<T> {
  readonly result: T;
  /** The virtual clock when `main` ended, in milliseconds. */
  readonly time: number;
}

export interface VirtualOptions extends HubOptions {
  /** The clock's reading when the program starts. @default 0 */
  readonly start?: number;
}

/**
 * Runs `main` on a fresh hub with a virtual clock and returns what it returned, with the virtual time it
 * ended at. Instant and deterministic. Rethrows what `main` threw; a deadlock throws a DeadlockError.
 */
export function runVirtual<T>(main: () => Green<T>, options: VirtualOptions = {}): VirtualRun<T> {
  const hub = new Hub(new VirtualBackend(options.start), options);
  const g = new Greenlet<T>(hub, main(), "main");
  hub.run(g);
  if (g.failed) throw g.error;
  return { result: g.result as T, time: hub.now() };
}

/** Runs `main` on a fresh hub inside Node's event loop, on the real clock. */
export function runReal<T>(main: () => Green<T>, options: HubOptions = {}): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const hub = new Hub(new RealBackend(), options);
    const g = new Greenlet<T>(hub, main(), "main");
    g.onExit(() => (g.failed ? reject(g.error) : resolve(g.result as T)));
    hub.run(g);
  });
}
// #endregion
