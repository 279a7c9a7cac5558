// Course check: the grader survives labs that hang, throw at import or pass half their tests; it cannot be
// fooled by labs that forge results, disable the assertions or write into the runner's record, and leaves no
// process a lab started running; its reports are what Gradescope and JUnit readers expect and show a learner
// each task's first failure in full. Runs the real grader on test/fixtures/grader.
import { execFileSync, spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, onTestFinished, vi } from "vitest";
import { RULES, scanLab, scanText } from "../../tools/grader/lab-scan";
import { ASSERTIONS_CHANGED, newKey, openRecord, sealLine } from "../../tools/grader/record";
import { plain } from "../../tools/grader/failure-text";
import { terminalReport } from "../../tools/grader/report";
import LearnerReporter, { PROGRESS_AFTER_MS } from "../../tools/grader/learner-reporter";
import { GRACE_MS, parseWorkerEvents, RunningTests } from "../../tools/grader/hang-watch";
import { setHooks, type Suite, type SuiteHooks } from "@vitest/runner";
import { followPhases, hooksAbove, type Phase } from "../../tools/grader/test-phases";
import { type Attempt, interpret, type LabRun, skippedGroups, skipPattern } from "../../tools/grader/run-lab";
import { testFilesOf } from "../../tools/grader/test-files";
import { loadManifest, readyChapters, ROOT } from "../../tools/lib/manifest";
import { isAlive, spawnGroup } from "../../tools/lib/process-group";
import { supervise } from "../../tools/lib/watch-supervisor";
import { until } from "../support/cluster";

const fixture = join(ROOT, "test/fixtures/grader");

interface Gradescope {
  score: number;
  max_score: number;
  execution_time: number;
  output: string;
  tests: { name: string; score: number; max_score: number; status: string; output: string; visibility: string }[];
}

