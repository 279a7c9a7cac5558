// The marker grammar of solutions/: solution blocks (which become lab stubs) and named regions
// (which chapters include). Course machinery, used by the lab generator, the site and the exporter.
//
//   // BEGIN SOLUTION <task> <name>     a block the learner writes; <task> is the task number in the lab README
//   // STARTER                          optional, inside a block: commented lines that become the starter body
//   // code the learner starts from
//   // END STARTER
//   ...reference code...
//   // END SOLUTION
//
//   // #region <name> … // #endregion   a named region, included in chapters by `<<< NN-slug/file.ts#name`
//
// A region may enclose solution blocks but never cross one; blocks do not nest.

export interface SolutionBlock {
  readonly task: number;
  readonly name: string;
  /** Line index (0-based) of the BEGIN marker. */
  readonly begin: number;
  /** Line index of the END marker. */
  readonly end: number;
  readonly indent: string;
  /** Uncommented starter lines, or null for the default stub that throws. */
  readonly starter: readonly string[] | null;
}

export interface Region {
  readonly name: string;
  readonly begin: number;
  readonly end: number;
}

export interface ParsedSource {
  readonly lines: readonly string[];
  readonly blocks: readonly SolutionBlock[];
  readonly regions: readonly Region[];
}

export class MarkerError extends Error {
  constructor(file: string, line: number, rule: string) {
    super(`${file}:${line + 1}: ${rule}`);
  }
}

