// Chapter 14 demo: `npm run lab 14`. TODO header (owner: core).
import { done, step } from "../00-common/demo";
// --- imports: core (tasks 1–4)

// --- imports: drill (task 5)
import { runDrill } from "./drill";
import { formatReport } from "./drill-report";
import { faultName, QUICK_SCENARIO } from "./drill-scenario";

// --- imports: workers (task 6)

// --- end imports

// --- steps: core (tasks 1–4)

// --- steps: drill (task 5)
await step(`Task 5: the chaos drill, QUICK_SCENARIO, seed ${QUICK_SCENARIO.seed}: ${QUICK_SCENARIO.faults.map(faultName).join(", ")}; retries on, then off`, () => {
  for (const retries of [true, false]) {
    const run = runDrill(QUICK_SCENARIO, { retries });
    console.log(formatReport(run.report));
    if (retries) console.log(run.problems.length === 0 ? "verdict: passed\n" : `verdict: FAILED: ${run.problems.join("; ")}\n`);
  }
});

// --- steps: workers (task 6)

// --- end steps
done();
