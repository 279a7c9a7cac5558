// Instructor-only tests for lab 13-observability: edge cases the public tests leave out. Graded by the instructor's
// grader and the Gradescope autograder; never handed out with the student edition.
import { describe, expect, it } from "vitest";
// --- imports: metrics (tasks 1–3)

// --- imports: logs (tasks 4–5)

// --- imports: tracing (task 6)

// --- end imports

// --- tests: metrics (tasks 1–3)

// --- tests: logs (tasks 4–5)

// --- tests: tracing (task 6)

// --- end tests