const BEGIN = /^(\s*)\/\/\s*BEGIN SOLUTION\b\s*(.*)$/;
const END = /^\s*\/\/\s*END SOLUTION\s*$/;
const STARTER = /^\s*\/\/\s*STARTER\s*$/;
const END_STARTER = /^\s*\/\/\s*END STARTER\s*$/;
const REGION = /^\s*\/\/\s*#region\s+(\S+)\s*$/;
const END_REGION = /^\s*\/\/\s*#endregion\b/;
const MARKER = /^\s*\/\/\s*(BEGIN SOLUTION|END SOLUTION|STARTER|END STARTER|#region|#endregion)\b/;

export const isMarkerLine = (line: string): boolean => MARKER.test(line);

export function parseSource(text: string, file: string): ParsedSource {
  const lines = text.split("\n");
  const blocks: SolutionBlock[] = [];
  const regions: Region[] = [];
  const openRegions: { name: string; begin: number; blockDepth: number }[] = [];
  let open: { task: number; name: string; begin: number; indent: string; starter: string[] | null } | null = null;
  let inStarter = false;

  lines.forEach((line, i) => {
    let m: RegExpMatchArray | null;
    if ((m = line.match(BEGIN))) {
      if (open) throw new MarkerError(file, i, "BEGIN SOLUTION inside another solution block (blocks do not nest)");
      const args = m[2].trim().match(/^(\d+)\s+(\S.*)$/);
      if (!args) throw new MarkerError(file, i, "write `// BEGIN SOLUTION <task number> <name>`");
      open = { task: Number(args[1]), name: args[2].trim(), begin: i, indent: m[1], starter: null };
    } else if (END.test(line)) {
      if (!open) throw new MarkerError(file, i, "END SOLUTION without BEGIN SOLUTION");
      if (inStarter) throw new MarkerError(file, i, "END SOLUTION before END STARTER");
      blocks.push({ ...open, end: i });
      open = null;
    } else if (STARTER.test(line)) {
      if (!open) throw new MarkerError(file, i, "STARTER outside a solution block");
      if (open.starter) throw new MarkerError(file, i, "a solution block has at most one STARTER");
      open.starter = [];
      inStarter = true;
    } else if (END_STARTER.test(line)) {
      if (!inStarter) throw new MarkerError(file, i, "END STARTER without STARTER");
      inStarter = false;
    } else if (inStarter && open?.starter) {
      const s = line.match(/^(\s*)\/\/ ?(.*)$/);
      if (!s) throw new MarkerError(file, i, "starter lines must be comments (`// code`)");
      open.starter.push(s[1] + s[2]);
    } else if ((m = line.match(REGION))) {
      openRegions.push({ name: m[1], begin: i, blockDepth: open ? 1 : 0 });
    } else if (END_REGION.test(line)) {
      const r = openRegions.pop();
      if (!r) throw new MarkerError(file, i, "#endregion without #region");
      if (r.blockDepth !== (open ? 1 : 0)) {
        throw new MarkerError(file, i, `region "${r.name}" crosses a solution block`);
      }
      if (regions.some((x) => x.name === r.name)) throw new MarkerError(file, r.begin, `region "${r.name}" is defined twice`);
      regions.push({ name: r.name, begin: r.begin, end: i });
    }
  });
  if (open) throw new MarkerError(file, (open as { begin: number }).begin, "BEGIN SOLUTION without END SOLUTION");
  if (openRegions.length) throw new MarkerError(file, openRegions[0].begin, `region "${openRegions[0].name}" is not closed`);
  return { lines, blocks, regions };
}

/**
 * The message a stub throws (the one place its wording is written). The demos' `isNotImplemented`
 * (solutions/00-common/demo.ts) recognises it and points the learner at the task; a course check keeps the two in step.
 */
export const NOT_IMPLEMENTED = "not implemented yet";
export const stubMessage = (lab: string, task: number, name: string): string =>
  `${NOT_IMPLEMENTED} — lab ${lab}, task ${task}: ${name}`;

/** The marker a starter puts where a task's code goes (tools that look for a task's file search for it). */
export const todoMarker = (task: number): string => `TODO(task ${task})`;

/** Turns a solution file into its lab starter: every solution block becomes a TODO and a stub. */
export function toStarter(text: string, file: string, lab: string): string {
  const { lines, blocks } = parseSource(text, file);
  if (!blocks.length) return text;
  const out: string[] = [];
  let next = 0;
  for (const b of blocks) {
    out.push(...lines.slice(next, b.begin));
    out.push(`${b.indent}// ${todoMarker(b.task)}: ${b.name}. See README.md.`);
    if (b.starter) out.push(...b.starter);
    else out.push(`${b.indent}throw new Error(${JSON.stringify(stubMessage(lab, b.task, b.name))});`);
    next = b.end + 1;
  }
  out.push(...lines.slice(next));
  return out.join("\n");
}

/** The source with solution markers removed (the reference as a reader sees it). */
export function withoutSolutionMarkers(text: string, file: string): string {
  const { lines, blocks } = parseSource(text, file);
  const drop = new Set<number>();
  for (const b of blocks) {
    drop.add(b.begin).add(b.end);
    if (b.starter) {
      const s = lines.findIndex((l, i) => i > b.begin && STARTER.test(l));
      const e = lines.findIndex((l, i) => i > s && END_STARTER.test(l));
      for (let i = s; i <= e; i++) drop.add(i);
    }
  }
  return lines.filter((_, i) => !drop.has(i)).join("\n");
}

export interface Excerpt {
  /** The region's code, markers removed, indentation kept relative to the region. */
  readonly code: string;
  /** Spans of `code` lines (0-based, end exclusive) that are the body of a solution block. */
  readonly solutionSpans: readonly { start: number; end: number; task: number; name: string }[];
  /** For each line of `code`, its line index (0-based) in the source file, so a caller can highlight the whole file once. */
  readonly sourceLines: readonly number[];
  /** Columns of indentation removed from every line of `code`. */
  readonly indent: number;
  /** 1-based line range of the region's code in the source file. */
  readonly firstLine: number;
  readonly lastLine: number;
}

/** Extracts a named region for a chapter, telling which of its lines are solution bodies. */
export function extractRegion(text: string, file: string, name: string): Excerpt {
  const parsed = parseSource(text, file);
  const region = parsed.regions.find((r) => r.name === name);
  if (!region) {
    const known = parsed.regions.map((r) => r.name).join(", ") || "none";
    throw new Error(`${file}: no region "${name}" (regions in this file: ${known})`);
  }
  const code: string[] = [];
  const sourceLines: number[] = [];
  const spans: { start: number; end: number; task: number; name: string }[] = [];
  let span: { start: number; task: number; name: string } | null = null;
  let inStarter = false;
  for (let i = region.begin + 1; i < region.end; i++) {
    const line = parsed.lines[i];
    const block = parsed.blocks.find((b) => b.begin === i);
    if (block) span = { start: code.length, task: block.task, name: block.name };
    else if (span && parsed.blocks.some((b) => b.end === i)) {
      spans.push({ ...span, end: code.length });
      span = null;
    } else if (STARTER.test(line)) inStarter = true;
    else if (END_STARTER.test(line)) inStarter = false;
    else if (!inStarter && !isMarkerLine(line)) {
      code.push(line);
      sourceLines.push(i);
    }
  }
  const least = Math.min(...code.filter((l) => l.trim()).map((l) => l.match(/^\s*/)![0].length));
  const indent = Number.isFinite(least) ? least : 0;
  return {
    code: code.map((l) => l.slice(indent)).join("\n"),
    solutionSpans: spans,
    sourceLines,
    indent,
    firstLine: region.begin + 2,
    lastLine: region.end,
  };
}

/** `<<< NN-slug/path/file.ts#region` — how a chapter includes reference code. */
export const INCLUDE = /^<<<\s+(\d\d-[a-z0-9-]+\/[^#\s]+)#(\S+)\s*$/;
