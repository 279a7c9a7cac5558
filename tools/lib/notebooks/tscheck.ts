// Course machinery for the notebooks (all chapters): compiles the files notebooks import with tslab's own
// TypeScript 5.0 and tslab's compiler options (not strict, Node10 resolution), reporting file:line:col. tslab reports
// the same errors when a notebook imports the file, but drops the file name of errors that come with a chain of
// explanations ("47:36 - Property 'error' does not exist…"), which leaves the reader guessing where line 47 is.
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, relative } from "node:path";
import { readNotebook, text } from "./nbformat";

/** The slice of the TypeScript compiler API used here (from tslab's private copy, typed loosely on purpose). */
interface Ts {
  version: string;
  ScriptTarget: { ES2022: number };
  ModuleKind: { ESNext: number };
  ModuleResolutionKind: { Node10: number };
  createProgram(files: string[], options: Record<string, unknown>): unknown;
  getPreEmitDiagnostics(program: unknown): {
    file?: { fileName: string; getLineAndCharacterOfPosition(p: number): { line: number; character: number } };
    start?: number;
    messageText: unknown;
  }[];
  flattenDiagnosticMessageText(m: unknown, newLine: string): string;
}

/** tslab's TypeScript, resolved the way tslab resolves it. */
export function tslabTypeScript(root: string): Ts {
  const fromTslab = createRequire(createRequire(join(root, "package.json")).resolve("tslab/package.json"));
  return fromTslab("@tslab/typescript-for-tslab") as Ts;
}

/** The repository files the notebooks import (`./solutions/…`, `./tools/…`), as absolute paths. */
export function importedFiles(root: string, notebooks: readonly string[]): string[] {
  const found = new Set<string>();
  for (const file of notebooks) {
    for (const cell of readNotebook(join(root, file)).cells) {
      if (cell.cell_type !== "code") continue;
      for (const m of text(cell.source).matchAll(/\bfrom\s+["'](\.\/[^"']+)["']/g)) {
        const base = join(root, m[1]!);
        const hit = [`${base}.ts`, base, join(base, "index.ts")].find((p) => existsSync(p) && p.endsWith(".ts"));
        if (hit) found.add(hit);
      }
    }
  }
  return [...found].sort();
}

/** Compiles `files` (and what they import) like tslab does; one line per error in a repository file. */
export function compileLikeTslab(root: string, files: readonly string[]): string[] {
  if (!files.length) return [];
  const ts = tslabTypeScript(root);
  // The options tslab 1.0.22 passes on Node 18+ (dist/converter.js), minus what only concerns emitting.
  const program = ts.createProgram([...files], {
    target: ts.ScriptTarget.ES2022,
    lib: ["lib.es2022.d.ts"],
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Node10,
    esModuleInterop: true,
    experimentalDecorators: true,
    resolveJsonModule: true,
    skipLibCheck: true,
    noEmit: true,
    typeRoots: [join(root, "node_modules", "@types")],
  });
  const out: string[] = [];
  for (const d of ts.getPreEmitDiagnostics(program)) {
    const message = ts.flattenDiagnosticMessageText(d.messageText, "\n      ");
    if (!d.file) {
      out.push(message);
      continue;
    }
    const rel = relative(root, d.file.fileName);
    if (rel.startsWith("..") || rel.includes("node_modules")) continue;
    const { line, character } = d.file.getLineAndCharacterOfPosition(d.start ?? 0);
    out.push(`${rel}:${line + 1}:${character + 1} - ${message}`);
  }
  return out;
}

/**
 * For a notebook whose run failed on a type error without a file name: the errors in the files it imports, located.
 * Empty when there is nothing to add. Compiling takes a few seconds, so this runs only after a failure.
 */
export function locateTypeErrors(root: string, notebook: string, failure: string): string[] {
  if (!/^\s*\d+:\d+ - /m.test(failure)) return [];
  try {
    const found = compileLikeTslab(root, importedFiles(root, [notebook]));
    return found.length ? [`  tslab's TypeScript ${tslabTypeScript(root).version} finds in the files it imports:`, ...found.map((l) => `    ${l}`)] : [];
  } catch (e) {
    return [`  (could not compile its imports to locate the error: ${(e as Error).message})`];
  }
}

/** Relative imports that stay at run time: `import type` and `export type` are erased, so they cannot form a cycle. */
const VALUE_IMPORT = /^\s*(?:import|export)\s+(?!type\b)[^;]*?\bfrom\s+["'](\.{1,2}\/[^"']+)["']/gm;

/**
 * An import cycle among the files the notebook imports, e.g. `greenpool.ts → greenpile.ts → greenpool.ts`, or null.
 * tslab's loader caches a module only after it has run, so a cycle makes it load the same files forever
 * ("Maximum call stack size exceeded"), where Node would hand back the half-loaded module.
 */
export function importCycle(root: string, notebook: string): string[] | null {
  const edges = new Map<string, string[]>();
  const targets = (file: string): string[] => {
    if (!edges.has(file)) {
      const src = existsSync(file) ? readFileSync(file, "utf8") : "";
      const out: string[] = [];
      for (const m of src.matchAll(VALUE_IMPORT)) {
        const base = join(dirname(file), m[1]!);
        const hit = [`${base}.ts`, join(base, "index.ts")].find((p) => existsSync(p));
        if (hit) out.push(hit);
      }
      edges.set(file, out);
    }
    return edges.get(file)!;
  };
  const done = new Set<string>();
  const path: string[] = [];
  const visit = (file: string): string[] | null => {
    const at = path.indexOf(file);
    if (at >= 0) return [...path.slice(at), file].map((f) => relative(root, f));
    if (done.has(file)) return null;
    path.push(file);
    for (const next of targets(file)) {
      const cycle = visit(next);
      if (cycle) return cycle;
    }
    path.pop();
    done.add(file);
    return null;
  };
  for (const file of importedFiles(root, [notebook])) {
    const cycle = visit(file);
    if (cycle) return cycle;
  }
  return null;
}

/** What to add to a failure report so that its cause can be found: located type errors, or an import cycle. */
export function explainFailure(root: string, notebook: string, failure: string): string[] {
  if (/Maximum call stack size exceeded/.test(failure)) {
    const cycle = importCycle(root, notebook);
    if (cycle) {
      return [`  the files it imports form an import cycle, which tslab cannot load (it recurses until the stack overflows):`, `    ${cycle.join(" → ")}`];
    }
  }
  return locateTypeErrors(root, notebook, failure);
}
