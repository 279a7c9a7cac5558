// The real backend: the hub runs inside Node's event loop and sleeps on a Node timer. Built in chapter 02.
//
// When no thread can run, the hub returns to Node, as eventlet's asyncio hub returns to asyncio's loop.
// Node then runs everyone else's callbacks (sockets in Part II) and calls the hub back at the next
// deadline, or sooner when `wake()` says a callback made a thread runnable.
import { performance } from "node:perf_hooks";
import type { Backend, Idle } from "./backend";

// #region real
export class RealBackend implements Backend {
  #timer: ReturnType<typeof setTimeout> | undefined;
  #immediate: ReturnType<typeof setImmediate> | undefined;
  #resume: (() => void) | undefined;

  now(): number {
    return performance.now();
  }

  idle(deadline: number, resume: () => void): Idle {
    // BEGIN SOLUTION 6 RealBackend.idle
    this.#resume = resume;
    const delay = deadline - this.now();
    if (delay <= 0) this.wake(); // a turn of Node's loop (its I/O included), then straight back
    else if (deadline !== Infinity) this.#timer = setTimeout(this.#fire, delay);
    // With no deadline we set nothing: only a callback calling wake() can move the program now.
    // Simplification: a production backend would tell a deadlock (no timer, no socket, nothing) from a
    // wait for I/O; with nothing keeping Node alive, ours just lets the process end.
    return "asleep";
    // END SOLUTION
  }

  wake(): void {
    // BEGIN SOLUTION 6 RealBackend.wake
    if (this.#immediate !== undefined || this.#resume === undefined) return; // already on its way
    clearTimeout(this.#timer);
    this.#timer = undefined;
    // setImmediate runs after Node has polled for I/O: other callbacks get their turn first.
    this.#immediate = setImmediate(this.#fire);
    // END SOLUTION
  }

  /** Calls the hub back once; the hub calls idle() again if it runs out of work. */
  readonly #fire = (): void => {
    clearTimeout(this.#timer);
    if (this.#immediate !== undefined) clearImmediate(this.#immediate);
    this.#timer = this.#immediate = undefined;
    const resume = this.#resume;
    this.#resume = undefined;
    resume?.();
  };
}
// #endregion