/** Alive and not a zombie (a killed process whose parent has not reaped it yet is dead for our purpose). */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return !/^[ZX]/.test(stat.slice(stat.lastIndexOf(")") + 2));
  } catch {
    if (existsSync("/proc/self")) return false;
  }
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
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
      {
        cwd: ROOT, encoding: "utf8",
        env: { ...process.env, NO_COLOR: "1", COLUMNS: "100", GITHUB_STEP_SUMMARY: join(out, "step-summary.md"), HUB_FIXTURE_PIDS: join(out, "pids") },
      },
    );
    results = JSON.parse(readFileSync(join(out, "results.json"), "utf8")) as Gradescope;
  }, 120_000);
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it("writes a Gradescope results.json with every lab's points counted", () => {
    expect(results.max_score).toBe(19);
    expect(results.score).toBe(5);
    expect(results.execution_time).toBeGreaterThan(0);
    for (const t of results.tests) {
      expect(["passed", "failed"]).toContain(t.status);
      expect(t.score).toBeLessThanOrEqual(t.max_score);
    }
  });

  it("stops a synchronous endless loop soon after its test's time limit, and runs every other test, of its group too", () => {
    const hangs = test("01-hangs");
    expect(hangs.find((t) => t.name.endsWith("returns 1 (1 pts)"))?.status).toBe("passed");
    // Stopped by the watch on its test's own limit (1 s; the file has no hooks), not at the lab's 10 s.
    expect(hangs.find((t) => t.name.endsWith("spin > returns (2 pts)"))?.output).toMatch(/^stuck: this test was still running [4-9](\.\d)? s after it started, in its own code, past its time limit \(1 s\)/);
    expect(hangs.find((t) => t.name.endsWith("runs again, without the test that hung (1 pts)"))?.status).toBe("passed");
    expect(hangs.find((t) => t.name.endsWith("still runs after the hang (1 pts)"))?.status).toBe("passed");
    expect(results.output).toMatch(/01-hangs: 3\/5 \(timed out\)/);
  });

  it("reports a throw at import as the lab's load error, with its points counted as lost", () => {
    const throws = test("02-throws");
    expect(throws.reduce((s, t) => s + t.max_score, 0)).toBe(2);
    expect(throws.every((t) => t.status === "failed" && /throws at import time/.test(t.output))).toBe(true);
  });

  it("gives a lab that passes half its tests half its points, with the first line of each failure", () => {
    const half = test("03-half");
    expect(half.filter((t) => t.status === "passed")).toHaveLength(3); // two of the doubles, and task 5's 0-point test
    expect(half.find((t) => t.name.endsWith("doubles 20 (1 pts)"))?.output).toMatch(/expected 20 to be 40/);
    // A test its task's beforeAll kept from running: failed, and its output says why (vitest gives it no error of its own).
    expect(half.find((t) => t.name.endsWith("answers (1 pts)"))).toMatchObject({
      status: "failed", score: 0, output: "not run, since a beforeAll hook failed: the service did not start: double(30) gave 30",
    });
  });

  it("writes JUnit XML, a markdown summary, the step summary and a terminal table", () => {
    const junit = readFileSync(join(out, "junit.xml"), "utf8");
    expect(junit.match(/<testcase /g)).toHaveLength(results.tests.length);
    expect(junit.match(/<failure /g)).toHaveLength(results.tests.filter((t) => t.status === "failed").length);
    expect(readFileSync(join(out, "summary.md"), "utf8")).toMatch(/\| 03-half \| Half \| 2\/5 \| completed \|/);
    expect(readFileSync(join(out, "step-summary.md"), "utf8")).toMatch(/5\/19 points/);
    expect(stdout).toMatch(/Total 5\/19 points in 7 lab\(s\)/);
  });

  it("shows the first failure of each task in full, with a diff that points at the element that differs", () => {
    const list = test("03-half").find((t) => t.name.endsWith("doubles every element of a list (0 pts)"))!;
    expect(list.output).toMatch(/expected \[.*\] to deeply equal \[.*\]/);
    expect(list.output).toMatch(/^- +24,$/m);
    expect(list.output).toMatch(/^\+ +12,$/m);
    expect(stdout).toMatch(/^ +- +24,$/m);
    expect(stdout).toMatch(/Every failure in full: .*report\.txt/);
    expect(readFileSync(join(out, "report.txt"), "utf8")).toMatch(/expected 50 to be 100/);
  });

  it("scores 0, as tampered with, a lab that writes passes for every test into the worker's events file", () => {
    const forged = test("04-forges");
    expect(forged.every((t) => t.score === 0 && /results tampered with/.test(t.output))).toBe(true);
    expect(results.output).toMatch(/04-forges: 0\/2 \(tampered\) — results tampered with: the test process says .* passed, the test runner says it failed/);
  });

  it("scores 0 a lab that disables the assertions, found by the scan and by the check after its tests", () => {
    expect(test("05-patches").every((t) => t.score === 0 && /results tampered with/.test(t.output))).toBe(true);
    expect(results.output).toMatch(/05-patches: 0\/2 \(tampered\) — results tampered with: 05-patches\/code\.ts:3 imports the test framework/);
    // Every reason, in the terminal and in JUnit.
    expect(stdout).toContain(ASSERTIONS_CHANGED);
    const junit = readFileSync(join(out, "junit.xml"), "utf8");
    expect(junit).toMatch(/<property name="outcome" value="tampered"\/>/);
    expect(junit).toContain(ASSERTIONS_CHANGED);
  });

  it("says so in every report: terminal, results.json, JUnit, the summaries", () => {
    for (const text of [stdout, results.output, readFileSync(join(out, "junit.xml"), "utf8"), readFileSync(join(out, "summary.md"), "utf8"), readFileSync(join(out, "step-summary.md"), "utf8")]) {
      expect(text).toMatch(/04-forges[\s\S]*results tampered with/);
    }
  });

  // Finding a detached process needs /proc (Linux); elsewhere the grader can only kill the process group.
  it.skipIf(!existsSync("/proc/self/stat"))("leaves no process a lab started behind, even one detached from its process group", () => {
    const pids = readFileSync(join(out, "pids"), "utf8").split("\n").filter(Boolean).map(Number);
    expect(pids).toHaveLength(2);
    expect(pids.filter(alive)).toEqual([]);
  });

  it("takes nothing from a lab that writes into the runner's record through /proc", () => {
    expect(test("07-pipes").every((t) => t.status === "failed" && t.score === 0)).toBe(true);
  });
});

describe("the runner's record", () => {
  const key = newKey();
  it("keeps the lines it sealed, in order", () => {
    const text = sealLine(key, 0, { event: "start" }) + sealLine(key, 1, { event: "end", unhandled: [], reason: "passed" });
    expect(openRecord(key, text)).toEqual({ events: [{ event: "start" }, { event: "end", unhandled: [], reason: "passed" }], problems: [] });
  });
  it("finds a line written with another key, or none, and a line taken out", () => {
    const forged = sealLine(newKey(), 1, { event: "result", name: "x (1 pts)", file: "", state: "passed", message: "", diff: "", ms: 0 });
    const r = openRecord(key, sealLine(key, 0, { event: "start" }) + forged + `{"seq":1}\n` + sealLine(key, 2, { event: "end", unhandled: [], reason: "passed" }));
    expect(r.problems).toHaveLength(3);
    expect(r.events.some((e) => e.event === "result")).toBe(false);
  });
});

