// Grades one lab in a child process of its own, with a wall-clock limit. Whatever the lab does — loop
// forever, throw at import, crash, start processes, forge results — this returns a result for every test,
// and the grader goes on. Points come from the test runner's own sealed record (record.ts), never from a
// channel lab code can write to; any disagreement between the two scores the lab 0 as tampered with.
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Readable } from "node:stream";
import { ASSERTIONS_CHANGED, newKey, openRecord, RECORD_FD, type RecordEvent, type WorkerEvent } from "./record";
import { pointsOf, taskOf } from "./points";
import { ROOT } from "../lib/manifest";
import { spawnGroup } from "../lib/process-group";
import { plain } from "./failure-text";
import { parseWorkerEvents, RunningTests, type Stuck, watchForStuckTest } from "./hang-watch";

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

export type LabOutcome = "completed" | "timed out" | "load error" | "crashed" | "tampered" | "harness error";

/** The first words of a tampered lab's note, in every report. */
export const TAMPERED = "results tampered with";

export interface LabResult {
  readonly lab: string;
  readonly title: string;
  readonly score: number;
  readonly max: number;
  readonly seconds: number;
  readonly outcome: LabOutcome;
  /** One line for the instructor or learner: why the lab ended as it did (a tampered lab: one line per reason). */
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
  /** Each test's and hook's time limit unless a test sets its own (`limits.testMilliseconds`, vitest's timeouts). */
  readonly testMilliseconds: number;
  /** The lab's total points from the manifest: points of tests that never ran are still counted in `max`. */
  readonly points: number;
  /** Names of the tests the lab should have (from the reference), when known. */
  readonly expected?: readonly string[];
  /** Those of `expected` that come from instructor-only test files, so a test that never ran keeps its visibility. */
  readonly expectedHidden?: readonly string[];
  readonly outputBytes: number;
  readonly config?: string;
  /** Reasons, found before the run (lab-scan.ts), to score the lab 0 as tampered with. */
  readonly tampering?: readonly string[];
}

const VITEST = join(ROOT, "node_modules", "vitest", "vitest.mjs");
const REPORTER = join(ROOT, "tools", "grader", "reporter.ts");

const clip = (text: string, bytes: number): string =>
  text.length <= bytes ? text : `${text.slice(0, bytes)}\n… (${text.length - bytes} more characters cut)`;

/** Stack frames say nothing to a learner that the message does not; keep the message. */
const tidy = (message: string): string => plain(message).trim();

/**
 * After a test hangs, the lab runs again without it, so later tests still count: at most this many runs, all of them
 * within `TIME_LIMITS` times the lab's time limit, which bounds a grade whatever the count. A hung test usually stops
 * its run soon after its own time limit (hang-watch.ts), so a run that hangs costs the tests before it and a few
 * seconds. Lab 02 with a `TimerHeap.remove` that never shrinks hangs nine tests in separate groups: at 5 runs it was
 * left with 12 tests never run (12/41 in 49 s); at 10 it ran every test it could (15/41 in 86 s).
 */
const MAX_ATTEMPTS = 10;
const TIME_LIMITS = 3;

const escapeRegExp = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** How a run was stopped: at a test found stuck past its limit, at the lab's time limit, or not at all. */
export type Stop = "stuck test" | "time limit" | null;

/** One run of the lab's tests: both records, and how it ended. */
export interface Attempt {
  /** The runner's own record (vitest's main process, sealed): what counts. */
  readonly runner: readonly RecordEvent[];
  /** Lines of the runner's record that fail their seal or their number: someone else wrote there. */
  readonly problems: readonly string[];
  /** What the worker wrote (setup.ts): lab code could have written it too. */
  readonly worker: readonly WorkerEvent[];
  readonly stopped: Stop;
  /** The test that had started and not finished when the run was stopped (from the worker's record). */
  readonly stuck: string | null;
  /** How long the stuck test had run, and the limit it ran past, when the run was stopped at it. */
  readonly stuckAt?: Stuck;
  /** The run's own time limit, in seconds (the lab's, or what was left of the grade's time). */
  readonly seconds: number;
}

interface Exit {
  code: number | null;
  spawnError?: Error;
  timedOut: boolean;
  log: string;
}

