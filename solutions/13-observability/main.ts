// Chapter 13 demo: `npm run lab 13`. TODO header (owner: metrics).
import { done, step } from "../00-common/demo";
// --- imports: metrics (tasks 1–3)

// --- imports: logs (tasks 4–5)

// --- imports: tracing (task 6)

// --- end imports

// --- steps: metrics (tasks 1–3)

// --- steps: logs (tasks 4–5)

// --- steps: tracing (task 6)

// --- end steps
done();
