// The traps: every way a green thread can suspend, in one file. Built in chapter 02 (the hub).
//
// A green thread is a generator that yields only these values. The hub reads each one in a single
// `switch` (Hub's dispatch), so this file is the whole contract between a thread and its scheduler:
// to find every place a thread may switch, search the source for `yield`.

// #region traps
/** Run me again after every other thread that is runnable now has had a turn (`sleep(0)`). */
export const YIELD = "yield";
/** Do not run me until someone calls `hub.resume(me)` or `hub.throwInto(me, error)`. */
export const PARK = "park";
/**
 * Put me at the back of the run queue, as YIELD does, but first run the thread named by `hub.switchTo(g, error)`
 * with that error, at once. Only `kill` (chapter 03) yields it: `yield hub.switchTo(victim, error)`.
 */
export const SWITCH = "switch";

/** One suspension request. Strings cost nothing to yield: no object is allocated per switch. */
export type Suspend = typeof YIELD | typeof PARK | typeof SWITCH;

/**
 * A green thread, or any blocking call inside one: a generator that yields traps and returns a `T`.
 * Call it with `yield*` so that its traps reach the hub: `const line = yield* sock.recvLine()`.
 */
export type Green<T = void> = Generator<Suspend, T, unknown>;
// #endregion
