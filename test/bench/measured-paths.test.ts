// A result is stale when the code it measured changed since (tools/lib/bench-tables.ts, `measured`): these check
// that each suite's measured paths take in every file its programs load, by their relative imports, so that no
// change to a program's code leaves its suite's result called current. Programs are found where the suites start
// them: `node("bench/….ts"` and `balancerNode("bench/….ts"` in their drivers, and the instruction counts' cases.
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { dirname, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { CASES } from "../../bench/instructions/cases";
import { portsOf } from "../../bench/instructions/plan";
import { BENCH_SUITES } from "../../tools/lib/bench-tables";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

/** The files the `entries` load by their relative imports, themselves included, from the repository root. */
function loaded(entries: readonly string[]): string[] {
  const seen = new Set<string>();
  const visit = (file: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const imp of ts.preProcessFile(readFileSync(resolve(ROOT, file), "utf8"), true, true).importedFiles) {
      if (!imp.fileName.startsWith(".")) continue;
      const base = resolve(ROOT, dirname(file), imp.fileName);
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