/**
 * The tests a run leaves out, as a vitest name pattern: each test that hung, and the whole group (describe block) of
 * any group in which two hung, since its tests call the same code and each further hang costs a run.
 */
export function skipPattern(hung: readonly string[]): string | null {
  if (!hung.length) return null;
  const whole = skippedGroups(hung);
  // vitest matches the pattern against "file describe test", joined by spaces.
  const parts = [...new Set(hung)].map((name) => {
    const names = name.split(" > ");
    return whole.has(groupOf(name)) ? `${escapeRegExp(names.slice(0, -1).join(" "))} ` : `${escapeRegExp(names.join(" "))}$`;
  });
  return `^(?!.*(?:${[...new Set(parts)].join("|")}))`;
}

/** "describe > test" names a test; its group is the describe blocks around it. */
const groupOf = (name: string): string => name.split(" > ").slice(0, -1).join(" > ");

/** The groups a run leaves out whole: those in which two tests hung (see skipPattern). */
export function skippedGroups(hung: readonly string[]): Set<string> {
  const counts = new Map<string, number>();
  for (const g of [...new Set(hung)].map(groupOf).filter(Boolean)) counts.set(g, (counts.get(g) ?? 0) + 1);
  return new Set([...counts].filter(([, c]) => c > 1).map(([g]) => g));
}

