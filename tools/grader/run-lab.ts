// Grades one lab in a child process of its own, with a wall-clock limit. Whatever the lab does — loop
// forever, throw at import, crash — this returns a result for every test, and the grader goes on.
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { GradeEvent } from "./reporter";
import { pointsOf, taskOf } from "./points";
import { ROOT } from "../lib/manifest";
import { spawnGroup } from "../lib/process-group";

export type Visibility = "visible" | "hidden";

export interface TestOutcome {
  readonly name: string;
  readonly task: number | null;
  readonly score: number;
  readonly max: number;
  readonly status: "passed" | "failed";
  readonly output: string;
  readonly visibility: Visibility;
}

export type LabOutcome = "completed" | "timed out" | "load error" | "crashed" | "harness error";

export interface LabResult {
  readonly lab: string;
  readonly title: string;
  readonly score: number;
  readonly max: number;
  readonly seconds: number;
  readonly outcome: LabOutcome;
  /** One line for the instructor or learner: why the lab ended as it did. */
  readonly note: string;
  readonly tests: readonly TestOutcome[];
}

export interface TestFile {
  readonly path: string;
  readonly visibility: Visibility;
}

export interface LabRun {
  readonly lab: string;
  readonly title: string;
  /** Course root: course.json, test/ (and the vitest config unless `config` is given). */
  readonly root: string;
  /** The tree `@target/…` points at. */
  readonly target: string;
  readonly files: readonly TestFile[];
  readonly seconds: number;
  /** The lab's total points from the manifest: points of tests that never ran are still counted in `max`. */
  readonly points: number;
  /** Names of the tests the lab should have (from the reference), when known. */
  readonly expected?: readonly string[];
  /** Those of `expected` that come from instructor-only test files, so a test that never ran keeps its visibility. */
  readonly expectedHidden?: readonly string[];
  readonly outputBytes: number;
  readonly config?: string;
}

const VITEST = join(ROOT, "node_modules", "vitest", "vitest.mjs");
const REPORTER = join(ROOT, "tools", "grader", "reporter.ts");

const clip = (text: string, bytes: number): string =>
  text.length <= bytes ? text : `${text.slice(0, bytes)}\n… (${text.length - bytes} more characters cut)`;

