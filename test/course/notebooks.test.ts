// Course checks for the notebooks: every ready chapter has one, committed clean (tslab kernel, no outputs); and every
// cell of every notebook runs: in real Jupyter (nbconvert, tslab's kernel) when it is installed, which CI=true
// requires, or else through tslab's own API. Both run the same cells through the same tslab, so where Jupyter runs
// them the API runs only a notebook Jupyter failed, to name the cell and tslab's message. A notebook that passed a
// run with the same inputs is not run again (tools/lib/notebooks/cache.ts, checked below).
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadManifest, readyChapters, ROOT } from "../../tools/lib/manifest";
import {
  checkWithJupyter, executedProblems, INSTALL_HINT, JUPYTER_NOTEBOOK_SECONDS, jupyterVersion, kernelJson, type JupyterResult,
} from "../../tools/notebooks/jupyter";
import {
  chaptersWithNotebooks, KERNELSPEC, leftovers, lines, notebookIds, notebookPath, readNotebook, serialize, stripped, type Cell, type Notebook,
} from "../../tools/lib/notebooks/nbformat";
import type { NotebookReport } from "../../tools/lib/notebooks/execute";
import { CHECK_NODE_FLAGS, checkNotebooks, NOTEBOOK_SECONDS, problems, runNotebook } from "../../tools/lib/notebooks/run";
import { NotebookCache } from "../../tools/lib/notebooks/cache";

const manifest = loadManifest();
const ready = readyChapters(manifest);
const files = chaptersWithNotebooks(ROOT, manifest).map((c) => notebookPath(c.id));
const LIMIT_MS = (NOTEBOOK_SECONDS + 10) * 1000;
/**
 * A hook's time limit when it runs `n` notebooks, each with its own wall-clock limit of `seconds` that kills it: only
 * a backstop, reached if those limits failed. Notebooks run as many at a time as there are cores.
 */
const backstop = (seconds: number, n: number): number => (seconds * Math.ceil(n / Math.max(1, availableParallelism())) + 30) * 1000;

describe("notebooks: one per ready chapter, committed clean", () => {
  it.each(ready.map((c) => c.id))("%s has its notebook", (id) => {
    const file = notebookPath(id);
    expect(existsSync(join(ROOT, file)), `${file} is missing: every ready chapter has a notebook (CONTRIBUTING.md, Notebooks)`).toBe(true);
  });

  it("every notebook in notebooks/ is named after a chapter", () => {
    const ids = new Set(manifest.chapters.map((c) => c.id));
    expect(notebookIds(ROOT).filter((id) => !ids.has(id)), "notebooks named after no chapter in course.json").toEqual([]);
  });

  it.each(files)("%s names the tslab kernel and carries no outputs or execution counts", (file) => {
    const nb = readNotebook(join(ROOT, file));
    expect(nb.metadata.kernelspec?.name, `${file}: the kernelspec must be tslab's`).toBe(KERNELSPEC.name);
    expect(leftovers(nb), `${file} was committed with outputs: run npm run notebook -- strip`).toEqual([]);
  });
});

/** nbconvert's version, or null when Jupyter is not installed. */
const jupyter = jupyterVersion("nbconvert");

/** Why each of `files` fails through tslab's API, or that it passes there: what a Jupyter failure is read beside. */
async function throughTheApi(files: readonly string[]): Promise<Map<string, string>> {
  const reports = files.length ? await checkNotebooks(files) : [];
  return new Map(reports.map((r) => {
    const found = problems(r);
    return [r.file, found.length ? found.join("\n") : "every cell passes there, so look at Jupyter's set-up (npm run notebook says what is installed)"];
  }));
}

// Where Jupyter is installed its run (below) is the check, and this one would run the same cells a second time.
if (!jupyter) describe("notebooks: every cell runs through tslab's API (Jupyter is not installed)", () => {
  // All at once in the background, as many at a time as there are cores; each test reads its notebook's report. A
  // notebook that passed with the same inputs is not run again (tools/lib/notebooks/cache.ts).
  const cache = new NotebookCache(ROOT, "api");
  let reports: NotebookReport[] = [];
  let cached: string[] = [];
  beforeAll(async () => {
    cached = files.filter((f) => cache.passed(f));
    reports = await checkNotebooks(files.filter((f) => !cached.includes(f)));
    for (const r of reports) cache.remember(r.file, problems(r));
  }, backstop(NOTEBOOK_SECONDS, files.length));
  it.each(files)("%s", (file) => {
    // A notebook the cache vouches for: its inputs are still those of its passing run.
    if (cached.includes(file)) return expect(cache.passed(file), `${file}: its inputs changed during the run`).toBe(true);
    const r = reports.find((x) => x.file === file);
    const found = r ? problems(r) : [`${file}: not run`];
    if (found.length) throw new Error(`${found.join("\n")}\n(run it yourself: npm run notebook -- run ${file.slice(10, 12)})`);
  });
});

