// GreenThread: a greenlet you can wait for, kill, cancel and link to; and spawn functions that make one.
// Built in chapter 03 on mechanisms of chapter 02's hub: Greenlet.onExit, Hub.throwInto and the SWITCH trap.
import { getCurrent, getHub, sleep } from "../02-hub/green";
import { Greenlet, GreenletExit } from "../02-hub/greenlet";
import type { Hub } from "../02-hub/hub";
import { PARK, type Green } from "../02-hub/suspend";

// The rest of the green-thread API, so that programs import one module.
export { getCurrent, getHub, runReal, runVirtual, sleep, spawnN } from "../02-hub/green";
export { GreenletExit };

export class GreenThread<T = unknown> extends Greenlet<T> {
  // #region wait
  /**
   * Waits until the thread ends; returns what it returned, or throws what it threw (GreenletExit when
   * it was killed). Returns at once for a thread that is already dead.
   */
  *wait(): Green<T> {
    // BEGIN SOLUTION 1 GreenThread.wait
    if (!this.dead) {
      const me = getCurrent();
      if (me === this) throw new Error(`green thread "${this.name}" cannot wait for itself`);
      const wake = resumer(this.hub, me);
      this.onExit(wake);
      try {
        while (!this.dead) yield PARK; // a loop, so a stray wake-up cannot end the wait early
      } finally {
        // Killed or timed out while waiting: stop listening, or the exit would wake us much later.
        this.offExit(wake);
      }
    }
    if (this.failed) throw this.error;
    return this.result as T;
    // END SOLUTION
  }
  // #endregion

  // #region kill
  /**
   * Ends the thread by throwing `error` (GreenletExit by default) at its current yield point, and switches
   * to it at once, as eventlet's kill does: when `yield* t.kill()` returns, the thread has received the
   * error and run to its next yield point (its `finally` blocks, unless one of them blocks). The caller then
   * waits its turn at the back of the run queue. A kill is final: it replaces a Timeout on its way.
   * - a dead thread is left alone, and the caller does not switch;
   * - a thread that never started never runs: it ends at once (its links run, its waiters get the error),
   *   and the caller yields once, as after `sleep(0)`;
   * - a thread that kills itself gets the error thrown right here;
   * - a hub timer callback cannot switch: use `killSoon` there.
   */
  *kill(error: unknown = new GreenletExit()): Green<void> {
    // BEGIN SOLUTION 2 GreenThread.kill
    if (this.dead) return;
    const hub = this.hub;
    if (hub.current === null) {
      throw new Error(`kill() switches threads, and a hub callback cannot switch: call killSoon() there`);
    }
    if (this === hub.current) throw error;
    if (!this.started) {
      this.finish(undefined, error); // the hub skips dead threads in its queue; spawnAfter starts only "new" ones
      yield* sleep(0);
      return;
    }
    // The victim may have been woken with a value (an item, a permit) before the kill: it gets the value
    // first and the error at its next yield point, so it can take two switches.
    do yield hub.switchTo(this, error);
    while (!this.dead && this.pendingError === error);
    // END SOLUTION
  }

  /**
   * Kills without switching, for a hub timer callback (which cannot switch) or a thread that must not
   * yield here: the error is on its way (final, as for kill) and the thread receives it at its turn.
   * A thread that never started never runs; a dead thread is left alone; a thread that calls it on
   * itself gets the error at its next yield point.
   */
  killSoon(error: unknown = new GreenletExit()): void {
    // BEGIN SOLUTION 2 GreenThread.killSoon
    if (this.dead) return;
    if (!this.started) return this.finish(undefined, error);
    this.hub.throwInto(this, error, true);
    // END SOLUTION
  }

  /** Kills the thread only if it has not started yet; never switches. Returns whether it did. */
  cancel(error: unknown = new GreenletExit()): boolean {
    // BEGIN SOLUTION 2 GreenThread.cancel
    if (this.started) return false;
    this.killSoon(error);
    return true;
    // END SOLUTION
  }
  // #endregion

  // #region link
  /**
   * Calls `fn(thread)` when the thread ends, on the hub, in the order links were added; at once when it
   * has already ended. `fn` must not block: to react by blocking, spawn a thread from it.
   */
  link(fn: (thread: GreenThread<T>) => void): void {
    // BEGIN SOLUTION 3 GreenThread.link
    this.onExit(fn as (g: Greenlet<T>) => void);
    // END SOLUTION
  }

  /** Removes a link. Returns whether it was there. */
  unlink(fn: (thread: GreenThread<T>) => void): boolean {
    // BEGIN SOLUTION 3 GreenThread.unlink
    return this.offExit(fn as (g: Greenlet<T>) => void);
    // END SOLUTION
  }
  // #endregion
}

/**
 * An exit listener that resumes `me`. Made by this function rather than written `const wake = () => …` inside wait:
 * tsx, which runs the course's TypeScript, gives every arrow stored under a name a `name` property of its own, about
 * 250 bytes of heap for each waiting thread (bench/README.md). An arrow returned from a function has none.
 */
function resumer(hub: Hub, me: Greenlet): () => void {
  return () => {
    hub.resume(me);
  };
}

// #region spawn
/** Starts `fn(...args)` as a green thread and returns it; it runs when the caller next yields. */
export function spawn<A extends unknown[], T>(fn: (...args: A) => Green<T>, ...args: A): GreenThread<T> {
  const hub = getHub();
  const g = new GreenThread<T>(hub, fn(...args), fn.name, hub.nextSerial());
  hub.start(g);
  return g;
}

/** Starts `fn(...args)` as a green thread `ms` milliseconds from now; `cancel()` it to call it off. */
export function spawnAfter<A extends unknown[], T>(
  ms: number,
  fn: (...args: A) => Green<T>,
  ...args: A
): GreenThread<T> {
  const hub = getHub();
  const g = new GreenThread<T>(hub, fn(...args), fn.name, hub.nextSerial());
  hub.schedule(ms, () => {
    if (g.state === "new") hub.start(g);
  });
  return g;
}
// #endregion
