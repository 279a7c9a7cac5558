// Follows a running test through the three stretches of its run that have time limits of their own: the before hooks,
// the test's own function, and what runs after it (after hooks, cleanups, onTestFinished handlers). Loaded into the
// test worker by setup.ts (while grading) and stuck-notice.ts (on a learner's own run), so that a test stuck in a loop
// is named a few seconds past the limit of the stretch it is in, not past the sum of every limit it could have had.
// From vitest's runner itself, a dependency of the course of the same version as vitest's (package.json): `vitest/suite`
// re-exports these with a deprecation warning on every import, and the `TestRunner` statics meant to replace it have
// no setter of a test's function in vitest 4.1 (its `setTestFn` is `getFn`).
import { getFn, getHooks, setFn, type Suite, type Test } from "@vitest/runner";

/** A stretch of a test's run: its before hooks, its own function, or what runs after it. */
export type Phase = "before" | "body" | "after";

/** The suite around `s`, as vitest's runner walks it: a top-level describe names only its file, and a file none. */
const parentOf = (s: Suite): Suite | undefined => ("filepath" in s ? undefined : s.suite ?? s.file);

/** The hooks of `kind` that apply to a test of `suite`: its own, and each enclosing suite's up to its file's. */
export function hooksAbove(suite: Suite, kind: "beforeEach" | "afterEach"): number {
  let n = 0;
  for (let s: Suite | undefined = suite; s; s = parentOf(s)) n += getHooks(s)[kind].length;
  return n;
}

/** What vitest's runner keeps on a running test beyond its types: the handlers it will call when the test ends. */
interface Handlers {
  onFinished?: readonly unknown[];
  onFailed?: readonly unknown[];
}

/** The functions wrapped so far, so that a retry of the same test does not wrap its wrapper. */
const originals = new WeakMap<Test, ReturnType<typeof getFn>>();

/**
 * Called from a beforeEach hook that the setup file registered (so it runs before the test file's own): reports the
 * before stretch now, with the hooks still to run in it; then, by wrapping the test's function, the start of that
 * function, and its end with the hooks and handlers still to run after it. Each count errs high (a handler the caller
 * registered is counted though it runs quickly; every other beforeEach counts as a possible cleanup), so a limit made
 * from it is never short. Returns false, reporting nothing, where it cannot wrap the function: a second copy of
 * vitest's runner (one not deduplicated with vitest's own) would hold other tests than the running one.
 */
export function followPhases(test: Test, enter: (phase: Phase, hooks: number) => void): boolean {
  const fn = originals.get(test) ?? getFn(test);
  if (typeof fn !== "function") return false;
  originals.set(test, fn);
  const suite = test.suite ?? test.file;
  // The caller's own beforeEach is one of them, and has run; it returns no cleanup.
  const before = Math.max(0, hooksAbove(suite, "beforeEach") - 1);
  enter("before", before);
  setFn(test, async () => {
    enter("body", 0);
    try {
      return await fn();
    } finally {
      // vitest runs, after the function: the afterEach hooks, the cleanups beforeEach hooks returned, and the
      // onTestFinished and onTestFailed handlers (the test's own, registered while it ran, and the caller's).
      const handlers = test as Test & Handlers;
      enter("after", hooksAbove(suite, "afterEach") + before + (handlers.onFinished?.length ?? 0) + (handlers.onFailed?.length ?? 0));
    }
  });
  return true;
}
