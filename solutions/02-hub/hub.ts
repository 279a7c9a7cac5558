// The hub: one run queue, one timer heap and a backend, and the loop that drives green threads. Chapter 02.
//
// Design principles
//   1. One loop, one dispatch. A thread suspends only by yielding a trap (suspend.ts), and the hub reads
//      every trap in one place (#step). Reading a `yield*` is enough to know a thread may switch there.
//   2. The hub does not wait; its backend does. The hub asks "wait for the next thing to happen", so the
//      same program runs on Node's clock or on a virtual one, and Part II plugs a simulated network in there.
//   3. Cheap switches. A switch moves a greenlet between a ring buffer and the generator it wraps: no promise,
//      no closure, no trap object. The hub allocates nothing; a bare `yield PARK` allocates the iterator result
//      V8 returns, and `yield* sleep(0)` not even that (yield* hands on its shared iterator's results as they are).
//   4. Wake-ups are first come, first served. resume() and throwInto() report whether they took effect, so a
//      value handed to a waiting thread (an item, a permit) is never lost and no thread is woken twice.
import type { Backend } from "./backend";
import { NO_ERROR, type Greenlet } from "./greenlet";
import { Timer, TimerHeap } from "./heap";
import { RingQueue } from "./ring";
import { PARK, SWITCH, YIELD, type Suspend } from "./suspend";

export interface HubOptions {
  /**
   * Told about a thread that failed while nobody was waiting for it or linked to it, and about a timer
   * callback that threw (then `g` is null). @default prints the thread's name and the error's stack
   */
  readonly report?: (g: Greenlet | null, error: unknown) => void;
  /**
   * Milliseconds the hub may keep running threads before the backend gets a turn (on the real backend,
   * Node's event loop and its I/O). @default 10
   */
  readonly slice?: number;
}

/** The main thread waits for something that can no longer happen. */
export class DeadlockError extends Error {
  override name = "DeadlockError";
}

