// Instructor-only tests for lab 14-capstone: edge cases the public tests leave out. Graded by the instructor's
// grader and the Gradescope autograder; never handed out with the student edition.
import { describe, expect, it } from "vitest";
// --- imports: core (tasks 1–4)

// --- imports: drill (task 5)

// --- imports: workers (task 6)

// --- end imports

// --- tests: core (tasks 1–4)

// --- tests: drill (task 5)

// --- tests: workers (task 6)

// --- end tests
