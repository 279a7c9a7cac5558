// Grading tests for lab 13-observability. TODO header (owner: metrics).
import { describe, expect, it } from "vitest";
// --- imports: metrics (tasks 1–3)

// --- imports: logs (tasks 4–5)

// --- imports: tracing (task 6)

// --- end imports

// --- tests: metrics (tasks 1–3)

// --- tests: logs (tasks 4–5)

// --- tests: tracing (task 6)

// --- end tests
