// The results of one `vitest run`, file by file, for a course check later in the same run: `npm test` runs every
// chapter's grading tests on the reference, and the check that the reference earns every point
// (test/course/reference.test.ts) reads their results here instead of grading the reference again (a vitest
// process per lab). A reporter (in vitest.config.ts) writes them, in the main vitest process, to a folder of its own
// run, named to the test workers in HUB_RUN_RECORD; a run that does not include every file a check needs (a test file
// run alone) has no record of them, and the check grades for itself.
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Reporter, TestModule, TestSpecification } from "vitest/node";
import { writeWhole } from "./files";
import { ROOT } from "./manifest";
import { isAlive } from "./process-group";

const VAR = "HUB_RUN_RECORD";
const RUNS = join(ROOT, ".course", "runs");

export interface RecordedTest {
  /** "describe > test", as vitest and the grader name it. */
  readonly name: string;
  readonly state: "passed" | "failed" | "skipped" | "pending";
}
export interface RecordedFile {
  readonly file: string;
  readonly tests: readonly RecordedTest[];
  /** Errors outside any test (a file that failed to load has no tests, only these). */
  readonly errors: readonly string[];
}
interface Plan {
  /** The code the run tested (HUB_TARGET, or solutions/). */
  readonly target: string;
  /** Every test file of the run. */
  readonly files: readonly string[];
}

const fileName = (moduleId: string): string => `${createHash("sha256").update(moduleId).digest("hex").slice(0, 24)}.json`;
export default class RunRecord implements Reporter {
  private readonly dir = join(RUNS, `${process.pid}-${Date.now()}`);

  onInit(): void {
    // Set before any worker starts: vitest gives each worker this process's environment. Set here, not inherited, so a
    // vitest started by a test (the grader's) never writes into its parent's record.
    process.env[VAR] = this.dir;
    // Records of runs that were killed before their end.
    for (const d of existsSync(RUNS) ? readdirSync(RUNS) : []) {
      if (!isAlive(Number(d.split("-")[0]))) rmSync(join(RUNS, d), { recursive: true, force: true });
    }
  }

  onTestRunStart(specifications: ReadonlyArray<TestSpecification>): void {
    // A watch mode's new run starts from an empty record.
    rmSync(this.dir, { recursive: true, force: true });
    mkdirSync(this.dir, { recursive: true });
    const plan: Plan = { target: resolve(process.env.HUB_TARGET ?? join(ROOT, "solutions")), files: specifications.map((s) => s.moduleId) };
    writeWhole(join(this.dir, "plan.json"), JSON.stringify(plan));
  }

  onTestModuleEnd(m: TestModule): void {
    const recorded: RecordedFile = {
      file: m.moduleId,
      tests: [...m.children.allTests()].map((t) => ({ name: t.fullName, state: t.result().state })),
      errors: m.errors().map((e) => e.message),
    };
    writeWhole(join(this.dir, fileName(m.moduleId)), JSON.stringify(recorded));
  }

  onTestRunEnd(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * The results of `files` (absolute paths) from the run this test runs in, waiting for files still running; or null
 * when the run does not test them on the reference (they were not asked for, or the run is not `vitest run` with
 * this configuration's reporters). Only another worker can be running them: the sequencer starts a file that reads
 * them after every file it reads (vitest.config.ts), so with one worker they are done.
 */
export async function recordedResults(files: readonly string[], timeoutMs: number): Promise<RecordedFile[] | null> {
  const dir = process.env[VAR];
  if (!dir || !existsSync(join(dir, "plan.json"))) return null;
  const plan = JSON.parse(readFileSync(join(dir, "plan.json"), "utf8")) as Plan;
  if (plan.target !== resolve(ROOT, "solutions") || !files.every((f) => plan.files.includes(f))) return null;
  const deadline = Date.now() + timeoutMs;
  const results: RecordedFile[] = [];
  for (const f of files) {
    const path = join(dir, fileName(f));
    while (!existsSync(path)) {
      if (Date.now() > deadline) throw new Error(`${f} did not finish within ${timeoutMs / 1000} s of this check`);
      await new Promise((r) => setTimeout(r, 250));
    }
    results.push(JSON.parse(readFileSync(path, "utf8")) as RecordedFile);
  }
  return results;
}
