// The backend contract: how the hub waits when no green thread can run. Built in chapter 02.
//
// This is the hub's one seam to the outside world. The hub never asks for "the time" or "a timer"
// from Node directly; it asks its backend. A real backend waits on Node's event loop; a virtual one
// jumps its clock to the next deadline and returns at once. Part II's simulated network is a virtual
// backend that also delivers packets while it "waits".

// #region backend
/** What `Backend.idle` did, which tells the hub what to do next. */
export type Idle =
  /** Time has moved (or the host had its turn) synchronously: run the loop again now. */
  | "advanced"
  /** The backend will call `resume()` later, from the host's event loop: return from the loop now. */
  | "asleep"
  /** Nothing can ever happen again: no deadline, nothing outside the hub to wait for. */
  | "stuck";

export interface Backend {
  /** The current time in milliseconds; it never goes backwards. */
  now(): number;
  /**
   * Called when no thread is runnable, or when the host deserves a turn. `deadline` is the time of
   * the earliest timer (Infinity when there is none; `now()` or earlier to ask for a turn of the host's
   * own loop and come straight back). Either advance time to `deadline` and return "advanced", or arrange
   * to call `resume` once the deadline passes or something external happens and return "asleep".
   */
  idle(deadline: number, resume: () => void): Idle;
  /** Something outside the hub made a thread runnable while the hub was asleep: call `resume` soon. */
  wake(): void;
}
// #endregion
