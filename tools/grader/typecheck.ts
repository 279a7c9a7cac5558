// Type errors in a learner's lab, for `npm run grade` and `npm run watch`: the tests run the code through
// tsx, which strips types without checking them, so a wrong type would otherwise go unseen until it bites at
// run time. A notice, one line per file, never a failure: the tests alone decide the points.
import { spawn } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { setPriority } from "node:os";
import { join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { droppedGreenCalls } from "../lib/green-calls";
import { GROUP_MARKER } from "../lib/process-group";

export interface TypeErrors {
  /** Path relative to the course root, posix. */
  readonly file: string;
  readonly count: number;
  /** The first error, "line 12: Type 'string' is not assignable to type 'number'." */
  readonly first: string;
}

const codeFiles = (dir: string): string[] =>
  existsSync(dir)
    ? readdirSync(dir, { withFileTypes: true }).flatMap((d) =>
        d.isDirectory() ? codeFiles(join(dir, d.name)) : /\.tsx?$/.test(d.name) && !d.name.endsWith(".d.ts") ? [join(dir, d.name)] : [])
    : [];

/** Type-checks the given lab folders with the course's compiler options; errors in other files are not theirs. */
export function typeErrors(root: string, labDirs: readonly string[]): TypeErrors[] {
  const roots = labDirs.flatMap(codeFiles);
  if (!roots.length) return [];
  const configFile = join(root, "tsconfig.json");
  let options: ts.CompilerOptions = { strict: true, noEmit: true, target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext, moduleResolution: ts.ModuleResolutionKind.Bundler, types: ["node"], skipLibCheck: true };
  if (existsSync(configFile)) {
    const read = ts.readConfigFile(configFile, ts.sys.readFile);
    if (!read.error) options = ts.parseJsonConfigFileContent(read.config, ts.sys, root).options;
  }
  const program = ts.createProgram(roots, { ...options, noEmit: true });
  const byFile = new Map<string, string[]>();
  const add = (name: string, problem: string): void => void byFile.set(name, [...(byFile.get(name) ?? []), problem]);
  const inLab = new Set(roots.map((f) => f.split("\\").join("/")));
  for (const d of ts.getPreEmitDiagnostics(program)) {
    const name = d.file?.fileName.split("\\").join("/");
    if (!name || !inLab.has(name) || d.category !== ts.DiagnosticCategory.Error) continue;
    const line = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start).line + 1 : 0;
    add(name, `line ${line}: ${ts.flattenDiagnosticMessageText(d.messageText, " ")}`);
  }
  // Not a type error, but the mistake types cannot show: a green call without yield* never runs.
  for (const d of droppedGreenCalls(program, (f) => inLab.has(f.split("\\").join("/")))) {
    add(d.file.split("\\").join("/"), `line ${d.line}: ${d.text} makes a green call that never runs: write yield* ${d.text}`);
  }
  return [...byFile].sort(([a], [b]) => a.localeCompare(b)).map(([file, problems]) => ({
    file: relative(root, file).split("\\").join("/"),
    count: problems.length,
    first: problems.sort((a, b) => Number(/\d+/.exec(a)![0]) - Number(/\d+/.exec(b)![0]))[0]!,
  }));
}

/** The notice: nothing when the lab type-checks. */
export function typeNotice(errors: readonly TypeErrors[]): string[] {
  if (!errors.length) return [];
  return [
    "Type errors and green calls without yield* (a notice, not a failure: the tests run your code without checking its types):",
    ...errors.map((e) => `  ${e.file}: ${e.count} problem${e.count > 1 ? "s" : ""}; ${e.first}`),
    "  See them all: npm run typecheck (or your editor).",
  ];
}

/**
 * Starts the type check in a child process at low priority, so it overlaps the grading instead of adding
 * its seconds (a program with Node's types takes a while); `result()` waits for it. Never throws.
 */
export function typeErrorsInBackground(root: string, labDirs: readonly string[]): { result(): Promise<TypeErrors[]>; cancel(): void } {
  // Not marked as started by the tests (process-group.ts): the watch's supervisor would count it among what they left
  // running if vitest ended first, and it ends by itself.
  const env = { ...process.env };
  delete env[GROUP_MARKER];
  const child = spawn(process.execPath, ["--import", "tsx", fileURLToPath(import.meta.url), root, ...labDirs], {
    cwd: root, env, stdio: ["ignore", "pipe", "ignore"],
  });
  try {
    if (child.pid) setPriority(child.pid, 15);
  } catch {
    // not allowed here: it runs at normal priority
  }
  let out = "";
  child.stdout?.on("data", (c: Buffer) => void (out += c.toString()));
  const done = new Promise<TypeErrors[]>((resolve) => {
    child.once("error", () => resolve([]));
    child.once("close", () => {
      try {
        resolve(JSON.parse(out) as TypeErrors[]);
      } catch {
        resolve([]); // a type check that failed to run is no reason to hold the grade back
      }
    });
  });
  // A check that is no longer wanted (the learner saved again, or quit the watch) stops at once: its seconds would
  // slow the next run, and nobody would read its notice.
  const cancel = (): void => void child.kill();
  process.once("exit", cancel);
  void done.then(() => process.off("exit", cancel));
  return { result: () => done, cancel };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [root, ...dirs] = process.argv.slice(2);
  process.stdout.write(JSON.stringify(typeErrors(root, dirs)));
}
