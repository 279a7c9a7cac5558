// Notebooks for a student copy. They import the reference (./solutions/NN-slug/…, from the repository root);
// the student edition points them at the learner's own lab (./labs/NN-slug/…), so an experiment runs on the code the learner is
// writing and shows "not implemented yet" until the task is done — what a learner expects from a starter.
// Outputs are dropped (they were made by the reference), and a cell that shows reference code is replaced
// by a note.
import { firstNeedleIn, type Needle } from "./leaks";

type Multiline = string | string[];
interface Cell {
  cell_type: string;
  source: Multiline;
  outputs?: unknown[];
  execution_count?: number | null;
  metadata?: Record<string, unknown>;
  [key: string]: unknown;
}
interface Notebook {
  cells: Cell[];
  [key: string]: unknown;
}

const text = (m: Multiline): string => (Array.isArray(m) ? m.join("") : m);
const lines = (s: string): string[] => s.split(/(?<=\n)/);

export function studentNotebook(json: string, file: string, needles: readonly Needle[]): { json: string; replaced: number } {
  let nb: Notebook;
  try {
    nb = JSON.parse(json) as Notebook;
    if (!Array.isArray(nb.cells)) throw new Error("no cells");
  } catch (e) {
    throw new Error(`${file}: not a notebook (${(e as Error).message})`);
  }
  let replaced = 0;
  const cells = nb.cells.map((cell) => {
    let src = text(cell.source).replace(/(["'`])((?:\.\.?\/)+)solutions\//g, "$1$2labs/");
    if (cell.cell_type === "markdown") src = forTheLearner(src);
    const out: Cell = { ...cell, source: lines(src) };
    if (cell.cell_type === "code") {
      out.outputs = [];
      out.execution_count = null;
    }
    const hit = firstNeedleIn(src, needles);
    if (hit) {
      replaced++;
      out.source = lines(
        cell.cell_type === "code"
          ? "// This cell showed reference code for a lab task; the student edition leaves it out.\n// Write the task in labs/ and experiment with your own code here."
          : "*This cell showed reference code for a lab task; the student edition leaves it out.*",
      );
    }
    return out;
  });
  return { json: JSON.stringify({ ...nb, cells }, null, 1) + "\n", replaced };
}

/**
 * A notebook's prose as the learner reads it: the cells run the learner's own lab, so "the chapter's reference code in
 * `solutions/NN-slug/`" becomes "your own code in `labs/NN-slug/`" (and so on for the other phrasings).
 */
export function forTheLearner(md: string): string {
  return md
    .replace(/\bthe chapter's reference code\b/g, "your own code")
    .replace(/\bthe chapter's reference (\w+)/g, "your $1")
    .replace(/\breference code\b/g, "your lab code")
    .replace(/(^|[\s`'"(/.])solutions\/(?=\d\d-|NN-)/g, "$1labs/");
}

/** The line before a paragraph that only the course's repository can follow (a command the student edition lacks). */
export const COURSE_ONLY = "<!-- course repository only -->";

/**
 * A markdown file without the paragraphs marked `COURSE_ONLY` (the marker, and the lines after it up to the next blank
 * line): a lab README's "time your code with `npm run bench -- … --lab`", whose benchmarks set the learner's code
 * beside the reference, which a student copy does not have.
 */
export function withoutCourseOnly(md: string): { text: string; dropped: number } {
  const out: string[] = [];
  let dropped = 0;
  let skipping = false;
  for (const line of md.split("\n")) {
    if (line.trim() === COURSE_ONLY) {
      skipping = true;
      dropped++;
    } else if (skipping && line.trim() === "") skipping = false;
    else if (!skipping) out.push(line);
  }
  return { text: out.join("\n"), dropped };
}

/**
 * A markdown file (a lab's hints, its README, a chapter) with every section that spells out reference code
 * replaced by a note: hints may lead a learner to the answer, but the student edition never prints it.
 */
export function redactMarkdown(md: string, file: string, needles: readonly Needle[]): { text: string; redacted: string[] } {
  const out: string[] = [];
  const redacted: string[] = [];
  const headings: string[] = []; // the open heading at each level, so a note can say "Task 2 › Nearly the answer"
  let body: string[] = [];
  const flush = (): void => {
    // Searched as a reader sees it, without the backticks of inline code: "`f(x)`;" reads as "f(x);".
    if (body.length && firstNeedleIn(body.join("\n").replace(/`/g, ""), needles)) {
      redacted.push(`${file}: "${headings.filter(Boolean).slice(1).join(" › ") || "(top)"}"`);
      out.push("*This part spelled out the reference code; the student edition leaves it out. Try the hints before it,*",
        "*or ask your instructor.*", "");
    } else out.push(...body);
    body = [];
  };
  for (const line of md.split("\n")) {
    if (/^#{1,6}\s/.test(line)) {
      flush();
      out.push(line);
      const level = line.match(/^#+/)![0].length;
      headings.length = level;
      headings[level - 1] = line.replace(/^#+\s*/, "");
    } else body.push(line);
  }
  flush();
  return { text: out.join("\n"), redacted };
}
