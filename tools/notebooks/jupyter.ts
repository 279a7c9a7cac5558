// Course machinery for the notebooks (all chapters): the real-Jupyter side — our kernel spec, registering it, and
// executing notebooks with `jupyter nbconvert`, then reading the executed files for errors ourselves, because
// tslab reports a failed cell on stderr and nbconvert can still exit 0.
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { basename, join } from "node:path";
import { ROOT } from "../lib/manifest";
import { spawnGroup } from "../lib/process-group";
import { KERNELSPEC, readNotebook, text, type Notebook } from "../lib/notebooks/nbformat";
import { CHECK_NODE_FLAGS } from "../lib/notebooks/run";

/**
 * Debian/Ubuntu packages that bring the whole of what the notebook tools use: `jupyter notebook`, `jupyter kernelspec`
 * (jupyter-client) and `jupyter nbconvert`, with the Python kernel machinery. `jupyter-notebook` alone brings neither
 * `kernelspec` nor `nbconvert`.
 */
export const APT_PACKAGES = "jupyter-notebook jupyter-nbconvert jupyter-client python3-ipykernel";
/** The other way: pip brings Jupyter Lab with everything above. */
export const PIP_INSTALL = "pip install jupyterlab";
export const INSTALL_HINT = `install Jupyter: sudo apt-get install -y --no-install-recommends ${APT_PACKAGES}  (or: ${PIP_INSTALL})`;

/** Seconds nbconvert allows one cell; the first cell also compiles what the notebook imports (5–10 s when idle). */
export const JUPYTER_CELL_SECONDS = 120;
/**
 * Wall-clock limit for one notebook in Jupyter, kernel start-up included (an nbconvert executing n notebooks gets n
 * times this); a backstop for a hung kernel.
 */
export const JUPYTER_NOTEBOOK_SECONDS = 240;

/** stdout of a successful `jupyter …`, or null. Not stderr: Python's debugger may print warnings there. */
const run = (args: string[]): string | null => {
  const r = spawnSync("jupyter", args, { encoding: "utf8", timeout: 30_000 });
  return r.status === 0 ? r.stdout.trim() : null;
};

/** The version of a Jupyter application (`nbconvert`, `lab`, `notebook`), or null when it is not installed. */
export const jupyterVersion = (app: string): string | null => {
  const out = run([app, "--version"]);
  return out === null ? null : out.split("\n").pop() || "(version unknown)";
};

/**
 * Our kernel.json: tslab's kernel, started from the repository root by tools/notebooks/kernel.cjs, with `nodeFlags`
 * for Node (the checks' CHECK_NODE_FLAGS; none for the kernel a learner works in).
 */
export function kernelJson(root = ROOT, nodeFlags: readonly string[] = []): object {
  return {
    // Absolute paths: Jupyter starts kernels without npm's PATH, and this file lives outside the repository.
    argv: [process.execPath, ...nodeFlags, join(root, "tools", "notebooks", "kernel.cjs"), "--config-path", "{connection_file}"],
    display_name: KERNELSPEC.display_name,
    language: KERNELSPEC.language,
  };
}

/** Writes `<dir>/kernels/tslab/kernel.json`, so that `JUPYTER_PATH=<dir>` makes Jupyter use our kernel as "tslab". */
export function writeKernelSpec(dir: string, root = ROOT, nodeFlags: readonly string[] = []): string {
  const spec = join(dir, "kernels", KERNELSPEC.name);
  mkdirSync(spec, { recursive: true });
  writeFileSync(join(spec, "kernel.json"), `${JSON.stringify(kernelJson(root, nodeFlags), null, 1)}\n`);
  return spec;
}

