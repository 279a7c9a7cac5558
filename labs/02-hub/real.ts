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
    // TODO(task 6): RealBackend.idle. See README.md.
    throw new Error("not implemented yet — lab 02-hub, task 6: RealBackend.idle");
  }

  wake(): void {
    // TODO(task 6): RealBackend.wake. See README.md.
    throw new Error("not implemented yet — lab 02-hub, task 6: RealBackend.wake");
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