/** Stack frames say nothing to a learner that the message does not; keep the message. */
const tidy = (message: string): string => message.replace(/\x1b\[[0-9;]*m/g, "").trim();

/** After a test hangs, the lab runs again without it (at most this many times), so later tasks still count. */
const MAX_ATTEMPTS = 3;

const escapeRegExp = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

export async function runLab(run: LabRun): Promise<LabResult> {
  const started = Date.now();
  const work = mkdtempSync(join(tmpdir(), `grade-${run.lab}-`));
  const events: GradeEvent[] = [];
  const hung: string[] = [];
  let last: Attempt = { code: null, timedOut: false, log: "" };
  try {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const eventsFile = join(work, `events-${attempt}.ndjson`);
      last = await attemptOnce(run, eventsFile, hung);
      const these: GradeEvent[] = existsSync(eventsFile)
        ? readFileSync(eventsFile, "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l) as GradeEvent)
        : [];
      events.push(...these);
      const stuck = last.timedOut ? runningWhenStopped(these) : null;
      if (!stuck) break;
      hung.push(stuck);
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return interpret(run, events, { ...last, hung, seconds: (Date.now() - started) / 1000 });
}

/** The test that had started and not finished when the lab was stopped. */
function runningWhenStopped(events: readonly GradeEvent[]): string | null {
  let current: string | null = null;
  for (const e of events) {
    if (e.event === "ready") current = e.name;
    else if (e.event === "result" && e.name === current) current = null;
  }
  return current;
}

interface Attempt {
  code: number | null;
  spawnError?: Error;
  timedOut: boolean;
  log: string;
}

async function attemptOnce(run: LabRun, eventsFile: string, skip: readonly string[]): Promise<Attempt> {
  const config = run.config ?? join(run.root, "vitest.config.ts");
  const args = [
    VITEST, "run", ...run.files.map((f) => f.path),
    "--root", run.root, "--config", config, "--reporter", REPORTER, "--color=false",
  ];
  // A test that hung takes the rest of its describe block (its task) with it: they call the same code.
  // vitest matches the pattern against "file describe test", joined by spaces.
  if (skip.length) {
    const parts = skip.map((n) => {
      const names = n.split(" > ");
      return names.length > 1 ? `${escapeRegExp(names.slice(0, -1).join(" "))} ` : `${escapeRegExp(n)}$`;
    });
    args.push("--testNamePattern", `^(?!.*(?:${parts.join("|")}))`);
  }
  // Its own process group with a deadline (tools/lib/process-group): vitest's workers, and anything a test started
  // even outside the group, are killed at the time limit and when vitest ends; none may outlive the grade.
  const group = spawnGroup(process.execPath, args, {
    cwd: run.root,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, HUB_TARGET: run.target, HUB_GRADE_EVENTS: eventsFile, HUB_QUIET: "1", FORCE_COLOR: "0" },
    deadlineMs: run.seconds * 1000,
  });
  const child = group.child;
  let log = "";
  const keep = (chunk: Buffer): void => {
    log = (log + chunk.toString()).slice(-20_000);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  const exit = await new Promise<{ code: number | null; spawnError?: Error }>((resolve) => {
    child.once("error", (spawnError) => resolve({ code: null, spawnError }));
    child.once("close", (code) => resolve({ code }));
  });
  group.kill();
  const timedOut = group.timedOut;
  return { ...exit, timedOut, log };
}

interface Ending extends Attempt {
  /** Tests that were running when the lab was stopped at its time limit. */
  hung: readonly string[];
  seconds: number;
}

/** Turns the event stream and the way the process ended into a result for every test. */
export function interpret(run: LabRun, events: readonly GradeEvent[], end: Ending): LabResult {
  const visibilityOf = (file: string): Visibility =>
    run.files.find((f) => f.path.endsWith(file) || file.endsWith(f.path))?.visibility ?? "visible";
  const hiddenNames = new Set(run.expectedHidden ?? []);
  const visibilityOfName = (name: string): Visibility => (hiddenNames.has(name) ? "hidden" : "visible");
  const tests = new Map<string, TestOutcome>();
  const loadErrors: string[] = [];
  let ended = false;
  const groupOf = (name: string): string => name.split(" > ").slice(0, -1).join(" > ");
  const hungGroups = new Set(end.hung.map(groupOf).filter(Boolean));
  const SKIPPED_WITH_GROUP = "not run: another test of this group never finished, so the rest of the group was skipped";

  for (const e of events) {
    if (e.event === "result") {
      const max = pointsOf(e.name) ?? 0;
      const passed = e.state === "passed";
      tests.set(e.name, {
        name: e.name,
        task: taskOf(e.name),
        max,
        score: passed ? max : 0,
        status: passed ? "passed" : "failed",
        output: passed ? ""
          : e.state === "skipped" && hungGroups.has(groupOf(e.name)) ? SKIPPED_WITH_GROUP
          : clip(tidy(e.message || `test ${e.state}`), run.outputBytes),
        visibility: visibilityOf(e.file),
      });
    } else if (e.event === "module") {
      loadErrors.push(...e.errors.map(tidy));
    } else if (e.event === "end") ended = true;
  }

  let outcome: LabOutcome = "completed";
  let note = "";
  const started = events.some((e) => e.event === "start");
  for (const name of end.hung) {
    tests.set(name, {
      name, task: taskOf(name), max: pointsOf(name) ?? 0, score: 0, status: "failed", visibility: visibilityOfName(name),
      output: `timed out: this test never finished (its run was stopped after ${run.seconds} s). An endless loop, or a wait nothing wakes?`,
    });
  }
  if (end.hung.length) {
    outcome = "timed out";
    note = `${end.hung.length} test(s) never finished and were stopped at the ${run.seconds} s limit; the other tests ran without them`;
  }
  if (end.timedOut && !end.hung.length) {
    outcome = "timed out";
    note = `stopped after ${run.seconds} s, the lab's time limit, before any test was running (an endless loop at import?)`;
  } else if (end.timedOut) {
    note = `stopped after ${run.seconds} s, the lab's time limit, ${MAX_ATTEMPTS} times; tests that had not run by then count as failed`;
  } else if (end.hung.length) {
    // the last attempt completed: outcome and note already say what happened
  } else if (end.spawnError || !started) {
    outcome = "harness error";
    note = `the grader could not run the tests (${end.spawnError?.message ?? `exit code ${end.code}`}). This is not the learner's fault.`;
  } else if (loadErrors.length) {
    outcome = "load error";
    note = `the tests could not load the lab's code: ${loadErrors[0].split("\n")[0]}`;
  } else if (!ended) {
    outcome = "crashed";
    note = `the test run ended abruptly (exit code ${end.code}) before it finished`;
  }

  const missingWhy =
    outcome === "timed out" ? "not run: the lab was stopped at its time limit before this test"
    : outcome === "load error" ? `not run: ${note}`
    : outcome === "harness error" ? `not run: ${note}`
    : `not run: ${note || "the test did not report a result"}`;
  for (const name of run.expected ?? []) {
    if (tests.has(name)) continue;
    const output = hungGroups.has(groupOf(name)) ? SKIPPED_WITH_GROUP : missingWhy;
    tests.set(name, { name, task: taskOf(name), max: pointsOf(name) ?? 0, score: 0, status: "failed", output, visibility: visibilityOfName(name) });
  }
  // Without a list of expected tests, the points of tests that never reported still count against the lab.
  const known = [...tests.values()].reduce((s, t) => s + t.max, 0);
  if (known < run.points) {
    const name = `tests that did not run (${run.points - known} pts)`;
    tests.set(name, { name, task: null, max: run.points - known, score: 0, status: "failed", output: missingWhy, visibility: "visible" });
  }
  if (outcome === "harness error" && end.log.trim()) note += `\n${clip(end.log.trim(), 2000)}`;

  // In the order the tests are written, where that is known.
  const order = new Map((run.expected ?? []).map((n, i) => [n, i]));
  const list = [...tests.values()].sort((a, b) => (order.get(a.name) ?? 1e9) - (order.get(b.name) ?? 1e9));
  return {
    lab: run.lab,
    title: run.title,
    score: list.reduce((s, t) => s + t.score, 0),
    max: Math.max(run.points, known),
    seconds: end.seconds,
    outcome,
    note,
    tests: list,
  };
}
