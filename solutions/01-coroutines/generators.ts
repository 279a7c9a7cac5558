// Chapter 01: generators are pausable functions — the building block of every green thread in this course.

// #region countdown
/**
 * Yields n, n-1, …, 1 and then returns "liftoff".
 * @example [...countdown(3)] // [3, 2, 1]  (spread drops the return value)
 */
export function* countdown(n: number): Generator<number, string, unknown> {
  // BEGIN SOLUTION 1 countdown
  for (let i = n; i > 0; i--) yield i;
  return "liftoff";
  // END SOLUTION
}
// #endregion

// #region running-total
/**
 * A generator you talk to: every number sent in with `next(x)` is added to a total, and the total
 * so far is yielded back. The first `next()` only starts it and gets 0.
 * @example const t = runningTotal(); t.next(); t.next(5).value // 5, then t.next(2).value // 7
 */
export function* runningTotal(): Generator<number, never, number> {
  // BEGIN SOLUTION 2 runningTotal
  let total = 0;
  for (;;) {
    const x = yield total;
    total += x;
  }
  // END SOLUTION
}
// #endregion

// #region sequence
/**
 * Runs several generators one after the other with `yield*`: their yields pass straight through to
 * whoever drives `sequence`, and each one's return value comes back as the value of its `yield*`.
 * Returns the sum of their return values.
 */
export function* sequence<T>(parts: Iterable<Generator<T, number, unknown>>): Generator<T, number, unknown> {
  // BEGIN SOLUTION 3 sequence
  let sum = 0;
  for (const part of parts) sum += yield* part;
  return sum;
  // END SOLUTION
}
// #endregion