const defaultReport = (g: Greenlet | null, error: unknown): void => {
  const what = g ? `green thread "${g.name}"` : "a hub timer callback";
  console.error(`${what} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
};

/** Steps between two looks at the clock for the slice (see HubOptions.slice). */
const SLICE_CHECK = 64;

/** The hub whose loop is running now: green threads and timer callbacks find their hub here. */
let active: Hub | null = null;

/** The running hub. Throws outside a hub: start programs with `runVirtual(main)` or `runReal(main)`. */
export function getHub(): Hub {
  if (active === null) {
    throw new Error("no hub is running here: start the program with runVirtual(main) or runReal(main)");
  }
  return active;
}

export class Hub {
  // #region hub-state
  /** Threads that can run now, in the order they will run. */
  readonly #runq = new RingQueue<Greenlet>();
  /** Callbacks due at a time: sleeps, spawnAfter, timeouts. */
  readonly #timers = new TimerHeap();
  #current: Greenlet | null = null;
  /** Where the next SWITCH trap goes, and with what error (see switchTo). */
  #target: Greenlet | null = null;
  #targetError: unknown = undefined;
  #main: Greenlet | null = null;
  /** True while the loop has returned to the host and waits for the backend to call #resumeLoop. */
  #asleep = false;
  #seq = 0;
  #names = 0;
  readonly #report: (g: Greenlet | null, error: unknown) => void;
  readonly #slice: number;

  constructor(
    readonly backend: Backend,
    options: HubOptions = {},
  ) {
    this.#report = options.report ?? defaultReport;
    this.#slice = options.slice ?? 10;
  }
  // #endregion

  /** The backend's time, in milliseconds. */
  now(): number {
    return this.backend.now();
  }

  /** The thread running now, or null while the hub runs its own code (timer callbacks). */
  get current(): Greenlet | null {
    return this.#current;
  }

  /** A name unique in this hub, for a thread made from function `base`. */
  nextName(base: string): string {
    return `${base || "green"}-${this.nextSerial()}`;
  }

  /** The next thread number: `new Greenlet(hub, gen, fn.name, hub.nextSerial())` is named as nextName would. */
  nextSerial(): number {
    return ++this.#names;
  }

  /** Tells the hub's reporter about an error nobody else will see. */
  report(g: Greenlet | null, error: unknown): void {
    this.#report(g, error);
  }

  // #region start
  /** Puts a new greenlet at the back of the run queue; it runs its first line when its turn comes. */
  start(g: Greenlet): void {
    // BEGIN SOLUTION 3 Hub.start
    if (g.state !== "new") throw new Error(`${g} cannot be started twice`);
    this.#runq.push(g); // it stays "new" (not started) until it first runs
    if (this.#asleep) this.backend.wake();
    // END SOLUTION
  }
  // #endregion

  // #region schedule
  /**
   * Runs `callback(arg)` on the hub after `ms` milliseconds (0 or less: at the next pass). It must not block.
   * Pass what the callback needs as `arg` on a hot path: a closure capturing it is an allocation per timer.
   */
  schedule<A>(ms: number, callback: (arg: A) => void, arg?: A): Timer {
    // BEGIN SOLUTION 4 Hub.schedule
    const deadline = this.backend.now() + (ms > 0 ? ms : 0); // NaN and negatives count as 0
    const timer = new Timer(deadline, this.#seq++, callback as (arg: unknown) => void, this.#timers, arg);
    this.#timers.push(timer);
    // An earlier deadline than the one the backend sleeps until: let the loop recompute it.
    if (this.#asleep) this.backend.wake();
    return timer;
    // END SOLUTION
  }
  // #endregion

  // #region wake
  /**
   * Makes a parked thread runnable; its `yield PARK` evaluates to `value`. Returns false, and does
   * nothing, when the thread is not parked (someone else woke it first, or it is dead).
   */
  resume(g: Greenlet, value?: unknown): boolean {
    // BEGIN SOLUTION 3 Hub.resume
    if (g.state !== "parked") return false;
    g.value = value;
    g.woken = true;
    this.#enqueue(g);
    return true;
    // END SOLUTION
  }

  /**
   * Arranges for `error` to be thrown inside `g` at its yield point, so its `finally` blocks run.
   * A parked thread becomes runnable; a thread that was already woken with a value gets the value first
   * and the error at its next yield point; a thread that never started never runs its first line.
   * Returns false when `g` is dead or already has an error on the way (the first one wins) — unless
   * `final` is set: a final error (a kill) replaces the error on its way, so a Timeout that fired in the
   * same pass cannot be caught and let a killed thread go on.
   */
  throwInto(g: Greenlet, error: unknown, final = false): boolean {
    // Simplification: a production hub would queue a second error rather than refuse it (greenlet's throw
    // switches at once, so each error is delivered in turn); here the first undelivered error wins.
    // BEGIN SOLUTION 5 Hub.throwInto
    if (g.state === "dead" || (g.pendingError !== NO_ERROR && !final)) return false;
    g.pendingError = error;
    if (g.state === "parked") this.#enqueue(g);
    return true;
    // END SOLUTION
  }

  /**
   * Takes back an error that throwInto gave the running thread and that it has not received yet (a
   * Timeout cancelled just after it fired). Only the running thread can be sure of that. Returns whether
   * the error was taken back.
   */
  retract(g: Greenlet, error: unknown): boolean {
    // BEGIN SOLUTION 5 Hub.retract
    if (g !== this.#current || g.pendingError !== error) return false;
    g.pendingError = NO_ERROR;
    return true;
    // END SOLUTION
  }

  /**
   * What a thread yields to switch to `g` at once with a final `error` (a kill): `yield hub.switchTo(g, error)`.
   * The hub puts the caller at the back of the run queue, as for YIELD, delivers the error as
   * `throwInto(g, error, true)` does and, when `g` was parked, runs it right away, to its next yield point.
   * A `g` that was runnable already is ahead of the caller in the queue; it runs first anyway.
   */
  switchTo(g: Greenlet, error: unknown): Suspend {
    this.#target = g;
    this.#targetError = error;
    return SWITCH;
  }

  /** The SWITCH trap: `g` yielded what switchTo returned. */
  #switch(g: Greenlet): void {
    // BEGIN SOLUTION 5 Hub.switch
    // STARTER
    // this.#enqueue(g); // for now like YIELD; task 5 runs the target first
    // END STARTER
    const target = this.#target;
    const error = this.#targetError;
    this.#target = null;
    this.#targetError = undefined;
    this.#enqueue(g);
    if (target === null || target.state === "dead") return;
    const parked = target.state === "parked";
    target.pendingError = error; // final: it replaces a Timeout that fired and was not delivered yet
    // A parked target is in no queue: run it now. (A runnable one has its place in the queue, ahead of g.)
    if (parked) this.#step(target);
    // END SOLUTION
  }

  #enqueue(g: Greenlet): void {
    g.state = "runnable";
    this.#runq.push(g);
    if (this.#asleep) this.backend.wake();
  }
  // #endregion

  // #region run
  /**
   * Runs `main` and every thread it spawns until `main` ends (the others are then abandoned, as when
   * a program's main thread exits). On a virtual backend this returns when `main` is dead; on a real
   * one it returns at the first wait, and the loop goes on from Node's callbacks.
   */
  run(main: Greenlet): void {
    if (this.#main !== null) throw new Error("a hub runs one main thread; make a new Hub for another");
    this.#main = main;
    // Simplification: a production hub would kill the threads left behind when main ends, so that their
    // finally blocks run; this one just stops running them.
    main.onExit(() => {}); // its outcome goes to whoever called run(), not to the reporter
    this.start(main);
    this.#loop();
  }

  readonly #resumeLoop = (): void => {
    this.#asleep = false;
    this.#loop();
  };
  // #endregion

  // #region loop
  #loop(): void {
    const outer = active;
    active = this;
    try {
      // BEGIN SOLUTION 3 Hub.loop
      const main = this.#main!;
      const backend = this.backend;
      let sliceStart = backend.now();
      // The slice is checked every SLICE_CHECK steps, not every pass: a clock read costs about a third of a sleep(0)
      // switch (the hub benchmark's profile).
      let steps = 0;
      let nextCheck = SLICE_CHECK;
      while (!main.dead) {
        // 1. Due timers first: they make sleepers runnable for this pass. The clock is read only when a
        //    timer is pending: a clock read costs about a third of a switch, and most passes have no timer.
        if (this.#timers.peek() !== undefined) {
          const now = backend.now();
          for (let t = this.#timers.peek(); t !== undefined && t.deadline <= now; t = this.#timers.peek()) {
            this.#timers.pop();
            try {
              t.callback(t.arg);
            } catch (e) {
              this.#report(null, e);
            }
          }
        }
        // 2. One pass over the threads runnable now. A thread that yields goes to the back and runs in
        //    the next pass, after the timers that came due meanwhile: nobody starves the clock.
        for (let n = this.#runq.length; n > 0 && !main.dead; n--) {
          const g = this.#runq.shift()!;
          if (g.state !== "dead") this.#step(g); // a thread killed before it started is skipped
          steps++;
        }
        if (main.dead) break;
        // 3. Nothing to run: wait for the earliest timer. Busy for a whole slice: give the host a turn.
        let deadline: number;
        if (this.#runq.length === 0) deadline = this.#timers.peek()?.deadline ?? Infinity;
        else if (steps < nextCheck) continue;
        else if (backend.now() - sliceStart < this.#slice) {
          nextCheck = steps + SLICE_CHECK;
          continue;
        } else deadline = backend.now();
        const idle = backend.idle(deadline, this.#resumeLoop);
        if (idle === "asleep") {
          this.#asleep = true;
          return;
        }
        if (idle === "stuck") {
          // Simplification: a production hub would name the threads that wait, and on what.
          const msg = `deadlock: the main green thread waits, and no thread can run and no timer is pending`;
          main.finish(undefined, new DeadlockError(`${msg} (at ${backend.now()} ms)`));
        }
        sliceStart = backend.now();
        nextCheck = steps + SLICE_CHECK;
      }
      // END SOLUTION
    } finally {
      active = outer;
    }
  }
  // #endregion

  // #region step
  /** Runs `g` until its next yield, then does what its trap asks: the one place traps are read. */
  #step(g: Greenlet): void {
    // BEGIN SOLUTION 3 Hub.step
    g.state = "running";
    this.#current = g;
    let r: IteratorResult<Suspend, unknown>;
    try {
      r = this.#advance(g);
    } catch (e) {
      this.#current = null;
      g.finish(undefined, e);
      return;
    }
    this.#current = null;
    if (r.done) return g.finish(r.value);
    // An error arrived while it ran (it was woken with a value first): deliver it at this yield point.
    // A SWITCH still goes through #switch (which enqueues g too): the kill it carries must not be lost.
    if (g.pendingError !== NO_ERROR) return r.value === SWITCH ? this.#switch(g) : this.#enqueue(g);
    const trap = r.value as Suspend;
    switch (trap) {
      case YIELD:
        g.value = YIELD; // sleep(0) tells arriving from leaving by this value (green.ts, yieldOnce)
        return this.#enqueue(g);
      case PARK:
        g.state = "parked";
        return;
      case SWITCH:
        return this.#switch(g);
      default:
        g.pendingError = new TypeError(
          `green thread "${g.name}" yielded ${String(trap as unknown)}; a green thread suspends only through ` +
            "yield* on a blocking call (sleep, wait, get…)",
        );
        return this.#enqueue(g);
    }
    // END SOLUTION
  }

  /** Resumes the generator: with the value a waker left, or with the error waiting for it. */
  #advance(g: Greenlet): IteratorResult<Suspend, unknown> {
    // BEGIN SOLUTION 5 Hub.advance
    // STARTER
    // const value = g.value;
    // g.value = undefined;
    // g.woken = false;
    // return g.gen.next(value);
    // END STARTER
    if (g.pendingError !== NO_ERROR && !g.woken) {
      const error = g.pendingError;
      g.pendingError = NO_ERROR;
      return g.gen.throw(error); // raised at the thread's yield point: its finally blocks run
    }
    const value = g.value;
    g.value = undefined;
    g.woken = false;
    return g.gen.next(value);
    // END SOLUTION
  }
  // #endregion
}

