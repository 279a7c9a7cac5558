// Course check: the grader survives labs that hang, throw at import or pass half their tests, and its
// reports are what Gradescope and JUnit readers expect. Runs the real grader on test/fixtures/grader.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { interpret } from "../../tools/grader/run-lab";
import { ROOT } from "../../tools/lib/manifest";

const fixture = join(ROOT, "test/fixtures/grader");

interface Gradescope {
  score: number;
  max_score: number;
  execution_time: number;
  output: string;
  tests: { name: string; score: number; max_score: number; status: string; output: string; visibility: string }[];
}

describe("the grader, on labs that misbehave", () => {
  let out: string;
  let results: Gradescope;
  let stdout: string;
  const test = (lab: string) => results.tests.filter((t) => t.name.startsWith(lab));

  beforeAll(() => {
    out = mkdtempSync(join(tmpdir(), "grader-fixture-"));
    // execFileSync throws on a non-zero exit: a misbehaving lab must never fail the grader itself.
    stdout = execFileSync(
      process.execPath,
      ["--import", "tsx", join(ROOT, "tools/grade.ts"), "--root", fixture, "--target", join(fixture, "labs"), "--out", out, "--quiet"],
      { cwd: ROOT, encoding: "utf8", env: { ...process.env, NO_COLOR: "1", GITHUB_STEP_SUMMARY: join(out, "step-summary.md") } },
    );
    results = JSON.parse(readFileSync(join(out, "results.json"), "utf8")) as Gradescope;
  }, 90_000);
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it("writes a Gradescope results.json with every lab's points counted", () => {
    expect(results.max_score).toBe(10);
    expect(results.score).toBe(4);
    expect(results.execution_time).toBeGreaterThan(0);
    for (const t of results.tests) {
      expect(["passed", "failed"]).toContain(t.status);
      expect(t.score).toBeLessThanOrEqual(t.max_score);
    }
  });

  it("stops a synchronous endless loop, keeps the points earned before it, and runs the tests after it", () => {
    const hangs = test("01-hangs");
    expect(hangs.find((t) => t.name.endsWith("returns 1 (1 pts)"))?.status).toBe("passed");
    expect(hangs.find((t) => t.name.endsWith("spin > returns (2 pts)"))?.output).toMatch(/timed out/);
    expect(hangs.find((t) => t.name.endsWith("still runs after the hang (1 pts)"))?.status).toBe("passed");
    expect(results.output).toMatch(/01-hangs: 2\/4 \(timed out\)/);
  });

  it("reports a throw at import as the lab's load error, with its points counted as lost", () => {
    const throws = test("02-throws");
    expect(throws.reduce((s, t) => s + t.max_score, 0)).toBe(2);
    expect(throws.every((t) => t.status === "failed" && /throws at import time/.test(t.output))).toBe(true);
  });

  it("gives a lab that passes half its tests half its points, with the first line of each failure", () => {
    const half = test("03-half");
    expect(half.filter((t) => t.status === "passed")).toHaveLength(2);
    expect(half.find((t) => t.name.endsWith("doubles 20 (1 pts)"))?.output).toMatch(/expected 20 to be 40/);
  });

  it("writes JUnit XML, a markdown summary, the step summary and a terminal table", () => {
    const junit = readFileSync(join(out, "junit.xml"), "utf8");
    expect(junit.match(/<testcase /g)).toHaveLength(results.tests.length);
    expect(junit.match(/<failure /g)).toHaveLength(results.tests.filter((t) => t.status === "failed").length);
    expect(readFileSync(join(out, "summary.md"), "utf8")).toMatch(/\| 03-half \| Half \| 2\/4 \| completed \|/);
    expect(readFileSync(join(out, "step-summary.md"), "utf8")).toMatch(/4\/10 points/);
    expect(stdout).toMatch(/Total 4\/10 points in 3 lab\(s\)/);
  });
});

describe("the grader's verdict on a run that never started", () => {
  it("calls it a harness error, not the learner's failure", () => {
    const run = { lab: "01-x", title: "X", root: ROOT, target: ROOT, files: [], seconds: 5, points: 3, outputBytes: 100 };
    const r = interpret(run, [], { code: 1, timedOut: false, log: "Error: Cannot find module vitest", hung: [], seconds: 0.1 });
    expect(r.outcome).toBe("harness error");
    expect(r.note).toMatch(/not the learner's fault/);
    expect(r.max).toBe(3);
  });
});