/** Registers our kernel for this user as "tslab" (replacing a plain tslab kernel, which it behaves like elsewhere). */
export function installKernel(root = ROOT): { ok: boolean; message: string } {
  const tmp = mkdtempSync(join(tmpdir(), "hub-kernel-"));
  try {
    const spec = writeKernelSpec(tmp, root);
    const r = spawnSync("jupyter", ["kernelspec", "install", "--user", "--replace", "--name", KERNELSPEC.name, spec], { encoding: "utf8" });
    return { ok: r.status === 0, message: `${r.stdout ?? ""}${r.stderr ?? ""}${r.error ? String(r.error) : ""}`.trim() };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** Where the "tslab" kernel Jupyter would start is defined, and whether it is ours (starts from the root). */
export function installedKernel(): { path: string; ours: boolean } | null {
  const out = run(["kernelspec", "list", "--json"]);
  if (!out) return null;
  try {
    const specs = JSON.parse(out) as { kernelspecs: Record<string, { resource_dir: string; spec: { argv: string[] } }> };
    const k = specs.kernelspecs[KERNELSPEC.name];
    return k ? { path: k.resource_dir, ours: k.spec.argv.some((a) => a.endsWith("kernel.cjs")) } : null;
  } catch {
    return null;
  }
}

export interface JupyterResult {
  readonly file: string;
  readonly ok: boolean;
  readonly ms: number;
  readonly problems: string[];
  /** The executed notebook nbconvert wrote, when it wrote one. */
  readonly executed?: string;
}

/**
 * What went wrong in a notebook executed by Jupyter, first problem only (tslab silently aborts the cells after a
 * failure, so they look empty): an error output, anything on stderr (where tslab prints type errors and exceptions),
 * or a code cell that never ran (the kernel died); named with the cell's position.
 */
export function executedProblems(nb: Notebook, file: string): string[] {
  const found: string[] = [];
  nb.cells.forEach((c, i) => {
    if (c.cell_type !== "code" || found.length) return;
    const where = `${file}, cell ${i + 1}`;
    for (const o of c.outputs ?? []) {
      if (o.output_type === "error") found.push(`${where}: ${o.ename}: ${o.evalue}`);
      if (o.output_type === "stream" && o.name === "stderr") found.push(`${where} wrote to stderr:\n    ${text(o.text).trim().split("\n").slice(0, 6).join("\n    ")}`);
    }
    // tslab sends no execution counts, so nbconvert's timing metadata is what shows that a cell was run at all.
    const timing = (c.metadata.execution ?? {}) as Record<string, unknown>;
    if (!found.length && !timing["shell.execute_reply"]) found.push(`${where} did not run (the kernel died or nbconvert stopped)`);
  });
  return found;
}

/**
 * Executes notebooks with one `jupyter nbconvert --execute` (each notebook in its own kernel, one after another) and
 * our kernel; writes the results into `outDir`. One nbconvert for several notebooks: Python and nbconvert start once
 * (about a second of CPU each time). A notebook nbconvert did not write (it stopped at an earlier one: a kernel that
 * died, a cell past its time limit) is executed again alone, so that its problem is its own. Never rejects.
 */
export async function nbconvert(files: readonly string[], outDir: string, jupyterPath: string, root = ROOT): Promise<JupyterResult[]> {
  const started = Date.now();
  const executedOf = (file: string): string => join(outDir, basename(file));
  // A notebook left by an earlier run must not pass for this run's.
  for (const f of files) rmSync(executedOf(f), { force: true });
  const args = [
    "nbconvert", "--to", "notebook", "--execute",
    `--ExecutePreprocessor.kernel_name=${KERNELSPEC.name}`,
    `--ExecutePreprocessor.timeout=${JUPYTER_CELL_SECONDS}`,
    // Keep going after an error, so the executed notebook is written and we can name the cell and its message.
    "--allow-errors",
    // Timing metadata is our proof that a cell ran: tslab sends no execution counts, so nbconvert records none.
    "--ExecutePreprocessor.record_timing=True",
    "--output-dir", outDir, ...files.map((f) => join(root, f)),
  ];
  const { code, log } = await new Promise<{ code: number | null; log: string }>((resolve) => {
    // JUPYTER_PATH comes first in Jupyter's search, so "tslab" means our kernel here whatever else is installed.
    const env = { ...process.env, JUPYTER_PATH: jupyterPath, JUPYTER_RUNTIME_DIR: join(jupyterPath, "runtime") };
    // Its own process group, so that at the time limit the kernel goes too, not only nbconvert.
    const deadlineMs = JUPYTER_NOTEBOOK_SECONDS * 1000 * files.length;
    const group = spawnGroup("jupyter", args, { cwd: root, env, stdio: ["ignore", "pipe", "pipe"], deadlineMs });
    const child = group.child;
    let log = "";
    child.stdout!.on("data", (d: Buffer) => (log += d.toString()));
    child.stderr!.on("data", (d: Buffer) => (log += d.toString()));
    child.on("error", (e) => (log += String(e)));
    child.on("close", (code) => {
      if (group.timedOut) log += `\nstopped: the time limit of ${JUPYTER_NOTEBOOK_SECONDS} s for one notebook ran out`;
      resolve({ code, log });
    });
  });
  const results: JupyterResult[] = [];
  let since = started;
  for (const file of files) {
    const executed = executedOf(file);
    let nb: Notebook | undefined;
    try {
      nb = readNotebook(executed);
    } catch {
      // Not written: nbconvert's own log says why.
    }
    if (!nb && files.length > 1) {
      results.push(...(await nbconvert([file], outDir, jupyterPath, root)));
      continue;
    }
    const problems = nb ? executedProblems(nb, file) : [];
    if (!nb || (code !== 0 && files.length === 1)) {
      const tail = log.trim().split("\n").slice(-8).join("\n    ");
      if (!problems.length) problems.push(`${file}: jupyter nbconvert exited with ${code}:\n    ${tail}`);
    }
    // Each notebook's time: from when the one before it was written (its kernel's start-up included).
    const done = nb ? statSync(executed).mtimeMs : Date.now();
    results.push({ file, ok: problems.length === 0, ms: Math.max(0, Math.round(done - since)), problems, ...(nb ? { executed } : {}) });
    since = Math.max(since, done);
  }
  return results;
}

/**
 * Executes notebooks with real Jupyter, with our kernel registered in a temporary JUPYTER_PATH: as many nbconvert
 * processes at once as there are cores, each executing its share of the notebooks one after another. A check: the
 * kernels run with CHECK_NODE_FLAGS.
 */
export async function checkWithJupyter(files: readonly string[], outDir: string, root = ROOT): Promise<JupyterResult[]> {
  const jupyterPath = mkdtempSync(join(tmpdir(), "hub-jupyter-"));
  mkdirSync(outDir, { recursive: true });
  try {
    writeKernelSpec(jupyterPath, root, CHECK_NODE_FLAGS);
    const lanes = Math.min(files.length, Math.max(1, availableParallelism()));
    // Every lanes-th notebook to a lane: the later chapters' notebooks, the longer ones, spread over all lanes.
    const shares = Array.from({ length: lanes }, (_, j) => files.filter((_, i) => i % lanes === j));
    const done = await Promise.all(shares.map((share) => nbconvert(share, outDir, jupyterPath, root)));
    return files.map((f) => done.flat().find((r) => r.file === f)!);
  } finally {
    rmSync(jupyterPath, { recursive: true, force: true });
  }
}
