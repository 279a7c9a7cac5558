// How a failure reads in a terminal, for `npm run grade` and `npm run watch`: the whole message and the diff
// of expected and received, wrapped to the terminal's width (never cut at a fixed column), so the learner
// sees the element that differs and the end of the sentence.
import { diffLines } from "diff";
import type { TestCase, TestModule, TestSuite } from "vitest/node";

/** What the reporters read of an error vitest reports. */
export type ErrorLike = { message?: string; name?: string; diff?: string; expected?: string; actual?: string };

/**
 * The error of a hook that kept a skipped test from running: a `beforeAll` of its describe, or of its file, that
 * threw. vitest skips the tests under it and keeps the error on the suite or the file, not on the tests; their mode
 * stays "run", where a test left out by a filter or `.skip` has "skip" (and is no hook's doing, whatever failed).
 * The error is vitest's own object, the same each time it is asked for (untoldHookErrors compares them).
 */
export function hookFailure(t: TestCase): ErrorLike | undefined {
  if (t.result().state !== "skipped" || t.options.mode === "skip" || t.options.mode === "todo") return undefined;
  for (let p: TestSuite | TestModule = t.parent; ; p = p.parent) {
    const e = p.errors()[0];
    if (e) return e as ErrorLike;
    if (p.type === "module") return undefined;
  }
}

/**
 * The errors of `m`'s hooks that no test's failure tells of (hookFailure): an `afterAll` that threw, in a describe or
 * in the file, or a second hook of one whose `beforeAll` failed. Each with where it was: the describe's full name, or
 * the file.
 */
export function untoldHookErrors(m: TestModule): { where: string; error: ErrorLike }[] {
  const told = new Set<unknown>([...m.children.allTests()].map((t) => hookFailure(t)).filter((e) => e !== undefined));
  return [m, ...m.children.allSuites()].flatMap((h) =>
    h.errors().filter((e) => !told.has(e)).map((e) => ({ where: h.type === "module" ? m.relativeModuleId : h.fullName, error: e as ErrorLike })));
}

/** What a test's failure says when a hook kept it from running: the hook's error follows. */
export const NOT_RUN_AFTER_HOOK = "not run, since a beforeAll hook failed: ";

/** `text` without its terminal colours (vitest's messages and diffs carry them). */
export const plain = (text: string): string => text.replace(/\x1b\[[0-9;]*m/g, "");

/** The terminal's width, or a width that reads well in a log. */
export const terminalWidth = (): number => Math.max(60, Math.min(process.stdout.columns || Number(process.env.COLUMNS) || 100, 160));

/** Breaks one line into pieces of at most `width` characters, at a space where there is one. */
function wrapLine(line: string, width: number): string[] {
  const out: string[] = [];
  let rest = line;
  while (rest.length > width) {
    const space = rest.lastIndexOf(" ", width);
    const cut = space > width / 2 ? space : width;
    out.push(rest.slice(0, cut));
    rest = rest.slice(cut).replace(/^ /, "");
  }
  out.push(rest);
  return out;
}

/** Every line of `text`, wrapped to `width` columns including `indent`; continuation lines indented too. */
export function wrap(text: string, width: number, indent: string): string[] {
  const room = Math.max(20, width - indent.length);
  return text.split("\n").flatMap((l) => wrapLine(l, room).map((piece) => `${indent}${piece}`.trimEnd()));
}

/**
 * A unified, line by line diff of two printed values, for errors that carry `expected` and `actual` but no
 * diff of their own: "- expected" and "+ received" lines around the ones that agree.
 */
export function lineDiff(expected: string, actual: string): string {
  const lines = ["- Expected", "+ Received", ""];
  for (const part of diffLines(expected, actual)) {
    const mark = part.added ? "+ " : part.removed ? "- " : "  ";
    for (const l of part.value.replace(/\n$/, "").split("\n")) lines.push(`${mark}${l}`);
  }
  return lines.join("\n");
}