describe("a learner's own run of a lab (npm run watch, vitest with HUB_TARGET)", () => {
  /**
   * A copy of the fixture labs whose spin blocks without spinning: it never gives the event loop back either, and
   * costs no CPU while the notice is awaited (the grader's run above spins for real).
   */
  const blockedLabs = (): string => {
    const tree = mkdtempSync(join(tmpdir(), "watch-lab-"));
    cpSync(join(fixture, "labs"), tree, { recursive: true });
    const code = join(tree, "01-hangs/code.ts");
    writeFileSync(code, readFileSync(code, "utf8").replace(/export function spin[^]*$/, "export function spin(): number {\n  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);\n  return 1;\n}\n"));
    return tree;
  };

  it("names a test stuck in an endless loop on stderr, where the run would otherwise go quiet", async () => {
    // No grader here: the fixture's blocked test holds its worker for good, and only the notice says why.
    const tree = blockedLabs();
    const run = spawnGroup(process.execPath, [join(ROOT, "node_modules/vitest/vitest.mjs"), "run", "test/01-hangs.test.ts", "--root", fixture], {
      cwd: ROOT, stdio: ["ignore", "ignore", "pipe"], deadlineMs: 30_000,
      env: { ...process.env, HUB_TARGET: tree, VITE_CONFIG_NATIVE_IGNORE_WARNING: "true" },
    });
    onTestFinished(() => rmSync(tree, { recursive: true, force: true }));
    let stderr = "";
    const notice = await new Promise<string>((done) => {
      run.child.stderr?.on("data", (chunk: Buffer) => {
        stderr += chunk.toString();
        if (stderr.includes("without giving the event loop back")) done(stderr);
      });
      run.child.once("exit", () => done(stderr));
    });
    run.kill();
    // The fixture's limit is 1 s a test (it has no hooks), then the grace.
    expect(notice).toMatch(/"task 2: spin > returns \(2 pts\)" has run for [4-9] s without giving the event loop back/);
    expect(notice).toMatch(/Stop with Ctrl-C/);
  }, 40_000);

  it("npm run watch's summary counts a test that a failed beforeAll kept from running as failed, with the hook's error", () => {
    const r = spawnSync(process.execPath, [join(ROOT, "node_modules/vitest/vitest.mjs"), "run", "test/03-half.test.ts", "--root", fixture, "--reporter", join(ROOT, "tools/grader/learner-reporter.ts")], {
      cwd: ROOT, encoding: "utf8", timeout: 60_000, killSignal: "SIGKILL",
      // No lab named: the run saves no progress and starts no type check.
      env: { ...process.env, HUB_TARGET: join(fixture, "labs"), HUB_LAB: "", NO_COLOR: "1", VITE_CONFIG_NATIVE_IGNORE_WARNING: "true" },
    });
    const out = plain(r.stdout);
    expect(out, r.stderr).toMatch(/✗ task 4: 0\/2 tests, 0\/1 pts\n +answers \(1 pts\)\n +not run, since a beforeAll hook failed: the service did not start: double\(30\) gave 30\n/);
    expect(out).toMatch(/\n✓ task 5: 1\/1 tests, 0\/0 pts\nA hook of "task 5: a teardown" failed: the teardown found double\(40\) = 40\n/);
    expect(out).toMatch(/\n2\/5 points\. Next: task 2 /);
    expect(out, "the tests the hook kept from running counted as left out by a filter").not.toMatch(/left out/);
    // A test a filter leaves out is left out, even beside one its failed beforeAll kept from running.
    const filtered = spawnSync(process.execPath, [join(ROOT, "node_modules/vitest/vitest.mjs"), "run", "test/03-half.test.ts", "--root", fixture, "--reporter", join(ROOT, "tools/grader/learner-reporter.ts"), "-t", "a service answers \\("], {
      cwd: ROOT, encoding: "utf8", timeout: 60_000, killSignal: "SIGKILL",
      env: { ...process.env, HUB_TARGET: join(fixture, "labs"), HUB_LAB: "", NO_COLOR: "1", VITE_CONFIG_NATIVE_IGNORE_WARNING: "true" },
    });
    expect(plain(filtered.stdout), filtered.stderr).toMatch(/\n✗ task 4: 0\/1 tests, 0\/1 pts\n +answers \(1 pts\)\n +not run, since a beforeAll hook failed: the service did not start/);
    expect(plain(filtered.stdout)).toMatch(/\n0\/1 points\. Next: task 4 /);
  }, 70_000);

  it("npm run watch's summary: a run that goes on past a second shows each task as it finishes, a shorter one nothing before the summary", async () => {
    // A task's describe as vitest's reporter API gives it: its tests, each with its name and result.
    const suite = (n: number, states: string[]) => ({
      parent: { type: "module" },
      children: {
        *allTests() {
          for (const [i, state] of states.entries()) {
            // A skipped test here is one a filter left out (its mode "skip"), not one a failed hook kept from running.
            yield {
              fullName: `task ${n}: t > t${i} (1 pts)`, name: `t${i} (1 pts)`, result: () => ({ state }),
              options: { mode: state === "skipped" ? "skip" : "run" }, parent: { type: "module", errors: () => [] },
            };
          }
        },
      },
    }) as unknown as Parameters<LearnerReporter["onTestSuiteResult"]>[0];
    const lines: string[] = [];
    vi.useFakeTimers();
    const log = vi.spyOn(console, "log").mockImplementation((line: string) => void lines.push(plain(line)));
    try {
      const reporter = new LearnerReporter();
      reporter.onTestRunStart();
      reporter.onTestSuiteResult(suite(1, ["passed", "passed"]));
      vi.advanceTimersByTime(PROGRESS_AFTER_MS - 1);
      expect(lines, "a task finished within the first second waits").toEqual([]);
      vi.advanceTimersByTime(1);
      expect(lines).toEqual(["… ✓ task 1: 2/2 tests, 2/2 pts"]);
      reporter.onTestSuiteResult(suite(2, ["passed", "failed", "skipped"]));
      expect(lines.at(-1), "a skipped test (a filter) is left out of the count").toBe("… ✗ task 2: 1/2 tests, 1/2 pts");
      // The next run starts over: nothing shown until it too has gone on for a second, and nothing once it is over.
      reporter.onTestRunStart();
      reporter.onTestSuiteResult(suite(1, ["passed"]));
      expect(lines).toHaveLength(2);
      await reporter.onTestRunEnd([]);
      vi.advanceTimersByTime(PROGRESS_AFTER_MS);
      expect(lines.filter((l) => l.startsWith("…")), "a task line after the run ended").toHaveLength(2);
    } finally {
      log.mockRestore();
      vi.useRealTimers();
    }
  });

  it("npm run watch stops the tests at a stuck test, says so, and runs them again when the lab is saved", async () => {
    const tree = blockedLabs();
    let out = "";
    const said: string[] = [];
    const watch = supervise({
      args: [join(ROOT, "node_modules/vitest/vitest.mjs"), "watch", "test/01-hangs.test.ts", "--root", fixture], cwd: ROOT, tree, restart: true,
      env: { ...process.env, HUB_TARGET: tree, VITE_CONFIG_NATIVE_IGNORE_WARNING: "true", CI: "" },
      stdio: "pipe", say: (text) => said.push(text),
      onStart: (c) => {
        c.stdout?.on("data", (d: Buffer) => (out += d.toString()));
        c.stderr?.on("data", (d: Buffer) => (out += d.toString()));
      },
    });
    try {
      expect(await until(async () => said.length > 0, 30_000), "the watch said nothing of a stop").toBe(true);
      expect(said).toEqual(['■ Stopped the tests at "task 2: spin > returns (2 pts)". Fix the code it calls and save: the tests run again (Ctrl-C ends the watch).\n']);
      expect(out).toMatch(/"task 2: spin > returns \(2 pts\)" has run for [4-9] s without giving the event loop back/);
      expect(out, "the notice under npm run watch tells of the watch's stop, not of Ctrl-C").not.toMatch(/Ctrl-C/);
      out = "";
      writeFileSync(join(tree, "01-hangs/code.ts"), readFileSync(join(tree, "01-hangs/code.ts"), "utf8").replace(/export function spin[^]*$/, "export const spin = (): number => 0;\n"));
      expect(await until(async () => /Tests\s+4 passed/.test(plain(out)), 30_000), `the tests did not run again and pass after the save:\n${plain(out)}`).toBe(true);
    } finally {
      watch.stop();
      await watch.done;
      rmSync(tree, { recursive: true, force: true });
    }
  }, 70_000);

  it("the watch's supervisor: stops a stuck test's process and waits for a save, or runs again at once if one came since it began; says a crash; the learner's q or Ctrl-C is final", async () => {
    // A stand-in for vitest: each start appends to a count and acts by it. The first ignores SIGTERM, as a process
    // whose JavaScript never gives the event loop back would not: it is killed.
    const tree = mkdtempSync(join(tmpdir(), "watch-sup-"));
    const count = join(tree, "count");
    const stuckLine = 'fs.writeSync(3, JSON.stringify({ name: "task 1 > loops", started: Date.now() }) + "\\n"); setInterval(() => {}, 1000);';
    // What a test leaves running: a backend (a plain child) and a detached `npm run lb`, their pids kept in `left`.
    const left = join(tree, "left");
    const leave = (kinds: string[]): string => kinds.map((k) =>
      `fs.appendFileSync(${JSON.stringify(left)}, require("node:child_process").spawn("sleep", ["30"], { stdio: "ignore"${k === "detached" ? ", detached: true" : ""} }).pid + "\\n");`).join(" ");
    const script = [
      `const fs = require("node:fs"); fs.appendFileSync(${JSON.stringify(count)}, "x");`,
      `const n = fs.readFileSync(${JSON.stringify(count)}, "utf8").length;`,
      `if (n === 1) { process.on("SIGTERM", () => {}); ${leave(["plain", "detached"])} ${stuckLine} }`,
      `else if (n === 2) { ${stuckLine} }`,
      `else if (n === 3) { ${leave(["detached"])} process.exit(134); }`, // as a process V8 aborted, seen from a shell
      `else { ${leave(["detached"])} process.exit(Number(process.env.LAST_EXIT)); }`, // the learner's q or Ctrl-C
    ].join("\n");
    const leftPids = (): number[] => (existsSync(left) ? readFileSync(left, "utf8").trim().split("\n").map(Number) : []);
    // Where /proc is missing (not Linux) nothing a run started can be found once vitest is gone.
    const ended = (n: string): string => (process.platform === "linux" ? `■ Ended ${n} the tests had started and left running.\n` : "");
    const said: string[] = [];
    const starts = (): number => (existsSync(count) ? readFileSync(count, "utf8").length : 0);
    const watch = supervise({ args: ["-e", script], env: { ...process.env, LAST_EXIT: "1" }, cwd: ROOT, tree, restart: true, stdio: "pipe", say: (t) => said.push(t) });
    try {
      // A fix saved while the test is stuck: vitest could not run it, so the tests run again as soon as it is stopped.
      expect(await until(async () => starts() === 1, 10_000), "the stand-in never started").toBe(true);
      await new Promise((r) => setTimeout(r, 200));
      writeFileSync(join(tree, "a.ts"), "export {};\n");
      expect(await until(async () => said.length === 2, 10_000), `said: ${said.join("")}`).toBe(true);
      expect(said[0]).toBe(`■ Stopped the tests at "task 1 > loops". Running them again with what was saved since it began.\n${ended("2 processes")}`);
      if (process.platform === "linux") expect(leftPids().filter(isAlive), "processes the stopped run had started still run").toEqual([]);
      expect(said[1]).toBe('■ Stopped the tests at "task 1 > loops". Fix the code it calls and save: the tests run again (Ctrl-C ends the watch).\n');
      expect(starts()).toBe(2);
      writeFileSync(join(tree, "notes.md"), "not code");
      await new Promise((r) => setTimeout(r, 600));
      expect(starts(), "a saved file that is not TypeScript started the tests again").toBe(2);
      writeFileSync(join(tree, "b.ts"), "export {};\n");
      expect(await until(async () => said.length === 3, 10_000), `said: ${said.join("")}`).toBe(true);
      expect(said[2]).toBe(`\n■ The test run ended abruptly (exit code 134); its last words are above. Fix the code and save: the tests run again (Ctrl-C ends the watch).\n${ended("a process")}`);
      expect(leftPids()).toHaveLength(3);
      if (process.platform === "linux") expect(leftPids().filter(isAlive), "a process the crashed run had started still runs").toEqual([]);
      writeFileSync(join(tree, "c.ts"), "export {};\n");
      expect(await watch.done, "q after a failing run (vitest's exit code 1) ends the watch").toBe(1);
      expect(starts()).toBe(4);
      // What the run left running ends with the watch too, and the watch says so.
      expect(said.slice(3)).toEqual([ended("a process")].filter(Boolean));
      expect(leftPids()).toHaveLength(4);
      if (process.platform === "linux") expect(leftPids().filter(isAlive), "a process the run had started outlived the watch").toEqual([]);
      // The learner's Ctrl-C, which vitest reads as a key (exit code 130), ends it too.
      const quit = supervise({ args: ["-e", script], env: { ...process.env, LAST_EXIT: "130" }, cwd: ROOT, tree, restart: true, stdio: "pipe", say: (t) => said.push(t) });
      expect(await quit.done).toBe(130);
      // A single run (npm run watch NN --once) ends at a stuck test, with exit code 1.
      writeFileSync(count, "x");
      const once = supervise({ args: ["-e", script], env: process.env, cwd: ROOT, tree, restart: false, stdio: "pipe", say: (t) => said.push(t) });
      expect(await once.done).toBe(1);
      expect(said.slice(-1)).toEqual(['■ Stopped the tests at "task 1 > loops".\n']);
    } finally {
      watch.stop();
      for (const pid of leftPids().filter(isAlive)) process.kill(pid, "SIGKILL");
      rmSync(tree, { recursive: true, force: true });
    }
  }, 40_000);
});

