// Test configuration. Grading tests import the code under test as `@target/NN-slug/file`;
// HUB_TARGET points that alias at solutions/ (the default, what `npm test` checks) or at a lab tree.
import { readFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { BaseSequencer, type TestSpecification } from "vitest/node";
import { defineConfig } from "vitest/config";
// Read directly (not through tools/lib/manifest) so the config loads with no TypeScript imports of its own.
const manifest = JSON.parse(readFileSync(new URL("./course.json", import.meta.url), "utf8"));
const target = resolve(process.env.HUB_TARGET ?? "solutions");

/**
 * The course checks (test/course, test/site, test/classroom) are the long files, and they spend most of their time
 * waiting on processes they start (the grader, notebooks, Jupyter, Chromium, exports): they start first, the longest
 * of them first (LONGEST, from a run's durations), so that the short chapter files fill the time beside them instead
 * of one long check running alone at the end. Otherwise vitest's own order (failed first, then longest first by its
 * cache of the last run; a fresh clone has none). One check comes last: test/course/reference.test.ts reads the
 * results of the chapters' files of the same run (tools/lib/run-record.ts), so it starts after all of them.
 */
const LONGEST = ["course/notebooks", "course/course", "site/browser", "classroom/site", "course/grader"];
class ChecksFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const check = (f: TestSpecification): number =>
      /\/test\/course\/reference\.test\.ts$/.test(f.moduleId) ? 2 : /\/test\/(course|site|classroom)\//.test(f.moduleId) ? 0 : 1;
    const rank = (f: TestSpecification): number => {
      const at = LONGEST.findIndex((name) => f.moduleId.endsWith(`/test/${name}.test.ts`));
      return at < 0 ? LONGEST.length : at;
    };
    return (await super.sort(files)).map((f, i) => ({ f, i }))
      .sort((a, b) => check(a.f) - check(b.f) || rank(a.f) - rank(b.f) || a.i - b.i).map(({ f }) => f);
  }
}

export default defineConfig({
  resolve: { alias: [{ find: /^@target\//, replacement: `${target}/` }] },
  test: {
    include: ["test/**/*.test.ts"],
    exclude: ["**/node_modules/**", "test/fixtures/**"],
    sequence: { sequencer: ChecksFirst },
    // Worker threads start in a fraction of the CPU a Node process takes (about a quarter of a second a file, 45 files
    // and more); `npm run watch` runs the chapters' files in threads too. The grader keeps processes: lab code must
    // not share a process with the runner's record (tools/grader/record.ts).
    pool: process.env.HUB_GRADE_EVENTS ? "forks" : "threads",
    // Two files at once even on two cores (vitest's default there is one): the course checks mostly wait on their
    // own processes and the loopback tests on their backends, so a second file uses the time one leaves idle. The
    // grader's runs keep vitest's default (a lab's files one after another).
    ...(process.env.HUB_GRADE_EVENTS ? {} : { maxWorkers: Math.max(2, availableParallelism()) }),
    testTimeout: manifest.limits.testMilliseconds,
    hookTimeout: manifest.limits.testMilliseconds,
    // Chosen explicitly: vitest otherwise picks reporters by environment.
    // The run's record (tools/lib/run-record.ts) lets the reference check reuse the chapters' results of the same run.
    reporters: ["default", ["json", { outputFile: ".course/test-results.json" }], fileURLToPath(new URL("./tools/lib/run-record.ts", import.meta.url))],
    // While grading, each test's result is written from inside the worker as soon as it is known. On a lab otherwise
    // (npm run watch, vitest with HUB_TARGET), a test stuck in a loop is named on stderr rather than the run going quiet.
    setupFiles: process.env.HUB_GRADE_EVENTS ? [fileURLToPath(new URL("./tools/grader/setup.ts", import.meta.url))]
      : target !== fileURLToPath(new URL("./solutions", import.meta.url)) ? [fileURLToPath(new URL("./tools/grader/stuck-notice.ts", import.meta.url))]
      : [],
    globalSetup: [fileURLToPath(new URL("./tools/lib/test-banner.ts", import.meta.url))],
  },
});
