// The course manifest (course.json), typed and checked: the one list of chapters every tool reads.
import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

export type ChapterStatus = "ready" | "planned";

export interface Chapter {
  /** Stable id, `NN-slug`: folder name in chapters/, solutions/, labs/, test/ and notebooks/. */
  readonly id: string;
  readonly part: number;
  readonly status: ChapterStatus;
  /** Total points of the lab; the points written in its tests must add up to this. */
  readonly points: number;
  /** The lab's demo program, relative to the lab folder. */
  readonly demo: string;
  /**
   * The lab's other programs, by name: the file each runs, relative to the lab folder (chapter 14: `"lb": "cli.ts"`).
   * `npm run lab NN NAME` runs the learner's, `--ref` the reference's; a student copy also has `npm run NAME`.
   * @default none
   */
  readonly programs?: Readonly<Record<string, string>>;
  readonly title: string;
  readonly summary: string;
  /** Wall-clock limit for grading this lab, overriding `limits.labSeconds`. */
  readonly labSeconds?: number;
  /**
   * Points of the instructor-only tests (test/hidden/NN-slug*.test.ts), on top of `points`. They are graded
   * only where those tests are present (the instructor's tree, the Gradescope autograder), never in a student copy.
   * @default 0
   */
  readonly hiddenPoints?: number;
}

export interface Part {
  readonly id: number;
  readonly title: string;
  readonly summary: string;
}

export interface Manifest {
  readonly title: string;
  readonly tagline: string;
  readonly limits: {
    readonly labSeconds: number;
    readonly testMilliseconds: number;
    readonly outputBytesPerTest: number;
  };
  readonly parts: readonly Part[];
  readonly chapters: readonly Chapter[];
}

const ID = /^(\d\d)-[a-z0-9-]+$/;
const PROGRAM = /^[a-z][a-z0-9-]*$/;

/** Reads and validates course.json; a mistake in it is reported with the field that is wrong. */
export function loadManifest(root = ROOT): Manifest {
  const file = join(root, "course.json");
  const data = JSON.parse(readFileSync(file, "utf8")) as Manifest;
  const problems: string[] = [];
  const seen = new Set<string>();
  data.chapters.forEach((c, i) => {
    const where = `chapters[${i}] (${c.id ?? "no id"})`;
    if (!ID.test(c.id ?? "")) problems.push(`${where}: id must look like NN-slug`);
    if (seen.has(c.id)) problems.push(`${where}: duplicate id`);
    seen.add(c.id);
    if (!data.parts.some((p) => p.id === c.part)) problems.push(`${where}: unknown part ${c.part}`);
    if (c.status !== "ready" && c.status !== "planned") problems.push(`${where}: status must be ready or planned`);
    if (!Number.isInteger(c.points) || c.points <= 0) problems.push(`${where}: points must be a positive integer`);
    if (c.hiddenPoints !== undefined && (!Number.isInteger(c.hiddenPoints) || c.hiddenPoints < 0)) {
      problems.push(`${where}: hiddenPoints must be a non-negative integer`);
    }
    if (!c.title || !c.summary || !c.demo) problems.push(`${where}: title, summary and demo are required`);
    for (const [name, file] of Object.entries(c.programs ?? {})) {
      if (!PROGRAM.test(name)) problems.push(`${where}: program "${name}" must be a lower-case word (it is typed after the lab's id)`);
      if (typeof file !== "string" || !file.endsWith(".ts")) problems.push(`${where}: program "${name}" must name a .ts file of the lab`);
    }
  });
  if (problems.length) throw new Error(`course.json is not valid:\n  ${problems.join("\n  ")}`);
  return data;
}

export const readyChapters = (m: Manifest): Chapter[] => m.chapters.filter((c) => c.status === "ready");

/** Points of a lab's instructor-only tests (0 when it has none). */
export const hiddenPoints = (c: Chapter): number => c.hiddenPoints ?? 0;

/** Seconds the grader allows one lab before it kills the lab's process group. */
export const labSeconds = (m: Manifest, c: Chapter): number => c.labSeconds ?? m.limits.labSeconds;

/**
 * Finds a chapter from what a learner types: `1`, `01`, `01-coroutines` or `coroutines`.
 * An unknown id is an error that lists the valid ones.
 */
export function findChapter(m: Manifest, query: string, { readyOnly = true } = {}): Chapter {
  const q = query.trim().toLowerCase();
  const pool = readyOnly ? readyChapters(m) : [...m.chapters];
  const hit = pool.find(
    (c) => c.id === q || c.id.slice(0, 2) === q.padStart(2, "0") || c.id.slice(3) === q,
  );
  if (hit) return hit;
  const planned = m.chapters.find((c) => c.id === q || c.id.slice(0, 2) === q.padStart(2, "0"));
  const valid = pool.map((c) => c.id).join(", ");
  if (planned && readyOnly) {
    throw new Error(`lab ${planned.id} is planned but not ready yet. Ready labs: ${valid}`);
  }
  throw new Error(`unknown lab "${query}". Valid labs: ${valid}`);
}
