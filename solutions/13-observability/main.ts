// Chapter 13 demo: `npm run lab 13`. TODO header (owner: metrics).
import { done, step } from "../00-common/demo";
// --- imports: metrics (tasks 1–3)

// --- imports: logs (tasks 4–5)

// --- imports: tracing (task 6)
import { traceDemo } from "./trace-demo";

// --- end imports

// --- steps: metrics (tasks 1–3)

// --- steps: logs (tasks 4–5)

// --- steps: tracing (task 6)
await step("Task 6: tracing the hub — a waiter, its setter and a sleeper that is killed, on the virtual clock", () =>
  traceDemo((line) => console.log(`   ${line}`)),
);

// --- end steps
done();
