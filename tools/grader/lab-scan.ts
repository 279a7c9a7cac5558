// A static look at the lab code a grading run will load, for what no lab needs and a forged grade does:
// the test framework, the grader's environment and files, other processes, code loaded out of sight. A lab
// the scan flags scores 0, with the file, line and rule in every report. The list is explicit (RULES) and
// documented in INSTRUCTORS.md; the reference solutions pass it (test/course/grader.test.ts).
// Simplification: a production grader would parse the code (or sandbox it); a pattern list is a net for the
// obvious tricks, which the runner's own record and the assertion check in setup.ts back up at run time.
import { existsSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";

export interface ScanRule {
  readonly id: string;
  /** What the rule finds, as the report says it: "imports the test framework". */
  readonly says: string;
  readonly pattern: RegExp;
}

const IMPORT = String.raw`(?:\bfrom\s*|\bimport\s*\(?\s*|\brequire\s*\(\s*)["'\`]`;
const spec = (names: string): RegExp => new RegExp(`${IMPORT}(?:node:)?(?:${names})(?:/[^"'\`]*)?["'\`]`);

export const RULES: readonly ScanRule[] = [
  { id: "test-framework", says: "imports the test framework (a lab never needs it)", pattern: spec("vitest|@vitest/[\\w-]+|chai|expect|jest|@jest/[\\w-]+|tinyspy") },
  { id: "framework-globals", says: "reaches the test framework through a global", pattern: /__vitest|\$\$jest|globalThis\s*(?:\.\s*(?:expect|chai|vi|assert)\b|\[)|Symbol\.for\s*\(|getOwnPropertySymbols\s*\(\s*globalThis/ },
  { id: "processes", says: "starts or reaches other processes (no chapter needs to)", pattern: new RegExp(`${spec("child_process|worker_threads|cluster").source}|process\\.(?:ppid|kill|binding|dlopen|_linkedBinding)\\b`) },
  { id: "runtime", says: "reaches into the runtime (vm, inspector, module loader)", pattern: spec("vm|inspector|module|v8|repl|trace_events") },
  { id: "hidden-code", says: "loads code the check cannot see (eval, Function, an import by a computed name)", pattern: /\beval\s*\(|\bnew\s+Function\s*\(|\bFunction\s*\(\s*["'`]|\bimport\s*\(\s*(?!["'`])|\brequire\s*\(\s*(?!["'`])|\bcreateRequire\b|process\.getBuiltinModule/ },
  { id: "grader-env", says: "reads the grader's environment", pattern: /\bHUB_[A-Z_]+|process\.env\s*\[\s*(?!["'`])/ },
  { id: "grader-files", says: "refers to the grader's files", pattern: /["'`/]\.course\b|results\.json|junit\.xml|checksums\.json|catalog\.json|events-\d|tools\/grader|\/proc\/|\btest\/[\w-]+\.test\.ts/ },
];

export interface Finding {
  /** Path relative to the lab tree, posix. */
  readonly file: string;
  readonly line: number;
  readonly rule: string;
  readonly says: string;
  readonly text: string;
}

/** Comments out of the way (a learner may write "vitest" in one), keeping line numbers. */
function stripComments(text: string): string {
  return text
    .replace(/\/\*[\s\S]*?\*\//g, (c) => c.replace(/[^\n]/g, " "))
    .replace(/(^|[^:"'`\\])\/\/.*$/gm, "$1");
}

const CODE = /\.(?:ts|mts|cts|js|mjs|cjs|tsx|jsx)$/;
const RELATIVE = /(?:\bfrom\s*|\bimport\s*\(?\s*)["'](\.{1,2}\/[^"']+)["']/g;
const TARGET = /["']@target\/([^"']+)["']/g;

function resolveFile(base: string): string | null {
  for (const c of [base, `${base}.ts`, `${base}.tsx`, `${base}.js`, `${base}/index.ts`]) {
    if (existsSync(c) && statSync(c).isFile()) return c;
  }
  return null;
}

/** The lab files a test run loads: what the test files import from `@target/`, and what those import. */
export function labFilesOf(target: string, testFiles: readonly string[]): string[] {
  const seen = new Set<string>();
  const queue: string[] = [];
  for (const t of testFiles) {
    for (const m of readFileSync(t, "utf8").matchAll(TARGET)) {
      const f = resolveFile(join(target, m[1]));
      if (f) queue.push(f);
    }
  }
  while (queue.length) {
    const f = resolve(queue.pop()!);
    if (seen.has(f) || !CODE.test(f)) continue;
    seen.add(f);
    for (const m of readFileSync(f, "utf8").matchAll(RELATIVE)) {
      const next = resolveFile(join(dirname(f), m[1]));
      if (next) queue.push(next);
    }
  }
  return [...seen].sort();
}

/** Every rule a file breaks, line by line. */
export function scanText(file: string, text: string, allow: readonly string[] = []): Finding[] {
  const out: Finding[] = [];
  stripComments(text).split("\n").forEach((line, i) => {
    for (const r of RULES) {
      if (allow.includes(r.id) || !r.pattern.test(line)) continue;
      out.push({ file, line: i + 1, rule: r.id, says: r.says, text: text.split("\n")[i].trim().slice(0, 120) });
    }
  });
  return out;
}

/** Scans the lab files a lab's tests load from `target`. */
export function scanLab(target: string, testFiles: readonly string[], allow: readonly string[] = []): Finding[] {
  return labFilesOf(target, testFiles).flatMap((f) => scanText(relative(target, f).split("\\").join("/"), readFileSync(f, "utf8"), allow));
}

export const findingLine = (f: Finding): string => `${f.file}:${f.line} ${f.says}: ${f.text}`;
