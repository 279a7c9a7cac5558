// Prints the closing line CI reads, "N passed, N failed, N skipped", from vitest's JSON report.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "./lib/manifest";

const file = process.argv[2] ?? join(ROOT, ".course", "test-results.json");
if (!existsSync(file)) {
  console.error(`no test report at ${file}: the test run did not finish`);
  console.log("0 passed, 1 failed");
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
const failed = r.numFailedTests + (r.numFailedTests === 0 ? r.numFailedTestSuites : 0);
console.log(`${r.numPassedTests} passed, ${failed} failed, ${r.numPendingTests + r.numTodoTests} skipped`);
process.exit(failed ? 1 : 0);
