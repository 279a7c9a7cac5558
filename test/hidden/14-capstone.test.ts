// Instructor-only tests for lab 14-capstone: edge cases the public tests leave out. Graded by the instructor's
// grader and the Gradescope autograder; never handed out with the student edition.
import { describe, expect, it } from "vitest";
// --- imports: core (tasks 1–4)

// --- imports: drill (task 5)
import { parseSeeds } from "@target/14-capstone/drill-cli";
import { runDrill } from "@target/14-capstone/drill";
import { firstTimeIn, percentile, summarize, verdict, type DrillEvent } from "@target/14-capstone/drill-report";
import { checkScenario, QUICK_SCENARIO, type Scenario } from "@target/14-capstone/drill-scenario";

// --- imports: workers (task 6)

// --- end imports

// --- tests: core (tasks 1–4)

// --- tests: drill (task 5)
describe("task 5: the chaos drill's report", () => {
  const req = (start: number, ms: number, ok = true): DrillEvent => ({ kind: "request", start, end: start + ms, ok });
  const state = (t: number, backend: string, usable: boolean): DrillEvent => ({ kind: "state", t, backend, usable });

  it("percentile: p100 is the largest, a tiny p the smallest, one value is every percentile (1 pts)", () => {
    expect(percentile([3, 9, 1, 7], 100)).toBe(9);
    expect(percentile([3, 9, 1, 7], 0.1), "ceil(0.001 × 4) = 1st").toBe(1);
    expect(percentile([42], 99)).toBe(42);
    expect(percentile([2, 2, 2, 10], 75), "ceil(0.75 × 4) = 3rd").toBe(2);
  });

  it("a reload: the removed backend's time out and the added one's time in, both from the reload; an empty window's p99 is null (1 pts)", () => {
    const s: Scenario = {
      seed: 1, backends: ["b1", "b2"], duration: 2000, rate: 10, service: { min: 1, mean: 1 }, clientTimeout: 1000,
      faults: [{ kind: "reload", at: 1000, for: 500, add: ["b3"], remove: ["b2"] }],
    };
    const log = [req(100, 10), state(1000, "b2", false), state(1040, "b3", true), req(1600, 5)];
    const r = summarize(s, true, log);
    expect(r.windows[1], "the reload").toEqual({ name: "reload +b3 -b2", from: 1000, to: 1500, requests: 0, lost: 0, p99: null, outAfter: 0, backAfter: 40 });
    expect(firstTimeIn(log, "b3", true, 0, 1000, false), "b3 is not usable before it is added").toBeNull();
    expect(verdict(s, r), "nothing lost, the added backend got in").toEqual([]);
  });

  it("a flap or a partition taken out but never back fails the verdict; bad scenarios and seed ranges are refused (1 pts)", () => {
    const s: Scenario = {
      seed: 1, backends: ["b1"], duration: 3000, rate: 10, service: { min: 1, mean: 1 }, clientTimeout: 1000,
      faults: [{ kind: "partition", backend: "b1", at: 1000, for: 500 }],
    };
    const r = summarize(s, true, [req(1100, 1000, false), state(1200, "b1", false)]);
    expect(verdict(s, r)).toEqual(["1 of 1 requests lost", "partition b1: never used again"]);
    expect(() => checkScenario({ ...s, faults: [{ kind: "kill", backend: "b9", at: 10, for: 10 }] })).toThrow("names an unknown backend");
    expect(() => checkScenario({ ...s, faults: [{ kind: "kill", backend: "b1", at: 5000, for: 10 }] })).toThrow("is outside the run");
    expect(parseSeeds("3..5")).toEqual([3, 4, 5]);
    expect(() => parseSeeds("5..3")).toThrow("is empty");
    expect(() => runDrill({ ...QUICK_SCENARIO, backends: [] })).toThrow("no backends");
  });
});

// --- tests: workers (task 6)

// --- end tests
