// `--lab` (bench/run.ts): a suite measuring a learner's own code beside the course's. Where that code is, how a case
// module loads it, and the suite as such a run measures it: the learner's systems added, every ratio theirs, and the
// course's aims judged on their figures with the reference's verdict in the same run beside each.
import { existsSync } from "node:fs";
import { relative, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { Aim, Row, Suite } from "./suite";

const repoDir = resolve(import.meta.dirname, "..", "..");

/**
 * Where the learner's code is: labs/, or the tree HUB_TARGET names, as the grader and `npm run watch` read it
 * (vitest.config.ts), relative to the current directory (npm makes it the repository's).
 */
export const labTree = (): string => resolve(process.env.HUB_TARGET || resolve(repoDir, "labs"));

/** The learner's tree as notes name it: `labs/`, or HUB_TARGET's path (from the repository root when inside it). */
export function labName(): string {
  const path = relative(repoDir, labTree());
  return `${path.startsWith("..") ? labTree() : path || "."}/`;
}

/**
 * Loads `file` (`02-hub/hub.ts`) of the learner's tree, when the measuring process starts: a lab whose file does not
 * load fails every case with that file's error; a task not done yet fails only the cases that reach it.
 */
export const loadLab = async <M>(file: string): Promise<M> => (await import(pathToFileURL(resolve(labTree(), file)).href)) as M;

/** Why `--lab` cannot run: the chapters among `dirs` ("02-hub") that the learner's tree lacks, or null. */
export function labsMissing(dirs: readonly string[]): string | null {
  const missing = dirs.filter((dir) => !existsSync(resolve(labTree(), dir)));
  if (!missing.length) return null;
  return `${labName()} has no ${missing.join(", ")}` + (process.env.HUB_TARGET ? " (HUB_TARGET names that tree)" : ": npm run labs writes labs/");
}

/**
 * How long one measurement of a learner's code may take before it is stopped: a lab that loops forever is stopped
 * well before the 300 s a peer may take, and the reference's slowest measurement takes about a second.
 */
export const LAB_DEADLINE_MS = 60_000;

/** The learner's system for `reference` is called "your <reference>" ("your hub", "your p2c"). */
export const yours = (reference: string): string => `your ${reference}`;
const mirrored = (name: string): string | null => (name.startsWith("your ") ? name.slice("your ".length) : null);

/**
 * The suite as a run of the learner's code measures it, `names` their systems: each the subject of the ratio to the
 * system it mirrors ("your p2c ÷ p2c") and, where they have one system only, of every ratio ("your hub ÷ floor").
 */
export function labSuite(suite: Suite, names: readonly string[]): Suite {
  const mine = new Set(names);
  const only = names.length === 1 ? names[0]! : null;
  return {
    ...suite,
    subject: only ?? "yours",
    subjectFor: (peer) => (mine.has(peer) ? null : mine.has(yours(peer)) ? yours(peer) : only),
    aims: (rows) => labAims(suite, rows, mine),
  };
}

/**
 * One line for an error a measurement (or a server of a lab) threw: its message and the first place in the course's
 * code or a lab's it came from, which a stack trace's last lines (Node's internals) do not say. A lab's "not
 * implemented yet" names its task already.
 */
export function errorLine(e: unknown): string {
  let text = e instanceof Error ? `${e.name === "Error" ? "" : `${e.name}: `}${e.message}` : String(e);
  if (e instanceof Error && stubIn(e.message) === null) {
    const frame = (e.stack ?? "").split("\n").slice(1).map((l) => /(\/[^\s()]+):(\d+):\d+\)?$/.exec(l.replace("file://", "")))
      .find((m) => m !== null && !m[1]!.includes("/node_modules/") && !relative(repoDir, m[1]!).startsWith("bench"));
    if (frame) text += ` (at ${relative(repoDir, frame[1]!)}:${frame[2]})`;
  }
  return text;
}

/**
 * A lab stub's message in what a process printed: `not implemented yet — lab NN-slug, task N: name`, the lab
 * generator's wording (solutions/00-common/demo.ts, isNotImplemented, is its check within one process; the starters'
 * runs in test/bench/lab.test.ts read real stubs through this one).
 */
export const stubIn = (printed: string): string | null => /not implemented yet — lab \S+, task \d+: [^\n()"]+/.exec(printed)?.[0].trimEnd() ?? null;

/**
 * The tasks a learner's lab still has to do, gathered from the measurements that failed on a stub, and said once at
 * the end of the run, grouped by task. A measurement waiting for a task is where a learner is, not a failure.
 */
export class LabTasks {
  readonly #waiting = new Map<string, Map<string, string[]>>();
  #count = 0;

  /**
   * The exit status of a run with `failures` failed measurements, once the tasks are said: 1 when one failed for
   * another reason than a task not done yet, which is where a learner is, not a failure of the run.
   */
  finish(failures: number): number {
    for (const line of this.lines()) console.log(line);
    return failures > this.#count ? 1 : 0;
  }

  /** Notes a failed measurement of `system` on `what`; true when it failed on a stub (a task not done yet). */
  note(error: unknown, system: string, what: string): boolean {
    const task = error instanceof Error ? stubIn(error.message) : null;
    if (task === null) return false;
    const bySystem = this.#waiting.get(task) ?? new Map<string, string[]>();
    bySystem.set(system, [...(bySystem.get(system) ?? []), what]);
    this.#waiting.set(task, bySystem);
    this.#count++;
    return true;
  }

  /** The closing lines: each task, with the systems and cases that wait for it. */
  lines(): string[] {
    if (!this.#waiting.size) return [];
    const out = ["", "Your lab has tasks to do before these can be measured:"];
    for (const [task, bySystem] of this.#waiting) {
      const what = [...bySystem].map(([system, names]) => `${system} (${names.length === 1 ? names[0] : `${names.length} cases`})`);
      out.push(`  ${task.replace(/^not implemented yet — /, "")}: ${what.join(", ")}`);
    }
    out.push("Do them (npm run hint NN helps), then measure again.");
    return out;
  }
}

/**
 * The course's aims judged on the learner's figures, each in place of the system it mirrors, with the reference's
 * verdict on the same aim in the same run beside it when the run measured the reference: an aim the course's own
 * code misses reads as such.
 */
export function labAims(suite: Pick<Suite, "aims">, rows: readonly Row[], mine: ReadonlySet<string>): Aim[] {
  const replaced = new Set([...mine].map(mirrored));
  // The learner's rows under the names of the systems they mirror, the course's own in their place dropped.
  const asCourse = rows.filter((r) => !replaced.has(r.system)).map((r) => (mine.has(r.system) ? { ...r, system: mirrored(r.system)! } : r));
  // The course's verdicts, where this run measured the course's code at all (--systems may leave it out).
  const course = rows.some((r) => replaced.has(r.system)) ? suite.aims(rows.filter((r) => !mine.has(r.system))) : [];
  // An aim this run has no figures of yours for (--only, --systems) is left out rather than called missed.
  return suite.aims(asCourse).filter((a) => a.measured !== false).map((a) => {
    const reference = course.find((c) => c.aim === a.aim && c.measured !== false);
    return { aim: `yours: ${a.aim}`, met: a.met, detail: `${a.detail}${reference ? `; the course's code in this run: ${reference.met ? "met" : "not met"}` : ""}` };
  });
}