/** tools/lib/notebooks/commonjs-cache.cjs, as these checks use it. */
interface Transpiled {
  outputText: string;
  diagnostics?: readonly unknown[];
}
type Transpile = (input: string, options: object) => Transpiled;
interface CommonJsCache {
  withCache(ts: { version: string; transpileModule: Transpile }, dir: string | null): Transpile;
  prune(dir: string): void;
  counts: { converted: number; remembered: number; read: number };
  KEEP: number;
}
const CJS_CACHE = join(ROOT, "tools/lib/notebooks/commonjs-cache.cjs");

const code = (src: string, extra: Partial<Cell> = {}): Cell => ({ cell_type: "code", source: lines(src), metadata: {}, outputs: [], execution_count: null, ...extra });
const notebook = (cells: Cell[]): Notebook => ({ cells, metadata: { kernelspec: { ...KERNELSPEC } }, nbformat: 4, nbformat_minor: 5 });

describe("the notebook checks themselves", () => {
  it("strip removes outputs and counts and keeps the sources", () => {
    const run = notebook([code("1 + 1", { outputs: [{ output_type: "stream", name: "stdout", text: ["2\n"] }], execution_count: 3 })]);
    expect(leftovers(run)).toEqual(["cell 1 has outputs", "cell 1 has an execution count"]);
    expect(leftovers(stripped(run))).toEqual([]);
    expect(stripped(run).cells[0]!.source).toEqual(["1 + 1"]);
  });

  it("checks run their kernels with the checks' Node flags, which this Node accepts; a learner's kernel has none", () => {
    const argv = (flags?: readonly string[]): string[] => (kernelJson(ROOT, flags) as { argv: string[] }).argv;
    expect(argv()).toEqual([process.execPath, join(ROOT, "tools", "notebooks", "kernel.cjs"), "--config-path", "{connection_file}"]);
    expect(argv(CHECK_NODE_FLAGS)).toEqual([process.execPath, ...CHECK_NODE_FLAGS, ...argv().slice(1)]);
    // An unknown V8 flag stops Node before it runs anything: every check's kernel would die at its start.
    const r = spawnSync(process.execPath, [...CHECK_NODE_FLAGS, "-e", "process.stdout.write('ok')"], { encoding: "utf8" });
    expect(`${r.stdout}${r.stderr}`).toBe("ok");
  });

  it("a Jupyter run fails on stderr, on an error output, and on a cell that never ran, naming the cell", () => {
    const ran = { metadata: { execution: { "shell.execute_reply": "2026-01-01T00:00:00Z" } } };
    const stderr = notebook([code("a", ran), code("b", { ...ran, outputs: [{ output_type: "stream", name: "stderr", text: ["1:7 - Type 'string' is not assignable\n"] }] })]);
    expect(executedProblems(stderr, "n.ipynb")).toEqual(["n.ipynb, cell 2 wrote to stderr:\n    1:7 - Type 'string' is not assignable"]);
    const error = notebook([code("a", { ...ran, outputs: [{ output_type: "error", ename: "Error", evalue: "boom", traceback: [] }] })]);
    expect(executedProblems(error, "n.ipynb")).toEqual(["n.ipynb, cell 1: Error: boom"]);
    expect(executedProblems(notebook([code("a", ran), code("b")]), "n.ipynb")).toEqual(["n.ipynb, cell 2 did not run (the kernel died or nbconvert stopped)"]);
  });

  it("a run is kept only when it passed, and no longer counts once the notebook, a solution, the tools, a benchmark result or the packages change", () => {
    const root = mkdtempSync(join(tmpdir(), "hub-nb-cache-"));
    const put = (f: string, text: string): void => {
      mkdirSync(join(root, f, ".."), { recursive: true });
      writeFileSync(join(root, f), text);
    };
    try {
      const inputs: [string, string][] = [
        ["notebooks/a.ipynb", serialize(notebook([code("1 + 1")]))], ["notebooks/b.ipynb", serialize(notebook([code("2")]))],
        ["solutions/02-hub/hub.ts", "export {};\n"], ["tools/notebooks/show.ts", "export {};\n"],
        ["bench/results/strategies-sim.json", "{}\n"], ["package-lock.json", "{}\n"],
      ];
      for (const [f, text] of inputs) put(f, text);
      const api = new NotebookCache(root, "api");
      const a = "notebooks/a.ipynb";
      expect(api.passed(a)).toBe(false);
      api.remember(a, ["notebooks/a.ipynb, cell 1 failed"]);
      expect(api.passed(a), "a failing run was kept").toBe(false);
      api.remember(a, []);
      expect(api.passed(a)).toBe(true);
      expect(new NotebookCache(root, "jupyter nbconvert 7.16.6").passed(a), "a run through the API counted for Jupyter").toBe(false);
      for (const [f, text] of inputs.filter(([f]) => f !== "notebooks/b.ipynb")) {
        put(f, `${text} `);
        expect(api.passed(a), `the run still counted after ${f} changed`).toBe(false);
        put(f, text);
        expect(api.passed(a)).toBe(true);
      }
      put("solutions/02-hub/green.ts", "export {};\n");
      expect(api.passed(a), "the run still counted after a solution file was added").toBe(false);
      // A file that changes while the notebook runs: the run is not kept, under the inputs before or after.
      const b = "notebooks/b.ipynb";
      expect(api.passed(b)).toBe(false);
      put("solutions/02-hub/hub.ts", "export const changed = 1;\n");
      api.remember(b, []);
      expect(api.passed(b)).toBe(false);
      put("solutions/02-hub/hub.ts", "export {};\n");
      expect(api.passed(b)).toBe(false);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it("a module's conversion to CommonJS is kept: the text tslab's TypeScript gives, found again in memory and by another process, never for other options or with diagnostics", () => {
    const require = createRequire(join(ROOT, "package.json"));
    const ts = createRequire(require.resolve("tslab/package.json"))("@tslab/typescript-for-tslab") as { version: string; transpileModule: Transpile; ModuleKind: { CommonJS: number }; ScriptTarget: { ES2019: number; ES2022: number } };
    const { withCache, prune, counts, KEEP } = require(CJS_CACHE) as CommonJsCache;
    const dir = mkdtempSync(join(tmpdir(), "hub-cjs-"));
    try {
      const input = 'import { a } from "./a";\nexport const b = a + 1;\n';
      const options = (target: number) => ({ fileName: "custom.js", compilerOptions: { module: ts.ModuleKind.CommonJS, esModuleInterop: true, target } });
      const expected = ts.transpileModule(input, options(ts.ScriptTarget.ES2019)).outputText;
      expect(expected).toContain('require("./a")');
      const convert = withCache(ts, dir);
      const step = (f: () => Transpiled, text: string): typeof counts => {
        const before = { ...counts };
        expect(f().outputText).toBe(text);
        return { converted: counts.converted - before.converted, remembered: counts.remembered - before.remembered, read: counts.read - before.read };
      };
      expect(step(() => convert(input, options(ts.ScriptTarget.ES2019)), expected)).toEqual({ converted: 1, remembered: 0, read: 0 });
      expect(step(() => convert(input, options(ts.ScriptTarget.ES2019)), expected)).toEqual({ converted: 0, remembered: 1, read: 0 });
      expect(readdirSync(dir)).toHaveLength(1);
      // Another process: a new cache over the same folder reads the conversion instead of converting.
      const another = withCache(ts, dir);
      expect(step(() => another(input, options(ts.ScriptTarget.ES2019)), expected)).toEqual({ converted: 0, remembered: 0, read: 1 });
      const es2022 = ts.transpileModule(input, options(ts.ScriptTarget.ES2022)).outputText;
      expect(step(() => another(input, options(ts.ScriptTarget.ES2022)), es2022)).toEqual({ converted: 1, remembered: 0, read: 0 });
      // A conversion with diagnostics is done again every time, so that every caller gets them.
      const broken = { ...options(ts.ScriptTarget.ES2019), reportDiagnostics: true };
      expect(convert("const = 1;", broken).diagnostics?.length).toBeGreaterThan(0);
      expect(convert("const = 1;", broken).diagnostics?.length).toBeGreaterThan(0);
      expect(readdirSync(dir)).toHaveLength(2);
      // Old conversions pile up as files are edited: past KEEP files, the folder is emptied.
      prune(dir);
      expect(readdirSync(dir)).toHaveLength(2);
      for (let i = 0; i < KEEP; i++) writeFileSync(join(dir, `old-${i}.js`), "");
      prune(dir);
      expect(existsSync(dir)).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it("tslab's converter converts through that cache once it is installed, and is left alone when it loaded first", () => {
    // In a process of its own: installing changes which TypeScript exports tslab's modules see.
    const script = [
      `const cache = require(${JSON.stringify(CJS_CACHE)});`,
      `const root = ${JSON.stringify(ROOT)};`,
      "const installed = cache.install(root, null);",
      `const { createRequire } = require("node:module");`,
      `const converter = createRequire(require("node:path").join(root, "package.json"))("tslab/dist/converter");`,
      `const js = 'import { a } from "./a";\\nexport const b = a;\\n';`,
      "const first = converter.esModuleToCommonJSModule(js, 6);",
      "const second = converter.esModuleToCommonJSModule(js, 6);",
      "console.log(JSON.stringify({ installed, again: cache.install(root, null), same: first === second, counts: cache.counts }));",
    ].join("\n");
    const run = (code: string): unknown => JSON.parse(execFileSync(process.execPath, ["-e", code], { cwd: ROOT, encoding: "utf8" }));
    expect(run(script)).toEqual({ installed: true, again: true, same: true, counts: { converted: 1, remembered: 1, read: 0 } });
    const late = script.replace("const installed = cache.install(root, null);", "").replace(/^(const converter = .*)$/m, "$1\nconst installed = cache.install(root, null);");
    expect(run(late)).toEqual({ installed: false, again: false, same: true, counts: { converted: 0, remembered: 0, read: 0 } });
  }, 60_000);

  it(
    "a failing cell (here a type error) fails the run with the notebook, the cell number and tslab's message; later cells do not run",
    async () => {
      // A throwaway repository root beside the real one: tslab compiles only files under its working directory.
      const root = mkdtempSync(join(tmpdir(), "hub-nb-"));
      try {
        symlinkSync(join(ROOT, "node_modules"), join(root, "node_modules"), "dir");
        writeFileSync(join(root, "package.json"), "{}\n");
        mkdirSync(join(root, "notebooks"));
        const md: Cell = { cell_type: "markdown", source: ["# typed"], metadata: {} };
        writeFileSync(join(root, "notebooks/typed.ipynb"), serialize(notebook([md, code("const n: number = 1;"), code('const s: number = "one";'), code("n + 1")])));
        const typed = await runNotebook("notebooks/typed.ipynb", undefined, root);
        expect(problems(typed, root)).toEqual([
          "notebooks/typed.ipynb, cell 3 (code cell 2 of 3) failed:\n    1:7 - Type 'string' is not assignable to type 'number'.",
        ]);
        expect(typed.cells.map((c) => c.ok)).toEqual([true, false]);
      } finally {
        rmSync(root, { recursive: true, force: true });
      }
    },
    LIMIT_MS,
  );
});

describe("notebooks: every cell runs in real Jupyter (jupyter nbconvert --execute)", () => {
  if (!jupyter) {
    if (process.env.CI === "true") {
      it("jupyter nbconvert is installed (required when CI=true)", () => {
        throw new Error(`jupyter nbconvert is not installed: ${INSTALL_HINT}`);
      });
    } else {
      console.log(`Skipping the Jupyter run of the notebooks: jupyter nbconvert is not installed; ${INSTALL_HINT}`);
      it.skip.each(files)("%s (skipped: Jupyter is not installed)", () => {});
    }
    return;
  }
  const cache = new NotebookCache(ROOT, `jupyter nbconvert ${jupyter}`);
  let results: JupyterResult[] = [];
  let cached: string[] = [];
  let api = new Map<string, string>();
  let out = "";
  beforeAll(async () => {
    out = mkdtempSync(join(tmpdir(), "hub-nbconvert-"));
    cached = files.filter((f) => cache.passed(f));
    const todo = files.filter((f) => !cached.includes(f));
    results = todo.length ? await checkWithJupyter(todo, out) : [];
    for (const r of results) cache.remember(r.file, r.problems);
    api = await throughTheApi(results.filter((r) => r.problems.length).map((r) => r.file));
  }, backstop(JUPYTER_NOTEBOOK_SECONDS, files.length) + backstop(NOTEBOOK_SECONDS, files.length));
  afterAll(() => rmSync(out, { recursive: true, force: true }));
  it.each(files)("%s", (file) => {
    if (cached.includes(file)) return expect(cache.passed(file), `${file}: its inputs changed during the run`).toBe(true);
    const found = results.find((x) => x.file === file)?.problems ?? [`${file}: not run`];
    if (found.length) {
      const why = api.get(file) ?? "(not run through tslab's API)";
      throw new Error(`${found.join("\n")}\nthrough tslab's API: ${why}\n(check it yourself: npm run notebook -- check-jupyter ${file.slice(10, 12)})`);
    }
  });
});