describe("the grader's verdict on two records that disagree", () => {
  const run: LabRun = { lab: "01-x", title: "X", root: ROOT, target: ROOT, files: [], seconds: 5, testMilliseconds: 1000, points: 2, outputBytes: 100, expected: ["task 1: a > one (1 pts)", "task 1: a > two (1 pts)"] };
  const end = { code: 0, timedOut: false, log: "", hung: [], seconds: 1 };
  const result = (name: string, state: string) => ({ event: "result" as const, name, file: "t.test.ts", state, message: "", diff: "", ms: 0 });
  const runner = [{ event: "start" as const }, result("task 1: a > one (1 pts)", "failed"), { event: "end" as const, unhandled: [], reason: "failed" }];

  it("takes no pass the runner did not report, and scores 0 a pass it reported failed", () => {
    const honest: Attempt = { runner, problems: [], worker: [], stopped: null, stuck: null, seconds: 5 };
    expect(interpret(run, [honest], end)).toMatchObject({ score: 0, outcome: "completed" });
    // The worker's word alone (a run that was not killed) counts for nothing.
    const only: Attempt = { ...honest, worker: [result("task 1: a > two (1 pts)", "passed")] };
    expect(interpret(run, [only], end)).toMatchObject({ score: 0, outcome: "completed" });
    const contradicts: Attempt = { ...honest, worker: [result("task 1: a > one (1 pts)", "passed")] };
    const r = interpret(run, [contradicts], end);
    expect(r).toMatchObject({ score: 0, outcome: "tampered" });
    expect(r.note).toMatch(/^results tampered with: the test process says "task 1: a > one \(1 pts\)" passed, the test runner says it failed/);
    const invented: Attempt = { ...honest, worker: [result("task 9: free > points (100 pts)", "passed")] };
    expect(interpret(run, [invented], end).note).toMatch(/a result was written for a test that does not exist/);
  });

  it("scores 0 a run whose record has lines the runner did not seal", () => {
    const r = interpret(run, [{ runner, problems: ["a line the test runner did not write: …"], worker: [], stopped: null, stuck: null, seconds: 5 }], end);
    expect(r).toMatchObject({ score: 0, outcome: "tampered" });
  });

  it("takes the worker's word for a test before the one that hung only when no run came after it", () => {
    const hung = (stuck: string): Attempt => ({
      runner: [{ event: "start" }], problems: [], stopped: "stuck test", stuck, stuckAt: { name: stuck, ms: 20_000, stretch: "body", limitMs: 15_000 }, seconds: 5,
      worker: [{ event: "ready", name: "task 1: a > one (1 pts)" }, result("task 1: a > one (1 pts)", "passed"), { event: "ready", name: stuck }],
    });
    const stuck = "task 1: a > two (1 pts)";
    const ending = { ...end, code: null, hung: [stuck] };
    const last = interpret(run, [hung(stuck)], ending);
    expect(last.score).toBe(1);
    expect(last.note).toMatch(/^stopped 1 time\(s\), the most a lab is run \(10 runs within 3 × its 5 s time limit\)/);
    expect(last.tests.find((t) => t.name === stuck)?.output).toMatch(/^stuck: this test was still running 20 s after it started, in its own code, past its time limit \(15 s\)/);
    // A run after it (here one that failed the test) has the runner's word: the worker's counts no more.
    const again: Attempt = { runner, problems: [], worker: [], stopped: null, stuck: null, seconds: 5 };
    expect(interpret(run, [hung(stuck), again], ending).score).toBe(0);
  });

  it("says how many tests were left out with a group in which two hung, where it says the others ran", () => {
    const four: LabRun = { ...run, points: 4, expected: [...run.expected!, "task 1: a > three (1 pts)", "task 1: a > four (1 pts)"] };
    const [one, two] = run.expected!;
    // Run again without the two tests that hung, the rest of their group was left out.
    const again: Attempt = {
      runner: [{ event: "start" }, result("task 1: a > three (1 pts)", "skipped"), result("task 1: a > four (1 pts)", "skipped"), { event: "end", unhandled: [], reason: "passed" }],
      problems: [], worker: [], stopped: null, stuck: null, seconds: 5,
    };
    const r = interpret(four, [again], { ...end, hung: [one!, two!] });
    expect(r.note).toBe("2 test(s) never finished and were stopped; the other tests ran again without them, but for 2 more test(s) of a group in which two hung, which were left out and count as failed");
    expect(r.tests.filter((t) => t.output.startsWith("not run: two tests of this group")).map((t) => t.name)).toEqual(["task 1: a > three (1 pts)", "task 1: a > four (1 pts)"]);
    expect(r.tests.find((t) => t.name === one)?.output).toMatch(/^timed out: this test was still running when its run was stopped/);
  });

  it("runs a lab again without each test that hung, and without a whole group only once two of its tests hung", () => {
    expect(skipPattern([])).toBeNull();
    const names = ["task 1: a > one (1 pts)", "task 1: a > two (1 pts)", "task 2: b > three (1 pts)", "task 2: b > four (1 pts)", "task 3 (1 pts)"];
    // vitest matches "file describe test" (the names joined by spaces) against the pattern.
    const left = (hung: string[]): string[] => names.filter((n) => new RegExp(skipPattern(hung)!).test(`test/01.test.ts ${n.split(" > ").join(" ")}`));
    expect(left(["task 1: a > one (1 pts)"])).toEqual(names.filter((n) => n !== "task 1: a > one (1 pts)"));
    expect(left(["task 1: a > one (1 pts)", "task 2: b > four (1 pts)"])).toEqual([names[1], names[2], names[4]]);
    expect(left(["task 1: a > one (1 pts)", "task 1: a > two (1 pts)"])).toEqual([names[2], names[3], names[4]]);
    expect([...skippedGroups(["task 1: a > one (1 pts)", "task 1: a > one (1 pts)", "task 2: b > four (1 pts)"])]).toEqual([]);
  });

  it("finds a test stuck past its limit on the grader's clock, and no test that finished or is within its limit", () => {
    // A worker that says only when each test started: its own limit, then a before and an after hook's, 100 ms each.
    const tests = new RunningTests(100);
    tests.see([{ event: "ready", name: "a", timeoutMs: 800 }, { event: "ready", name: "b", timeoutMs: 9800 }], 0);
    expect(tests.lastStarted(), "where a lab stopped at its time limit was").toBe("b");
    expect(tests.overdue(1000 + GRACE_MS)).toBeNull();
    expect(tests.overdue(1001 + GRACE_MS)).toEqual({ name: "a", ms: 1001 + GRACE_MS, stretch: "test", limitMs: 1000 });
    tests.see([result("a", "failed")], 2000);
    expect(tests.overdue(10_000 + GRACE_MS)).toBeNull();
    // A worker that names no limit leaves the lab's own time limit to stop its test.
    tests.see([result("b", "passed"), { event: "ready", name: "c" }], 0);
    expect(tests.overdue(1e9)).toBeNull();
    tests.see([{ event: "body", name: "c" }, result("c", "passed")], 0);
    expect(tests.lastStarted(), "every test that started finished").toBeNull();
    expect(parseWorkerEvents('{"event":"ready","name":"a"}\n{"event":"res')).toEqual([{ event: "ready", name: "a" }]);
  });

  it("gives each stretch of a test's run its own limit: its before hooks, its own code, what runs after it", () => {
    const tests = new RunningTests(100);
    // One before hook: 100 ms and the grace to get through it.
    tests.see([{ event: "ready", name: "a", timeoutMs: 800, hooks: 1 }], 0);
    expect(tests.overdue(100 + GRACE_MS)).toBeNull();
    expect(tests.overdue(101 + GRACE_MS)).toMatchObject({ name: "a", stretch: "before", limitMs: 100 });
    // Its own code: the test's limit from when it started, however long the hooks took.
    tests.see([{ event: "body", name: "a" }], 2000);
    expect(tests.overdue(2800 + GRACE_MS)).toBeNull();
    expect(tests.overdue(2801 + GRACE_MS)).toEqual({ name: "a", ms: 2801 + GRACE_MS, stretch: "body", limitMs: 800 });
    // After it: two hooks' limits; and none where nothing runs after it.
    tests.see([{ event: "after", name: "a", hooks: 2 }], 3000);
    expect(tests.overdue(3200 + GRACE_MS)).toBeNull();
    expect(tests.overdue(3201 + GRACE_MS)).toMatchObject({ stretch: "after", limitMs: 200 });
    tests.see([result("a", "passed"), { event: "ready", name: "b", timeoutMs: 800, hooks: 0 }], 0);
    expect(tests.overdue(1 + GRACE_MS)).toMatchObject({ name: "b", stretch: "before", limitMs: 0 });
    // A stretch for a test that never started is nobody's.
    const lone = new RunningTests(100);
    lone.see([{ event: "body", name: "x" }, { event: "after", name: "y", hooks: 0 }], 0);
    expect(lone.overdue(1e9)).toBeNull();
  });
});

