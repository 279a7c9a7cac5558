// Grading tests for lab 14-capstone. TODO header (owner: core).
import { describe, expect, it } from "vitest";
// --- imports: core (tasks 1–4)

// --- imports: drill (task 5)

// --- imports: workers (task 6)

// --- end imports

// --- tests: core (tasks 1–4)

// --- tests: drill (task 5)

// --- tests: workers (task 6)

// --- end tests
