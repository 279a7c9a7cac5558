// A vitest reporter for `npm run watch`: after each run, one line per task with its first failure in full
// (diff included), a notice of type errors in the lab, and what to do next, instead of a wall of output; in a run
// that takes more than a second, each task's line as it finishes, ahead of that summary.
// It also saves the results for `npm run course` and `npm run hint`.
import type { Reporter, TestCase, TestModule, TestSuite, Vitest } from "vitest/node";
import { join } from "node:path";
import { styleText } from "node:util";
import { ROOT } from "../lib/manifest";
import { loadProgress, saveProgress } from "../lib/progress";
import { type ErrorLike, hookFailure, lineDiff, NOT_RUN_AFTER_HOOK, plain, terminalWidth, untoldHookErrors, wrap } from "./failure-text";
import { pointsOf, taskOf } from "./points";
import { typeErrorsInBackground, typeNotice } from "./typecheck";

/** The message, then vitest's diff of expected and received (or one made here from the two values). */
function failureText(e: ErrorLike | undefined, state: string): string {
  if (!e) return state;
  const head = `${e.name && e.name !== "Error" ? `${e.name}: ` : ""}${plain(e.message ?? "failed")}`;
  const diff = e.diff ? plain(e.diff) : e.expected !== undefined && e.actual !== undefined ? lineDiff(e.expected, e.actual) : "";
  return diff ? `${head}\n\n${diff}` : head;
}

const color = Boolean(process.stdout.isTTY) && !process.env.NO_COLOR;
const paint = (style: Parameters<typeof styleText>[0], text: string): string => (color ? styleText(style, text) : text);

/** A task's tally in a run. */
interface TaskRow {
  passed: number;
  total: number;
  score: number;
  max: number;
  firstFailure?: string;
}

/**
 * Each task's tally of `tests`, in task order, and how many were left out of the run. A test left out (a -t filter,
 * .only) says nothing about the lab: its task keeps what the last run that ran it recorded, so that npm run hint does
 * not take a task passed before for unfinished. A test a failed hook kept from running failed: the hook's error is
 * its failure.
 */
function tally(tests: Iterable<TestCase>): { rows: [string, TaskRow][]; notRun: number } {
  const tasks = new Map<string, TaskRow>();
  let notRun = 0;
  for (const t of tests) {
    const r = t.result();
    const hook = hookFailure(t);
    if (r.state === "skipped" && !hook) {
      notRun++;
      continue;
    }
    const key = String(taskOf(t.fullName) ?? "other");
    const row = tasks.get(key) ?? { passed: 0, total: 0, score: 0, max: 0 };
    const pts = pointsOf(t.name) ?? 0;
    row.total++;
    row.max += pts;
    if (r.state === "passed") {
      row.passed++;
      row.score += pts;
    } else if (!row.firstFailure) {
      row.firstFailure = hook
        ? `${t.name}\n${NOT_RUN_AFTER_HOOK}${failureText(hook, "failed")}`
        : `${t.name}\n${failureText(r.state === "failed" ? (r.errors?.[0] as ErrorLike | undefined) : undefined, r.state)}`;
    }
    tasks.set(key, row);
  }
  return { rows: [...tasks.entries()].sort(([a], [b]) => Number(a) - Number(b)), notRun };
}

/**
 * How long a run goes on before each task is shown as it finishes, ahead of the summary: a lab whose tests run real
 * processes for seconds (chapter 14's loopback drill and its workers) gives the task being worked on its result
 * early. A run shorter than this shows the summary alone. HUB_PROGRESS_AFTER_MS sets another (0: every run).
 */
const progressAfter = Number(process.env.HUB_PROGRESS_AFTER_MS ?? 1000);
export const PROGRESS_AFTER_MS = Number.isFinite(progressAfter) && progressAfter >= 0 ? progressAfter : 1000;

export default class LearnerReporter implements Reporter {
  private watching = false;
  /** The type check started after the last run, while it is running. */
  private typecheck: ReturnType<typeof typeErrorsInBackground> | null = null;
  /** The lines of the tasks finished in this run, held until the run has gone on for PROGRESS_AFTER_MS. */
  private finished: string[] = [];
  private showing = false;
  private progress: NodeJS.Timeout | null = null;

  onInit(vitest: Vitest): void {
    this.watching = Boolean(vitest.config.watch);
  }

