// Parking with a deadline: how a socket call waits for readiness and gives up on time. Built in chapter 05.
//
// A socket call that must wait records the running thread as its waiter (so the socket's event can
// `hub.resume` it) and parks. With a timeout it also sets a hub timer that throws TimedOutError into the
// thread, and whichever comes first wins: principle 4 of the hub (first come, first served) makes sure the
// loser does nothing.
import { getHub } from "../02-hub/hub";
import { PARK, type Green } from "../02-hub/suspend";
import { TimedOutError } from "./errors";

// #region park
/**
 * Parks the running thread until someone resumes it, or for at most `timeout` milliseconds, after which it
 * throws TimedOutError("`what` timed out…"). `null` waits forever and costs nothing but the park itself.
 */
export function* park(timeout: number | null, what: string): Green<unknown> {
  // BEGIN SOLUTION 1 park
  if (timeout === null) return yield PARK;
  const hub = getHub();
  const me = hub.current!;
  let fired: TimedOutError | null = null;
  // The error is made only if the timer fires: an Error captures a stack, which costs microseconds.
  const timer = hub.schedule(timeout, () => {
    fired = new TimedOutError(`${what} timed out after ${timeout} ms`);
    hub.throwInto(me, fired);
  });
  try {
    return yield PARK;
  } finally {
    // Woken with a value in the same pass as the timer fired: take the error back, the wait succeeded.
    if (!timer.cancel() && fired !== null) hub.retract(me, fired);
  }
  // END SOLUTION
}
// #endregion
