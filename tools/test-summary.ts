// Prints the closing line CI reads, "N passed, N failed, N skipped", from vitest's JSON report, plus the checks of
// runs outside vitest named with `--with FILE` (the soak's `{ "passed": N, "failed": N }`; a file missing means that
// run did not finish, and counts as one failure).
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { ROOT } from "./lib/manifest";

const { values, positionals } = parseArgs({ allowPositionals: true, options: { with: { type: "string", multiple: true, default: [] } } });
let extraPassed = 0;
let extraFailed = 0;
for (const f of values.with) {
  try {
    const r = JSON.parse(readFileSync(f, "utf8")) as { passed: number; failed: number };
    extraPassed += r.passed;
    extraFailed += r.failed;
  } catch {
    console.error(`no results at ${f}: that run did not finish`);
    extraFailed += 1;
  }
}
const file = positionals[0] ?? join(ROOT, ".course", "test-results.json");
if (!existsSync(file)) {
  console.error(`no test report at ${file}: the test run did not finish`);
  console.log(`${extraPassed} passed, ${1 + extraFailed} failed`);
  process.exit(1);
}
const r = JSON.parse(readFileSync(file, "utf8")) as {
  numPassedTests: number;
  numFailedTests: number;
  numPendingTests: number;
  numTodoTests: number;
  numFailedTestSuites: number;
};
// A test file that fails to load has no tests to count; count it as a failure so it cannot hide.
const failed = r.numFailedTests + (r.numFailedTests === 0 ? r.numFailedTestSuites : 0) + extraFailed;
console.log(`${r.numPassedTests + extraPassed} passed, ${failed} failed, ${r.numPendingTests + r.numTodoTests} skipped`);
process.exit(failed ? 1 : 0);