describe("the hooks and the runner test-phases.ts counts on", () => {
  it("counts the hooks of each suite up to the file's, past a top-level describe, which names only its file", () => {
    const file = { filepath: "f.test.ts" } as unknown as Suite;
    const top = { file } as unknown as Suite;
    const inner = { suite: top, file } as unknown as Suite;
    const none = (): void => undefined;
    const hooks = (before: number, after: number): SuiteHooks => ({
      beforeAll: [], afterAll: [], aroundAll: [], aroundEach: [], beforeEach: Array(before).fill(none), afterEach: Array(after).fill(none),
    });
    setHooks(file, hooks(1, 2));
    setHooks(top, hooks(2, 0));
    setHooks(inner, hooks(1, 1));
    expect([hooksAbove(inner, "beforeEach"), hooksAbove(inner, "afterEach"), hooksAbove(file, "beforeEach")]).toEqual([4, 3, 1]);
  });

  it("uses the runner vitest runs: one copy of @vitest/runner, at the version vitest asks for", () => {
    const wanted = (JSON.parse(readFileSync(join(ROOT, "node_modules/vitest/package.json"), "utf8")) as { dependencies: Record<string, string> }).dependencies["@vitest/runner"];
    const ours = (JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { devDependencies: Record<string, string> }).devDependencies["@vitest/runner"];
    expect(ours, "package.json's @vitest/runner must be vitest's own version, or test-phases.ts wraps the tests of a copy vitest does not run").toBe(wanted);
    expect(existsSync(join(ROOT, "node_modules/vitest/node_modules/@vitest/runner")), "vitest has a copy of its runner of its own").toBe(false);
  });
});

