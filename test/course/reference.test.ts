// Course check: the reference solutions earn every point. In `npm test`, which has just run every chapter's grading
// tests on the reference, it reads their results (tools/lib/run-record.ts) instead of grading the reference again;
// run without them (this file alone, or with a few others), it grades the reference through the grader. The grader's
// handling of a lab that passes is checked on its own by grader.test.ts.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { pointsOf } from "../../tools/grader/points";
import { testFilesOf } from "../../tools/grader/test-files";
import { hiddenPoints, loadManifest, readyChapters, ROOT } from "../../tools/lib/manifest";
import { recordedResults } from "../../tools/lib/run-record";
import { listTests } from "../../tools/lib/test-list";
import { grade, type Graded } from "./grade-run";

const ready = readyChapters(loadManifest());
const LIMIT_MS = 300_000;

/** The reference's grade from the run's own results: every test the listing names must have passed in it. */
async function fromThisRun(): Promise<Graded | null> {
  const files = ready.flatMap((c) => testFilesOf(ROOT, c).map((f) => f.path));
  const recorded = await recordedResults(files, LIMIT_MS - 30_000);
  if (!recorded) return null;
  const state = new Map(recorded.flatMap((r) => r.tests.map((t) => [`${r.file}\0${t.name}`, t.state] as const)));
  const tests = [
    ...listTests(ROOT, files).map((t) => ({ name: t.name, status: state.get(`${t.file}\0${t.name}`) ?? "not run" })),
    ...recorded.flatMap((r) => r.errors.map((e) => ({ name: `${r.file}: ${e}`, status: "error" }))),
  ];
  const score = tests.reduce((s, t) => s + (t.status === "passed" ? (pointsOf(t.name) ?? 0) : 0), 0);
  return { score, max_score: ready.reduce((s, c) => s + c.points + hiddenPoints(c), 0), tests };
}

describe("the reference solutions, through the grading tests", () => {
  it("the reference solutions earn every point", async () => {
    let r = await fromThisRun();
    if (r) console.log("The reference's grade from this run's results of the chapters' tests.");
    else r = await grade(["--target", join(ROOT, "solutions")]);
    expect(r.tests.filter((t) => t.status !== "passed").map((t) => t.name)).toEqual([]);
    expect(r.score).toBe(ready.reduce((s, c) => s + c.points + hiddenPoints(c), 0));
  }, LIMIT_MS);
});
