// The grader's reports: a table for the terminal, Gradescope's results.json, JUnit XML and a markdown summary.
import { styleText } from "node:util";
import { wrap } from "./failure-text";
import type { LabResult, TestOutcome } from "./run-lab";

const totals = (labs: readonly LabResult[]) => ({
  score: labs.reduce((s, l) => s + l.score, 0),
  max: labs.reduce((s, l) => s + l.max, 0),
  seconds: labs.reduce((s, l) => s + l.seconds, 0),
});

const split = (tests: readonly TestOutcome[], v: "visible" | "hidden") => {
  const t = tests.filter((x) => x.visibility === v);
  return { score: t.reduce((s, x) => s + x.score, 0), max: t.reduce((s, x) => s + x.max, 0), count: t.length };
};

export interface TerminalOptions {
  readonly color: boolean;
  /** Columns to wrap to. */
  readonly width: number;
  /** Every failure in full (the report file), instead of the first of each task in full and the rest in a line. */
  readonly everyFailure?: boolean;
}

export function terminalReport(labs: readonly LabResult[], o: TerminalOptions): string {
  const paint = (style: Parameters<typeof styleText>[0], text: string): string => (o.color ? styleText(style, text) : text);
  const width = o.width;
  const nameWidth = Math.max(30, width - 14);
  const lines: string[] = [];
  for (const lab of labs) {
    const full = lab.score === lab.max;
    const head = `${lab.lab}  ${lab.title}`.padEnd(44) + `${lab.score}/${lab.max}`.padStart(7) + `  ${lab.outcome}, ${lab.seconds.toFixed(1)} s`;
    lines.push(paint(full ? "green" : lab.outcome === "completed" ? "yellow" : "red", head));
    // A tampered lab gets every reason; any other note is one line.
    const note = lab.outcome === "tampered" ? lab.note : lab.note.split("\n")[0];
    if (note) lines.push(...wrap(note, width, "  ").map((l) => paint("red", l)));
    const hidden = split(lab.tests, "hidden");
    if (hidden.count) {
      const pub = split(lab.tests, "visible");
      lines.push(`  public tests ${pub.score}/${pub.max}, instructor tests ${hidden.score}/${hidden.max}`);
    }
    let group: string | null = null;
    let shownInGroup = false;
    for (const t of lab.tests) {
      // Tests are listed under their describe block ("task 2: …"), so each line can show the behaviour in full.
      const parts = t.name.split(" > ");
      const g = parts.length > 1 ? parts.slice(0, -1).join(" > ") : "";
      if (g !== group) {
        if (g) lines.push(`  ${paint("bold", g)}${t.visibility === "hidden" ? paint("dim", " (instructor tests)") : ""}`);
        shownInGroup = false;
      }
      group = g;
      const mark = t.status === "passed" ? paint("green", "✓") : paint("red", "✗");
      const score = `${t.score}/${t.max}`.padStart(5);
      const name = wrap(parts[parts.length - 1], nameWidth, "");
      name.forEach((piece, i) => {
        const last = i === name.length - 1;
        lines.push(`    ${i ? " " : mark} ${last ? `${piece.padEnd(nameWidth)} ${score}` : piece}`);
      });
      if (t.status !== "failed" || !t.output) continue;
      if (o.everyFailure || !shownInGroup) {
        // The first failure of each task in full, diff included: the one to fix first.
        lines.push(...wrap(t.output, width, "        ").map((l) => paint("dim", l)));
        shownInGroup = true;
      } else {
        lines.push(...wrap(t.output.split("\n")[0], width, "        ").slice(0, 2).map((l) => paint("dim", l)));
      }
    }
    lines.push("");
  }
  const all = totals(labs);
  lines.push(paint("bold", `Total ${all.score}/${all.max} points in ${labs.length} lab(s), ${all.seconds.toFixed(1)} s.`));
  return lines.join("\n");
}

/** Gradescope's autograder results format. Hidden tests stay hidden until grades are published. */
export function gradescopeResults(labs: readonly LabResult[], extraOutput = ""): object {
  const all = totals(labs);
  const summary = labs.map((l) => `${l.lab}: ${l.score}/${l.max} (${l.outcome})${l.note ? ` — ${l.note.split("\n")[0]}` : ""}`);
  return {
    score: all.score,
    max_score: all.max,
    execution_time: Math.round(all.seconds * 10) / 10,
    output: [...summary, extraOutput].filter(Boolean).join("\n"),
    output_format: "text",
    visibility: "visible",
    stdout_visibility: "hidden",
    tests: labs.flatMap((l) =>
      l.tests.map((t) => ({
        name: `${l.lab} › ${t.name}`,
        score: t.score,
        max_score: t.max,
        status: t.status,
        output: t.output,
        visibility: t.visibility === "hidden" ? "after_published" : "visible",
      })),
    ),
  };
}

const xml = (s: string): string =>
  s.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, "")
    .replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

export function junitXml(labs: readonly LabResult[]): string {
  const all = totals(labs);
  const failures = labs.reduce((s, l) => s + l.tests.filter((t) => t.status === "failed").length, 0);
  const count = labs.reduce((s, l) => s + l.tests.length, 0);
  const out = [`<?xml version="1.0" encoding="UTF-8"?>`,
    `<testsuites name="Hub &amp; Spokes labs" tests="${count}" failures="${failures}" time="${all.seconds.toFixed(3)}">`];
  for (const l of labs) {
    const f = l.tests.filter((t) => t.status === "failed").length;
    out.push(`  <testsuite name="${xml(l.lab)}" tests="${l.tests.length}" failures="${f}" time="${l.seconds.toFixed(3)}">`);
    out.push(`    <properties><property name="score" value="${l.score}"/><property name="max_score" value="${l.max}"/><property name="outcome" value="${xml(l.outcome)}"/></properties>`);
    for (const t of l.tests) {
      const open = `    <testcase classname="${xml(l.lab)}" name="${xml(t.name)}"`;
      if (t.status === "passed") out.push(`${open}/>`);
      else out.push(`${open}><failure message="${xml(t.output.split("\n")[0] ?? "")}">${xml(t.output)}</failure></testcase>`);
    }
    if (l.note) out.push(`    <system-err>${xml(l.note)}</system-err>`);
    out.push(`  </testsuite>`);
  }
  out.push(`</testsuites>`, "");
  return out.join("\n");
}

export function markdownSummary(labs: readonly LabResult[]): string {
  const all = totals(labs);
  const rows = labs.map((l) => {
    const pub = split(l.tests, "visible");
    const hid = split(l.tests, "hidden");
    const pts = hid.count ? `${pub.score}/${pub.max} + ${hid.score}/${hid.max} hidden` : `${l.score}/${l.max}`;
    return `| ${l.lab} | ${l.title} | ${pts} | ${l.outcome}${l.note ? `: ${l.note.split("\n")[0].replace(/\|/g, "\\|")}` : ""} |`;
  });
  return [`### Hub & Spokes — ${all.score}/${all.max} points`, "", "| lab | title | points | outcome |", "|---|---|---|---|", ...rows, ""].join("\n");
}
