// Loaded into the test worker while grading. Two jobs:
// 1. It writes each test's start (with its time limit and hooks), the start and end of its own function, and its
//    result to $HUB_GRADE_EVENTS from inside the worker, as soon as they are known, so the grader can tell which test
//    was running when a lab looped forever, and for how long past which limit (vitest's main process hears of results
//    in batches, and a worker stuck in a loop never sends its batch). Lab code runs in this
//    same process and could write there too: the grader never takes a pass from this file that the runner's
//    own record contradicts (run-lab.ts).
// 2. After the file's tests, it checks that the assertions still assert: a known-false `expect` must throw,
//    and the assertion methods must be the ones vitest installed. Otherwise the run fails with a mark the
//    grader looks for in the runner's record.
import { appendFileSync } from "node:fs";
import { afterAll, beforeEach, chai, expect } from "vitest";
import { fullName } from "./hang-watch";
import { ASSERTIONS_CHANGED, type WorkerEvent } from "./record";
import { followPhases } from "./test-phases";

const out = process.env.HUB_GRADE_EVENTS;

if (out) {
  beforeEach((ctx) => {
    const task = ctx.task;
    const name = fullName(task);
    const write = (event: WorkerEvent): void => appendFileSync(out, JSON.stringify(event) + "\n");
    const followed = followPhases(task, (phase, hooks) => write(
      phase === "before" ? { event: "ready", name, timeoutMs: task.timeout, hooks } : phase === "body" ? { event: "body", name } : { event: "after", name, hooks },
    ));
    // Without the stretches, the grader gives the whole test its own limit and two hooks'.
    if (!followed) write({ event: "ready", name, timeoutMs: task.timeout });
    ctx.onTestFinished((done) => {
      const r = done.task.result;
      const message = (r?.errors ?? []).map((e) => `${e.name && e.name !== "Error" ? `${e.name}: ` : ""}${e.message}`).join("\n");
      const state = r?.state === "pass" ? "passed" : r?.state === "fail" ? "failed" : String(r?.state);
      write({ event: "result", name, file: task.file.filepath, state, message, ms: r?.duration ?? 0 });
    });
  });

  // Taken before the test file (and the lab it imports) is loaded.
  const proto = chai.Assertion.prototype as object;
  const installed = new Map(Object.getOwnPropertyNames(proto).map((k) => [k, Object.getOwnPropertyDescriptor(proto, k)!]));
  afterAll(() => {
    const changed = [...installed].filter(([k, d]) => {
      const now = Object.getOwnPropertyDescriptor(proto, k);
      return !now || now.value !== d.value || now.get !== d.get || now.set !== d.set;
    }).map(([k]) => k);
    let threw = false;
    try {
      expect(1).toBe(2);
    } catch {
      threw = true;
    }
    if (!threw) changed.unshift("expect(1).toBe(2) passed");
    if (changed.length) throw new Error(`${ASSERTIONS_CHANGED}: ${changed.slice(0, 5).join(", ")}`);
  });
}