  /** A save starts a new run: the type check of the code before it is stale, and would only take CPU from it. */
  onTestRunStart(): void {
    this.typecheck?.cancel();
    this.typecheck = null;
    this.finished = [];
    this.showing = false;
    if (this.progress) clearTimeout(this.progress);
    this.progress = setTimeout(() => {
      this.showing = true;
      for (const line of this.finished) console.log(line);
    }, PROGRESS_AFTER_MS);
    this.progress.unref();
  }

  /**
   * A task (a describe at the top of its file) finished: its line now, or once the run has gone on long enough.
   * vitest's worker sends results in batches on a timer, so a task followed by a long synchronous test (lab 09's
   * simulations) shows when that test ends.
   */
  onTestSuiteResult(suite: TestSuite): void {
    if (suite.parent.type !== "module") return;
    for (const [task, r] of tally(suite.children.allTests()).rows) {
      const mark = r.passed === r.total ? paint("green", "✓") : paint("red", "✗");
      const line = `${paint("dim", "…")} ${mark} ${paint("dim", `task ${task}: ${r.passed}/${r.total} tests, ${r.score}/${r.max} pts`)}`;
      if (this.showing) console.log(line);
      else this.finished.push(line);
    }
  }

  async onTestRunEnd(modules: readonly TestModule[]): Promise<void> {
    if (this.progress) clearTimeout(this.progress);
    this.progress = null;
    const lab = process.env.HUB_LAB ?? "";
    // A file with no tests collected could not load; one with tests that has errors failed in a hook: a beforeAll's
    // failure is on its tests' lines (tally), an afterAll's is said below.
    const tests: TestCase[] = [];
    const untold: ReturnType<typeof untoldHookErrors> = [];
    for (const m of modules) {
      const mine = [...m.children.allTests()];
      if (mine.length) untold.push(...untoldHookErrors(m));
      else for (const e of m.errors()) console.log(paint("red", `Could not load your code: ${e.message}`));
      tests.push(...mine);
    }
    const { rows, notRun } = tally(tests);
    console.log("");
    for (const [task, r] of rows) {
      const done = r.passed === r.total;
      const head = `${done ? paint("green", "✓") : paint("red", "✗")} task ${task}: ${r.passed}/${r.total} tests, ${r.score}/${r.max} pts`;
      console.log(head);
      // The first failure of the task in full, wrapped to the terminal: the one to fix first.
      if (!done && r.firstFailure) console.log(wrap(r.firstFailure, terminalWidth(), "    ").map((l) => paint("dim", l)).join("\n"));
    }
    for (const { where, error } of untold) console.log(paint("red", `A hook of "${where}" failed: ${failureText(error, "failed")}`));
    const next = rows.find(([, r]) => r.passed < r.total);
    const score = rows.reduce((s, [, r]) => s + r.score, 0);
    const max = rows.reduce((s, [, r]) => s + r.max, 0);
    console.log(
      next
        ? paint("bold", `\n${score}/${max} points. Next: task ${next[0]} (see labs/${lab}/README.md; stuck? npm run hint ${lab.slice(0, 2)})`)
        : notRun
          ? paint("green", `\nAll ${max} points of the tests this run chose (${notRun} left out by a filter): run them all to finish lab ${lab}.`)
          : paint("green", `\nAll ${max} points. Lab ${lab} is done: on to the next chapter (npm run course).`),
    );
    if (next) console.log(paint("dim", `The same check once, every failure in full in .course/grade/report.txt: npm run grade ${lab.slice(0, 2)}`));
    if (lab && rows.length) {
      const p = loadProgress();
      const ran = Object.fromEntries(rows.map(([k, r]) => [k, { passed: r.passed, total: r.total }]));
      const before = p.labs[lab];
      // A filtered run updates the tasks it ran; the lab's points stay those of the last whole run.
      p.labs[lab] = notRun && before
        ? { ...before, tasks: { ...before.tasks, ...ran } }
        : { score, max, outcome: "completed", when: new Date().toISOString(), tasks: ran };
      saveProgress(p);
    }
    // After the summary, so the points show at once; in a child process, so vitest's own work goes on. While
    // watching, the run is not held back for it: its notice follows when it is ready, unless a save came first.
    if (lab) {
      const check = typeErrorsInBackground(ROOT, [join(process.env.HUB_TARGET || join(ROOT, "labs"), lab)]);
      this.typecheck = check;
      const shown = check.result().then((errors) => {
        if (this.typecheck !== check) return;
        this.typecheck = null;
        const notice = typeNotice(errors);
        if (notice.length) console.log(`\n${notice.join("\n")}`);
      });
      if (!this.watching) await shown;
    }
  }
}
