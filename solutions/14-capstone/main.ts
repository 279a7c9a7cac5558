// Chapter 14 demo: `npm run lab 14`. TODO header (owner: core).
import { done, step } from "../00-common/demo";
// --- imports: core (tasks 1–4)

// --- imports: drill (task 5)

// --- imports: workers (task 6)

// --- end imports

// --- steps: core (tasks 1–4)

// --- steps: drill (task 5)

// --- steps: workers (task 6)

// --- end steps
done();