describe("a test's stretches as the worker reports them (tools/grader/test-phases.ts)", () => {
  const seen: [Phase | "hook", number][] = [];
  let tries = 0;
  beforeEach((ctx) => {
    seen.length = 0;
    followPhases(ctx.task, (phase, hooks) => seen.push([phase, hooks]));
  });
  beforeEach(() => {
    seen.push(["hook", 0]);
  });
  afterEach(() => {
    // After its code: this afterEach, the other beforeEach hook (as a cleanup it may have returned), the handler.
    expect(seen.at(-1)).toEqual(["after", 3]);
  });

  it("reports the before hooks still to run, then its own code's start and end with what runs after it; a retry's once", { retry: 1 }, ({ onTestFinished }) => {
    onTestFinished(() => undefined);
    expect(seen).toEqual([["before", 1], ["hook", 0], ["body", 0]]);
    tries += 1;
    if (tries === 1) throw new Error("the first try fails, so that the retry's stretches are reported too");
  });
});

describe("the lab scan", () => {
  it("finds nothing in the reference solutions or the starters of any ready lab", () => {
    for (const lab of readyChapters(loadManifest())) {
      const tests = testFilesOf(ROOT, lab).map((f) => f.path);
      expect(scanLab(join(ROOT, "solutions"), tests), lab.id).toEqual([]);
      expect(scanLab(join(ROOT, "labs"), tests), lab.id).toEqual([]);
    }
  });

  it("has a rule for each trick on its list, and ignores comments", () => {
    const lines: Record<string, string> = {
      "test-framework": `import { chai } from "vitest";`,
      "framework-globals": `(globalThis as any).__vitest_worker__.rpc;`,
      processes: `import { spawn } from "node:child_process";`,
      runtime: `import { runInThisContext } from "node:vm";`,
      "hidden-code": `await import(name);`,
      "grader-env": `const f = process.env.HUB_GRADE_EVENTS;`,
      "grader-files": `readFileSync(".course/grade/results.json");`,
    };
    expect(Object.keys(lines).sort()).toEqual(RULES.map((r) => r.id).sort());
    for (const [rule, line] of Object.entries(lines)) expect(scanText("x.ts", line).map((f) => f.rule), line).toContain(rule);
    expect(scanText("x.ts", `// vitest's expect would say: process.env.HUB_TARGET\n/* import "chai" */\nexport const x = 1;`)).toEqual([]);
    // What `npm run lab 14 drill` sets for the drill's replay line is named outside the grader's HUB_ names.
    expect(scanText("x.ts", `const c = process.env.LAB_COMMAND;`)).toEqual([]);
  });
});

