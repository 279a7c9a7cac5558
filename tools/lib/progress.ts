// Learner state kept between commands in the git-ignored .course/ folder: last results and hints shown.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { ROOT } from "./manifest";

export interface LabProgress {
  /** Points of the lab's public tests: what counts towards the course total. */
  readonly score: number;
  readonly max: number;
  /** Instructor-only tests, where they were graded (the instructor's repository): shown apart, never added in. */
  readonly hidden?: { readonly score: number; readonly max: number };
  readonly outcome: string;
  readonly when: string;
  /** Per task: tests passed and tests in all. */
  readonly tasks: Record<string, { passed: number; total: number }>;
}

export interface Progress {
  labs: Record<string, LabProgress>;
  /** Hint levels already shown, per lab and task: "01-coroutines/2" → 1. */
  hints: Record<string, number>;
}

export const stateDir = (root = ROOT): string => join(root, ".course");
const file = (root: string): string => join(stateDir(root), "progress.json");

export function loadProgress(root = ROOT): Progress {
  if (!existsSync(file(root))) return { labs: {}, hints: {} };
  try {
    const p = JSON.parse(readFileSync(file(root), "utf8")) as Partial<Progress>;
    return { labs: p.labs ?? {}, hints: p.hints ?? {} };
  } catch {
    return { labs: {}, hints: {} }; // a damaged state file only costs the learner their history, never a crash
  }
}

export function saveProgress(p: Progress, root = ROOT): void {
  mkdirSync(dirname(file(root)), { recursive: true });
  writeFileSync(file(root), JSON.stringify(p, null, 2) + "\n");
}
