// A result is stale when the code it measured changed since (tools/lib/bench-tables.ts, `measured`): these check
// that each suite's measured paths take in every file its programs load, by their relative imports, so that no
// change to a program's code leaves its suite's result called current. Programs are found where the suites start
// them: `node("bench/….ts"` and `balancerNode("bench/….ts"` in their drivers, the case suites' systems' command lines
// (bench/lib/child.ts and a module of cases), and the instruction counts' cases.
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { dirname, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { CASES } from "../../bench/instructions/cases";
import { portsOf } from "../../bench/instructions/plan";
import { suite as hubSuite } from "../../bench/suites/hub";
import { suite as strategiesSuite } from "../../bench/suites/strategies";
import type { Suite } from "../../bench/lib/suite";
import { BENCH_SUITES } from "../../tools/lib/bench-tables";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

/** The relative modules `file` loads when it runs: its imports and re-exports, but not `import type` (erased). */
function runtimeImports(file: string): string[] {
  const source = ts.createSourceFile(file, readFileSync(resolve(ROOT, file), "utf8"), ts.ScriptTarget.Latest);
  const out: string[] = [];
  for (const node of source.statements) {
    if (ts.isImportDeclaration(node) && !node.importClause?.isTypeOnly && ts.isStringLiteral(node.moduleSpecifier)) out.push(node.moduleSpecifier.text);
    if (ts.isExportDeclaration(node) && !node.isTypeOnly && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) out.push(node.moduleSpecifier.text);
  }
  return out.filter((spec) => spec.startsWith("."));
}

/** The files the `entries` load by their relative imports, themselves included, from the repository root. */
function loaded(entries: readonly string[]): string[] {
  const seen = new Set<string>();
  const visit = (file: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const spec of runtimeImports(file)) {
      const base = resolve(ROOT, dirname(file), spec);
      const found = [base, `${base}.ts`, `${base}/index.ts`].find((f) => f.endsWith(".ts") && existsSync(f));
      if (found) visit(relative(ROOT, found));
    }
  };
  entries.forEach(visit);
  return [...seen];
}

/** The tracked files a suite's measured pathspecs take in. */
const measuredFiles = (suite: string): Set<string> =>
  new Set(execFileSync("git", ["ls-files", "--", ...BENCH_SUITES[suite]!.measured], { cwd: ROOT, encoding: "utf8" }).split("\n").filter(Boolean));

/** The programs a driver starts, but `others`: its clients (the load) and a learner's (--lab), which no result measures. */
function startedBy(files: readonly string[], others: readonly string[] = []): string[] {
  const text = files.map((f) => readFileSync(resolve(ROOT, f), "utf8")).join("\n");
  const programs = [...text.matchAll(/\b(?:node|balancerNode)\("(bench\/[^"]+\.ts)"/g)].map((m) => m[1]!);
  return [...new Set(programs)].filter((p) => !others.includes(p));
}

const DRIVERS: Record<string, { files: string[]; others?: string[] }> = {
  io: { files: ["bench/io/driver.ts"], others: ["bench/io/echo-client.ts", "bench/io/lab-server.ts"] },
  lb: { files: ["bench/lb/driver.ts"] },
  "lb-profile": { files: ["bench/lb/driver.ts"] },
  l7: { files: ["bench/l7/driver.ts"] },
  "l7-profile": { files: ["bench/l7/driver.ts"] },
  obs: { files: ["bench/obs/driver.ts"] },
  "obs-profile": { files: ["bench/obs/driver.ts"] },
};

describe("each suite's measured paths take in every file its programs load", () => {
  it.each(Object.keys(DRIVERS))("%s", (suite) => {
    const { files, others } = DRIVERS[suite]!;
    const programs = startedBy(files, others);
    expect(programs.length, `${suite}: no program found in ${files.join(", ")}`).toBeGreaterThanOrEqual(2);
    const measured = measuredFiles(suite);
    expect(loaded(programs).filter((f) => !measured.has(f)), `${suite}: files its programs load that its measured paths (tools/lib/bench-tables.ts) leave out`).toEqual([]);
  });

  // The course's systems only: a learner's (--lab) are never in a saved result.
  it.each([["hub", hubSuite], ["strategies", strategiesSuite]] as [string, Suite][])("%s: its systems' command lines", (name, suite) => {
    const programs = suite.systems.flatMap((s) => s.command(suite.cases[0]!, 1).filter((a) => a.endsWith(".ts")).map((a) => (a.startsWith("bench/") ? a : `bench/${a}`)));
    expect(programs).toContain("bench/lib/child.ts");
    const measured = measuredFiles(name);
    expect(loaded(programs).filter((f) => !measured.has(f)), `${name}: files its programs load that its measured paths (tools/lib/bench-tables.ts) leave out`).toEqual([]);
  });

  it.each(["instructions", "breakdown"])("%s: the counted programs and the backends they relay to", (suite) => {
    const programs = CASES.flatMap((c) => c.systems.flatMap((s) => s.argv(portsOf(9350, 0)).filter((a) => /^bench\/.*\.ts$/.test(a))));
    // run.ts starts the backends itself; its client is the load, and its folder is measured whole as the counting.
    const backends = startedBy(["bench/instructions/run.ts"]).filter((f) => !f.startsWith("bench/instructions/"));
    expect(backends).toEqual(["bench/lb/backend.ts"]);
    expect(new Set(programs).size).toBeGreaterThanOrEqual(7);
    const measured = measuredFiles(suite);
    expect(loaded([...programs, ...backends]).filter((f) => !measured.has(f)), `${suite}: files a counted program loads that COUNTED (tools/lib/bench-tables.ts) leaves out`).toEqual([]);
  });
});
