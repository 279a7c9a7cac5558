// Chapter 01: one small program — make tea — written three ways, to feel what each style costs.
// Each step "takes time" through a timer; the point is how the code that waits for it reads.

export type Log = (line: string) => void;

// #region callbacks
/** A step that finishes later and then calls `done`: the oldest style of asynchronous code. */
function stepLater(log: Log, what: string, done: () => void): void {
  setTimeout(() => {
    log(what);
    done();
  }, 1);
}

export function teaWithCallbacks(log: Log, done: () => void): void {
  stepLater(log, "boil water", () => {
    stepLater(log, "steep the leaves", () => {
      stepLater(log, "pour", done); // every further step nests one level deeper
    });
  });
}
// #endregion

// #region promises
/** The same step as a promise: the result is a value we can pass around and chain. */
const step = (log: Log, what: string): Promise<void> =>
  new Promise((resolve) => setTimeout(() => resolve(log(what)), 1));

export function teaWithPromises(log: Log): Promise<void> {
  return step(log, "boil water")
    .then(() => step(log, "steep the leaves"))
    .then(() => step(log, "pour"));
}
// #endregion

// #region async-await
/** async/await reads top to bottom, but who runs next is decided by V8's microtask queue, not by us. */
export async function teaWithAsync(log: Log): Promise<void> {
  await step(log, "boil water");
  await step(log, "steep the leaves");
  await step(log, "pour");
}
// #endregion
