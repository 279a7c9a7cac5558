// Which files of the course a student copy is made of: the tools a learner runs and every file they import
// (followed through relative imports, so a helper added to tools/lib/ later comes along), and the npm
// packages those files need.
import { existsSync, readFileSync, statSync } from "node:fs";
import { builtinModules } from "node:module";
import { join, posix, relative } from "node:path";
import { listFiles } from "../lib/files";

/** The learner's commands (npm scripts → tool file); a command whose file does not exist yet is left out. */
export const STUDENT_COMMANDS: Readonly<Record<string, string>> = {
  grade: "tools/grade.ts",
  lab: "tools/lab.ts",
  watch: "tools/watch.ts",
  hint: "tools/hint.ts",
  course: "tools/course.ts",
};

/** Grading files loaded by path rather than imported (the vitest config names them; run-lab spawns them). */
export const GRADER_DIRS = ["tools/grader", "tools/lib"];

const RELATIVE = /(?:from\s+|import\s*\(\s*|import\s+)["'](\.{1,2}\/[^"']+)["']/g;
const BARE = /(?:from\s+|import\s*\(\s*|import\s+)["']((?![./])[^"']+)["']/g;
/** `"tools/grader/learner-reporter.ts"`: a tool file named by its path from the course root. */
const ROOT_PATH = /["'`]((?:tools|site)\/[\w./-]+\.ts)["'`]/g;

function resolveImport(root: string, from: string, spec: string): string | null {
  const base = posix.join(posix.dirname(from), spec);
  for (const c of [base, `${base}.ts`, `${base}.tsx`, `${base}/index.ts`]) {
    const abs = join(root, c);
    if (existsSync(abs) && statSync(abs).isFile()) return c;
  }
  return null;
}

/** Every file reachable from `entries` through relative imports and root-relative tool paths. */
export function importClosure(root: string, entries: readonly string[]): Set<string> {
  const seen = new Set<string>();
  const queue = entries.filter((e) => existsSync(join(root, e)));
  while (queue.length) {
    const file = queue.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    if (!/\.(ts|tsx|mts)$/.test(file)) continue;
    const text = readFileSync(join(root, file), "utf8");
    for (const m of text.matchAll(RELATIVE)) {
      const hit = resolveImport(root, file, m[1]);
      if (hit) queue.push(hit);
    }
    for (const m of text.matchAll(ROOT_PATH)) if (existsSync(join(root, m[1]))) queue.push(m[1]);
  }
  return seen;
}

/** Every file of a folder, as root-relative posix paths. */
export const filesUnder = (root: string, dir: string): string[] =>
  listFiles(join(root, dir)).map((f) => posix.join(dir, f.split("\\").join("/")));

/** npm packages imported (as bare specifiers) by the given sources. */
export function packagesImported(texts: Iterable<string>): Set<string> {
  const builtins = new Set(builtinModules);
  const out = new Set<string>();
  for (const text of texts) {
    for (const m of text.matchAll(BARE)) {
      const spec = m[1];
      if (spec.startsWith("node:") || spec.startsWith("@target/") || builtins.has(spec.split("/")[0])) continue;
      const parts = spec.split("/");
      out.add(spec.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0]);
    }
  }
  return out;
}

export const relativePosix = (from: string, to: string): string => relative(from, to).split("\\").join("/");
