// A lab built on an earlier one checks, before the tests that use it, what it relies on of that lab: a broken earlier
// lab then fails those tests at once with a message that names it, rather than with a result that points nowhere
// near it (a proxy test's "no client lost" when the fault is lab 08's failover). Chapter 08's own check of lab 05's
// sockets is the model (test/08-tcp-proxy.test.ts, needsLab05).
import { beforeEach } from "vitest";

const verdicts = new Map<string, string | null>();

/**
 * The problem with lab `lab`'s `what`, or null when it behaves as `check` expects. `check` throws when it does not;
 * its verdict is kept, so a file pays for it once. The message names the lab and how to grade it.
 */
export function labProblem(lab: string, what: string, check: () => void): string | null {
  const key = `${lab} ${what}`;
  if (!verdicts.has(key)) {
    let problem: string | null = null;
    try {
      check();
    } catch (e) {
      const why = e instanceof Error ? `${e.name === "Error" ? "" : `${e.name}: `}${e.message}` : String(e);
      problem = `this lab relies on your lab ${lab} (${what}), which does not behave as it should: ${why}. Fix lab ${lab} first (npm run grade ${lab}).`;
    }
    verdicts.set(key, problem);
  }
  return verdicts.get(key)!;
}

/** Throws lab `lab`'s problem (labProblem) in the test that calls it, before it starts on its own checks. */
export function requireLab(lab: string, what: string, check: () => void): void {
  const problem = labProblem(lab, what, check);
  if (problem !== null) throw new Error(problem);
}

/** `requireLab` before each test of the enclosing `describe`. */
export function needsLab(lab: string, what: string, check: () => void): void {
  beforeEach(() => requireLab(lab, what, check));
}
