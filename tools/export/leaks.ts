// Finds reference code in a student copy: the body of every solution block in solutions/ is searched for in
// every file, whitespace normalized, as a whole and line by line (each line long enough to be telling and
// found nowhere a student may see it: the starters and the public tests). HTML is searched as text, and
// JSON files (notebooks, source maps, the catalog) by their string values, so escaping hides nothing.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { isSource, listFiles } from "../lib/files";
import { firstOccurrences } from "../lib/first-occurrences";
import { isMarkerLine, parseSource } from "../lib/markers";

export interface SolutionBody {
  /** Where the block is: solutions/NN-slug/file.ts:line. */
  readonly where: string;
  /** The body, one normalized line per entry (markers, starter lines and blank lines dropped). */
  readonly lines: readonly string[];
}

export interface Leak {
  readonly file: string;
  readonly line: number;
  readonly what: string;
}

const norm = (s: string): string => s.replace(/\s+/g, " ").trim();
const isComment = (s: string): boolean => /^(\/\/|\/\*|\*)/.test(s);
/** A body shorter than this (normalized) is a trivial line, like `return 0;`: it proves nothing. */
const MIN_BODY = 24;
/** A single line shorter than this could be written by anyone; longer ones are telling. */
const MIN_LINE = 28;

/** Every solution block body under solutions/, of every chapter (ready or not). */
export function solutionBodies(root: string): SolutionBody[] {
  const out: SolutionBody[] = [];
  for (const f of listFiles(join(root, "solutions")).filter(isSource)) {
    const shown = `solutions/${f}`;
    const parsed = parseSource(readFileSync(join(root, "solutions", f), "utf8"), shown);
    for (const b of parsed.blocks) {
      const lines: string[] = [];
      let inStarter = false;
      for (let i = b.begin + 1; i < b.end; i++) {
        const l = parsed.lines[i];
        if (/^\s*\/\/\s*STARTER\s*$/.test(l)) inStarter = true;
        else if (/^\s*\/\/\s*END STARTER\s*$/.test(l)) inStarter = false;
        else if (!inStarter && !isMarkerLine(l) && norm(l)) lines.push(norm(l));
      }
      if (lines.join(" ").length >= MIN_BODY) out.push({ where: `${shown}:${b.begin + 1}`, lines });
    }
  }
  return out;
}

/** A file as searchable text, with the line each character came from. */
function searchable(file: string, raw: string): { text: string; lineAt: (i: number) => number }[] {
  const views: string[] = [raw];
  if (/\.html?$/.test(file)) {
    views.push(raw.replace(/<[^>]*>/g, "").replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, '"').replace(/&#39;|&#x27;/g, "'").replace(/&amp;/g, "&"));
  }
  if (/\.(json|ipynb|map|cast)$/.test(file)) {
    const strings: string[] = [];
    const walk = (v: unknown): void => {
      if (typeof v === "string") strings.push(v);
      else if (Array.isArray(v)) v.forEach(walk);
      else if (v && typeof v === "object") Object.values(v).forEach(walk);
    };
    // A cast is one JSON value per line; anything else is one JSON document.
    for (const chunk of file.endsWith(".cast") ? raw.split("\n") : [raw]) {
      try {
        walk(JSON.parse(chunk));
      } catch {
        /* not JSON after all: the raw view still covers it */
      }
    }
    // Notebook sources are lists of lines: join them as the cell shows them.
    views.push(strings.join(""), strings.join("\n"));
  }
  return views.map((v) => {
    const lines = v.split("\n");
    const starts: number[] = [];
    let text = "";
    for (const l of lines) {
      starts.push(text.length);
      text += norm(l) + " ";
    }
    const lineAt = (i: number): number => {
      let lo = 0;
      let hi = starts.length - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if (starts[mid] <= i) lo = mid;
        else hi = mid - 1;
      }
      return lo + 1;
    };
    return { text, lineAt };
  });
}

export interface Needle {
  readonly text: string;
  readonly what: string;
}

/** What to search for: each whole body, and each of its telling lines not found in `allowed`. */
export function needlesOf(bodies: readonly SolutionBody[], allowed: readonly string[]): Needle[] {
  const telling = (l: string): boolean => l.length >= MIN_LINE && !isComment(l);
  const candidates = bodies.flatMap((b) => b.lines.filter(telling));
  const inAllowed = firstOccurrences(candidates)(norm(allowed.join("\n")));
  const seen = new Set(candidates.filter((_, i) => inAllowed[i]! >= 0));
  const needles: Needle[] = [];
  for (const b of bodies) {
    needles.push({ text: b.lines.join(" "), what: `the body of ${b.where}` });
    for (const l of b.lines) if (telling(l) && !seen.has(l)) needles.push({ text: l, what: `a line of ${b.where}: ${l}` });
  }
  return needles;
}

/** The search for each list of needles, prepared once: an export asks about every cell and section with one list. */
const searches = new WeakMap<readonly Needle[], (text: string) => number[]>();
function searchFor(needles: readonly Needle[]): (text: string) => number[] {
  let search = searches.get(needles);
  if (!search) searches.set(needles, (search = firstOccurrences(needles.map((n) => n.text))));
  return search;
}

/** The first needle found in `text` (whitespace normalized), or null. */
export function firstNeedleIn(text: string, needles: readonly Needle[]): Needle | null {
  const at = searchFor(needles)(text.split("\n").map(norm).join(" "));
  return needles.find((_, i) => at[i]! >= 0) ?? null;
}

/**
 * Searches `files` (paths relative to `dir`) for the solution bodies. `allowed` holds texts a student may see
 * anyway (starters, public tests): a body line found in them is not telling.
 */
export function findLeaks(dir: string, files: readonly string[], bodies: readonly SolutionBody[], allowed: readonly string[]): Leak[] {
  const needles = needlesOf(bodies, allowed);
  const search = searchFor(needles);
  const leaks: Leak[] = [];
  for (const file of files) {
    const buf = readFileSync(join(dir, file));
    if (buf.subarray(0, 8000).includes(0)) continue; // binary
    const views = searchable(file, buf.toString("utf8"));
    const found = new Set<string>();
    for (const view of views) {
      const first = search(view.text);
      for (const [i, n] of needles.entries()) {
        const at = first[i]!;
        if (at < 0 || found.has(n.what)) continue;
        found.add(n.what);
        leaks.push({ file, line: view.lineAt(at), what: n.what });
      }
    }
  }
  return leaks;
}

export const formatLeaks = (leaks: readonly Leak[]): string =>
  leaks.map((l) => `${l.file}:${l.line}: ${l.what}`).join("\n");
