// The virtual backend: a clock that jumps to the next deadline instead of waiting for it. Built in chapter 02.
//
// Time is a source of non-determinism. On this clock a program that sleeps for an hour runs in
// microseconds, and it runs the same way every time: the order of events depends only on the program.
import type { Backend, Idle } from "./backend";

// #region virtual
export class VirtualBackend implements Backend {
  #now: number;

  /** @param start the clock's first reading, in milliseconds. @default 0 */
  constructor(start = 0) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  idle(deadline: number): Idle {
    // BEGIN SOLUTION 4 VirtualBackend.idle
    // Nothing outside the hub can wake it, so with no deadline the program can never move again.
    if (deadline === Infinity) return "stuck";
    if (deadline > this.#now) this.#now = deadline;
    return "advanced";
    // END SOLUTION
  }

  wake(): void {
    // A virtual hub never sleeps on the host, so there is nothing to wake.
  }
}
// #endregion