export async function runLab(run: LabRun): Promise<LabResult> {
  const started = Date.now();
  const budgetMs = TIME_LIMITS * run.seconds * 1000;
  const work = mkdtempSync(join(tmpdir(), `grade-${run.lab}-`));
  const attempts: Attempt[] = [];
  const hung: string[] = [];
  let last: Exit = { code: null, timedOut: false, log: "" };
  try {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const seconds = Math.min(run.seconds, Math.floor((budgetMs - (Date.now() - started)) / 1000));
      if (attempt > 0 && seconds < 1) break;
      // A name no lab can guess before the run, though the worker learns it from its environment.
      const eventsFile = join(work, `events-${attempt}-${randomBytes(6).toString("hex")}.ndjson`);
      const key = newKey();
      const { exit, record, stuckAt } = await attemptOnce(run, eventsFile, key, hung, seconds);
      last = exit;
      const worker = existsSync(eventsFile) ? parseWorkerEvents(readFileSync(eventsFile, "utf8")) : [];
      const opened = openRecord(key, record);
      const stuck = stuckAt?.name ?? (exit.timedOut ? runningWhenStopped(worker) : null);
      const stopped: Stop = stuckAt ? "stuck test" : exit.timedOut ? "time limit" : null;
      attempts.push({ runner: opened.events, problems: opened.problems, worker, stopped, stuck, stuckAt: stuckAt ?? undefined, seconds });
      if (!stuck) break;
      hung.push(stuck);
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return interpret(run, attempts, { ...last, hung, seconds: (Date.now() - started) / 1000 });
}

/** The test that had started and not finished when the lab was stopped. */
function runningWhenStopped(events: readonly WorkerEvent[]): string | null {
  const running = new RunningTests(0); // its limits play no part here
  running.see(events, 0);
  return running.lastStarted();
}

async function attemptOnce(
  run: LabRun, eventsFile: string, key: string, skip: readonly string[], seconds: number,
): Promise<{ exit: Exit; record: string; stuckAt: Stuck | null }> {
  const config = run.config ?? join(run.root, "vitest.config.ts");
  const args = [
    VITEST, "run", ...run.files.map((f) => f.path),
    "--root", run.root, "--config", config, "--reporter", REPORTER, "--color=false",
  ];
  const pattern = skipPattern(skip);
  if (pattern) args.push("--testNamePattern", pattern);
  // Its own process group with a deadline (tools/lib/process-group): vitest's workers, and anything the lab started,
  // even detached or orphaned, are killed at the time limit and when vitest ends; none may outlive the grade.
  const group = spawnGroup(process.execPath, args, {
    cwd: run.root,
    // stdin carries the record's key (read once by the reporter, then closed); fd 3 is the record's pipe.
    stdio: ["pipe", "pipe", "pipe", "pipe"],
    env: { ...process.env, HUB_TARGET: run.target, HUB_GRADE_EVENTS: eventsFile, HUB_QUIET: "1", FORCE_COLOR: "0", [RECORD_FD]: "3" },
    deadlineMs: seconds * 1000,
  });
  // A test stuck in a loop stops the run there and then, rather than at the time limit.
  let stuckAt: Stuck | null = null;
  const watch = watchForStuckTest(eventsFile, run.testMilliseconds, (stuck) => {
    stuckAt = stuck;
    group.kill();
  });
  const child = group.child;
  child.stdin?.on("error", () => undefined); // the run may be over before it reads the key
  child.stdin?.end(`${key}\n`);
  let record = "";
  (child.stdio[3] as Readable | null)?.on("data", (chunk: Buffer) => {
    record += chunk.toString();
  });
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
  watch.stop();
  group.kill(); // vitest's workers, and anything the lab started, may outlive it; none may outlive the grade
  const timedOut = group.timedOut;
  return { exit: { ...exit, timedOut, log }, record, stuckAt };
}

interface Ending extends Exit {
  /** Tests that were running when the lab was stopped at its time limit. */
  hung: readonly string[];
  seconds: number;
}

const passed = (state: string): boolean => state === "passed";

/** Where the two records disagree, or the runner's record was written by someone else: reasons to score 0. */
export function tamperingOf(run: LabRun, attempts: readonly Attempt[]): string[] {
  const reasons = [...(run.tampering ?? [])];
  const known = run.expected?.length ? new Set(run.expected) : null;
  attempts.forEach((a, i) => {
    const at = attempts.length > 1 ? ` (run ${i + 1})` : "";
    for (const p of a.problems) reasons.push(`the test runner's record was written to from outside the runner${at}: ${p}`);
    const runner = new Map<string, string>();
    for (const e of a.runner) {
      if (e.event === "result") runner.set(e.name, e.state);
      if (e.event === "module" && e.errors.some((m) => m.includes(ASSERTIONS_CHANGED))) {
        reasons.push(`${e.errors.find((m) => m.includes(ASSERTIONS_CHANGED))}${at}`);
      }
    }
    for (const w of a.worker) {
      if (w.event !== "result") continue;
      if (known && !known.has(w.name)) {
        reasons.push(`a result was written for a test that does not exist${at}: "${w.name}"`);
        continue;
      }
      const r = runner.get(w.name);
      if (r !== undefined && passed(r) !== passed(w.state)) {
        reasons.push(`the test process says "${w.name}" ${passed(w.state) ? "passed" : "failed"}, the test runner says it ${r}${at}`);
      }
    }
  });
  return [...new Set(reasons)];
}

const secondsOf = (ms: number): string => `${Math.round(ms / 100) / 10} s`;

/** A hung test's message: where its run was stopped and what that tells about the code. */
function whyStopped(at: Attempt | undefined): string {
  if (at?.stuckAt) {
    const { ms, stretch, limitMs } = at.stuckAt;
    const where = {
      body: `in its own code, past its time limit (${secondsOf(limitMs)})`,
      before: `in its before hooks, past their time limits (${secondsOf(limitMs)} in all)`,
      after: `in the hooks and handlers that run after it, past their time limits (${secondsOf(limitMs)} in all)`,
      test: `past its own time limit and its hooks' (${secondsOf(limitMs)} in all)`,
    }[stretch];
    return `stuck: this test was still running ${secondsOf(ms)} after it started, ${where}. A test that waits too long is failed at its limit, so this one ` +
      "never gave the event loop back: an endless loop, a synchronous one or one of sleeps on the virtual clock (where time " +
      "passes at once), or a wait for something no other thread will ever do?";
  }
  return `timed out: this test was still running when its run was stopped at ${at?.seconds ?? "the lab's"} s, the lab's time ` +
    "limit. An endless loop, or a wait nothing wakes?";
}

/** Turns the records of each run and the way the last one ended into a result for every test. */
export function interpret(run: LabRun, attempts: readonly Attempt[], end: Ending): LabResult {
  const visibilityOf = (file: string): Visibility =>
    run.files.find((f) => f.path.endsWith(file) || file.endsWith(f.path))?.visibility ?? "visible";
  const hiddenNames = new Set(run.expectedHidden ?? []);
  const visibilityOfName = (name: string): Visibility => (hiddenNames.has(name) ? "hidden" : "visible");
  const tests = new Map<string, TestOutcome>();
  const loadErrors: string[] = [];
  let ended = false;
  const hungGroups = skippedGroups(end.hung);
  const SKIPPED_WITH_GROUP = "not run: two tests of this group never finished, so the rest of the group was left out";

  // Later runs override earlier ones: a test run again without the one that hung has its final word there.
  for (const e of attempts.flatMap((a) => a.runner)) {
    if (e.event === "result") {
      const max = pointsOf(e.name) ?? 0;
      const ok = passed(e.state);
      const text = [e.message || `test ${e.state}`, e.diff].filter(Boolean).join("\n\n");
      tests.set(e.name, {
        name: e.name,
        task: taskOf(e.name),
        max,
        score: ok ? max : 0,
        status: ok ? "passed" : "failed",
        output: ok ? ""
          : e.state === "skipped" && hungGroups.has(groupOf(e.name)) ? SKIPPED_WITH_GROUP
          : clip(tidy(text), run.outputBytes),
        visibility: visibilityOf(e.file),
      });
    } else if (e.event === "module") {
      loadErrors.push(...e.errors.filter((m) => !m.includes(ASSERTIONS_CHANGED)).map(tidy));
    } else if (e.event === "end") ended = true;
  }

  // The runner never heard of tests the worker finished just before a loop that had to be killed (it hears in
  // batches). Only when the last run hung (no run came after it) do such results count, and only those before
  // the test that hung, in the order the tests are written: any other run would have had the runner's word for them.
  const final = attempts[attempts.length - 1];
  const stoppedLast = Boolean(final?.stopped && final.stuck);
  if (stoppedLast && final?.stuck && run.expected?.length) {
    const order = new Map(run.expected.map((n, i) => [n, i]));
    const stuckAt = order.get(final.stuck) ?? -1;
    for (const w of final.worker) {
      if (w.event !== "result" || tests.has(w.name) || !passed(w.state)) continue;
      const at = order.get(w.name);
      if (at === undefined || at >= stuckAt) continue;
      const max = pointsOf(w.name) ?? 0;
      tests.set(w.name, { name: w.name, task: taskOf(w.name), max, score: max, status: "passed", output: "", visibility: visibilityOfName(w.name) });
    }
  }

  let outcome: LabOutcome = "completed";
  let note = "";
  const started = attempts.some((a) => a.runner.some((e) => e.event === "start"));
  for (const name of new Set(end.hung)) {
    tests.set(name, {
      name, task: taskOf(name), max: pointsOf(name) ?? 0, score: 0, status: "failed", visibility: visibilityOfName(name),
      output: whyStopped(attempts.find((a) => a.stuck === name)),
    });
  }
  if (end.hung.length) {
    outcome = "timed out";
    // Tests left out with their group never ran: say so, rather than let "the other tests ran" cover them.
    const skipped = [...tests.values()].filter((t) => t.output === SKIPPED_WITH_GROUP).length;
    note = `${new Set(end.hung).size} test(s) never finished and were stopped; the other tests ran again without them` +
      (skipped ? `, but for ${skipped} more test(s) of a group in which two hung, which were left out and count as failed` : "");
  }
  if (end.timedOut && !end.hung.length) {
    outcome = "timed out";
    note = `stopped after ${final?.seconds ?? run.seconds} s, the lab's time limit, before any test was running (an endless loop at import?)`;
  } else if (stoppedLast) {
    note = `stopped ${attempts.length} time(s), the most a lab is run (${MAX_ATTEMPTS} runs within ${TIME_LIMITS} × its ${run.seconds} s ` +
      `time limit); tests that had not run by then count as failed`;
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
    outcome === "timed out" ? "not run: the lab was stopped before this test"
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

  // Forged results, disabled assertions, a lab reaching for the grader: nothing the run reported counts.
  const tampering = tamperingOf(run, attempts);
  if (tampering.length) {
    outcome = "tampered";
    note = [`${TAMPERED}: ${tampering[0]}`, ...tampering.slice(1)].join("\n");
    for (const [name, t] of tests) {
      tests.set(name, { ...t, score: 0, status: "failed", output: `${TAMPERED} (the lab scores 0): ${tampering[0]}` });
    }
  }

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
