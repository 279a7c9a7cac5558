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
  // TODO(task 1): park. See README.md.
  throw new Error("not implemented yet — lab 05-green-sockets, task 1: park");
}
// #endregion