describe("the terminal report", () => {
  it("prints a long failure in full, wrapped, never cut", () => {
    const message = "AssertionError: expected the hub to refuse a nickname with a space in it, because a nickname cannot be split by the chat's command parser (it is a word)";
    const text = terminalReport([{
      lab: "06-chat", title: "Chat", score: 0, max: 1, seconds: 1, outcome: "completed", note: "",
      tests: [{ name: "task 1: nicknames > refuses a nickname with a space (1 pts)", task: 1, score: 0, max: 1, status: "failed", output: message, visibility: "visible" }],
    }], { color: false, width: 60 });
    expect(text.split("\n").filter((l) => l.startsWith("    ")).every((l) => l.length <= 60)).toBe(true);
    expect(text.replace(/\s+/g, " ")).toContain(message);
  });
});

describe("the grader's verdict on a run that never started", () => {
  it("calls it a harness error, not the learner's failure", () => {
    const run = { lab: "01-x", title: "X", root: ROOT, target: ROOT, files: [], seconds: 5, testMilliseconds: 1000, points: 3, outputBytes: 100 };
    const r = interpret(run, [], { code: 1, timedOut: false, log: "Error: Cannot find module vitest", hung: [], seconds: 0.1 });
    expect(r.outcome).toBe("harness error");
    expect(r.note).toMatch(/not the learner's fault/);
    expect(r.max).toBe(3);
  });
});

describe("the grader, on a lab tree outside the course folder", () => {
  it("grades it from a copy inside the course, so code it starts finds the course's packages, and removes the copy", () => {
    // Lab 09's test of populate with no names runs it in a worker thread through tsx, which resolves packages and the
    // module kind from the folders above the file: a tree in the temporary folder has neither.
    const tree = mkdtempSync(join(tmpdir(), "grader-foreign-"));
    const out = join(tree, "out");
    try {
      cpSync(join(ROOT, "solutions"), join(tree, "labs"), { recursive: true });
      const before = readdirSync(join(ROOT, ".course")).filter((f) => f.startsWith("graded-"));
      execFileSync(process.execPath, ["--import", "tsx", join(ROOT, "tools/grade.ts"), "09", "--target", join(tree, "labs"), "--out", out, "--quiet"], {
        cwd: ROOT, encoding: "utf8", env: { ...process.env, NO_COLOR: "1", GITHUB_STEP_SUMMARY: "" },
      });
      const results = JSON.parse(readFileSync(join(out, "results.json"), "utf8")) as Gradescope;
      const failed = results.tests.filter((t) => t.status !== "passed").map((t) => `${t.name}: ${t.output}`);
      expect(failed).toEqual([]);
      expect(results.tests.map((t) => t.name)).toContainEqual(expect.stringMatching(/no names/));
      expect(readdirSync(join(ROOT, ".course")).filter((f) => f.startsWith("graded-"))).toEqual(before);
    } finally {
      rmSync(tree, { recursive: true, force: true });
    }
  }, 90_000);
});
