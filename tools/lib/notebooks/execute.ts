// Course machinery for the notebooks (all chapters): runs one notebook in this process through tslab's own
// programmatic API — the converter and executor its Jupyter kernel uses — and records each cell's outputs the way
// the kernel would send them (stdout, stderr, display data), so no Jupyter is needed to run or check a notebook.
import { createRequire } from "node:module";
import { join } from "node:path";
import { format } from "node:util";
import { lines, readNotebook, text, type Notebook, type Output } from "./nbformat";

export interface CellReport {
  /** 1-based position in the notebook, counting markdown cells too: what a reader counts when scrolling. */
  readonly cell: number;
  /** 1-based execution count, as Jupyter would number it. */
  readonly count: number;
  readonly ok: boolean;
  readonly ms: number;
  readonly outputs: Output[];
  /** What tslab printed on stderr when the cell failed: a type error with its position, or an exception's stack. */
  readonly error?: string;
}

export interface NotebookReport {
  /** Relative to the repository root, e.g. `notebooks/01-coroutines.ipynb`. */
  readonly file: string;
  readonly ok: boolean;
  readonly ms: number;
  /** How many code cells the notebook has; fewer reports than this means a cell failed and the rest did not run. */
  readonly codeCells: number;
  readonly cells: CellReport[];
  /** A failure outside any cell (the notebook is unreadable, tslab failed to load, the time limit). */
  readonly error?: string;
}

export type RunEvent =
  | { readonly type: "cell-start"; readonly cell: number; readonly count: number; readonly source: string }
  | { readonly type: "output"; readonly cell: number; readonly output: Output }
  | { readonly type: "cell-end"; readonly report: CellReport };

/** An async cell that has not settled after this long is interrupted (tslab rejects its top-level await). */
export const CELL_SECONDS = 20;

// The slices of tslab's internal modules we use (tslab 1.0.22, dist/converter, dist/executor, dist/jupyter).
interface Converter {
  close(): void;
}
interface TslabExecutor {
  execute(src: string): Promise<boolean>;
  interrupt(): void;
  close(): void;
}
type DisplayWriter = (msg: { data: Record<string, string>; metadata: Record<string, unknown> }, update: boolean) => void;

/**
 * Executes every code cell of `file` (relative to `root`) in order and stops at the first that fails, as nbconvert
 * does. Changes this process's working directory to `root`: tslab compiles only files under its working directory,
 * and the notebooks import `./solutions/…` relative to the repository root.
 */
export async function executeNotebook(root: string, file: string, onEvent: (e: RunEvent) => void = () => {}): Promise<NotebookReport> {
  const started = Date.now();
  const cells: CellReport[] = [];
  let nb: Notebook;
  try {
    nb = readNotebook(join(root, file));
  } catch (e) {
    return { file, ok: false, ms: 0, codeCells: 0, cells, error: (e as Error).message };
  }
  const codeCells = nb.cells.filter((c) => c.cell_type === "code").length;
  process.chdir(root);

  const req = createRequire(join(root, "package.json"));
  // Before tslab's converter loads: each file's conversion to CommonJS is then done once (commonjs-cache.cjs).
  (createRequire(import.meta.url)("./commonjs-cache.cjs") as { install(root: string): boolean }).install(root);
  const { createConverter } = req("tslab/dist/converter") as { createConverter(o: { isJS?: boolean; isBrowser?: boolean }): Converter };
  const { createExecutor } = req("tslab/dist/executor") as {
    createExecutor(rootDir: string, convs: { node: Converter; browser: Converter; close(): void }, console: { log(...a: unknown[]): void; error(...a: unknown[]): void }): TslabExecutor;
  };
  // tslab's TypeScript watches every file and folder a notebook's imports reach (about 200 of them), so that an
  // interactive kernel sees an edit; a run reads each file once, and tslab's close() leaves the folders' watchers
  // open, so that in a process that runs one notebook after another they would pile up. No watching, then.
  const ts = createRequire(req.resolve("tslab/package.json"))("@tslab/typescript-for-tslab") as {
    sys: { watchFile?: unknown; watchDirectory?: unknown };
  };
  const unwatched = (): { close(): void } => ({ close() {} });
  ts.sys.watchFile = unwatched;
  ts.sys.watchDirectory = unwatched;
  // tslab.display writes through this module-level hook, which its Jupyter kernel sets before every cell.
  const jupyter = req("tslab/dist/jupyter") as { lastWriteDisplayData: DisplayWriter | null };

  // The cell whose outputs we are collecting; output that arrives later (a timer firing) goes to the last cell
  // that ran, which is what tslab's kernel does too.
  let current: { cell: number; outputs: Output[]; stderr: string } | null = null;
  const emit = (output: Output): void => {
    if (!current) return;
    const last = current.outputs[current.outputs.length - 1];
    // Consecutive writes to one stream form one output, as in a notebook saved by Jupyter.
    if (output.output_type === "stream" && last?.output_type === "stream" && last.name === output.name) {
      last.text = lines(text(last.text) + text(output.text));
    } else {
      current.outputs.push(output);
    }
    if (output.output_type === "stream" && output.name === "stderr") current.stderr += text(output.text);
    onEvent({ type: "output", cell: current.cell, output });
  };
  const stream = (name: "stdout" | "stderr", s: string): void => emit({ output_type: "stream", name, text: lines(s) });

  const originalWrite = { out: process.stdout.write, err: process.stderr.write };
  const hook = (name: "stdout" | "stderr") =>
    ((chunk: string | Uint8Array, ...rest: unknown[]): boolean => {
      stream(name, typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8"));
      const done = rest.find((r) => typeof r === "function") as (() => void) | undefined;
      done?.();
      return true;
    }) as typeof process.stdout.write;
  process.stdout.write = hook("stdout");
  process.stderr.write = hook("stderr");
  jupyter.lastWriteDisplayData = (msg) => emit({ output_type: "display_data", data: msg.data, metadata: msg.metadata ?? {} });
  const onUncaught = (e: unknown): void => stream("stderr", `UncaughtException: ${format(e)}\n`);
  const onUnhandled = (e: unknown): void => stream("stderr", `UnhandledPromiseRejection: ${format(e)}\n`);
  process.on("uncaughtException", onUncaught);
  process.on("unhandledRejection", onUnhandled);

  let node: Converter | undefined;
  let browser: Converter | undefined;
  const convs = {
    get node() {
      return (node ??= createConverter({ isJS: false, isBrowser: false }));
    },
    get browser() {
      return (browser ??= createConverter({ isJS: false, isBrowser: true }));
    },
    close() {
      node?.close();
      browser?.close();
    },
  };
  let executor: TslabExecutor | undefined;
  try {
    // Exactly what the kernel passes: results go to stdout, type errors and exceptions to stderr.
    executor = createExecutor(root, convs, {
      log: (...a) => stream("stdout", `${format(...a)}\n`),
      error: (...a) => stream("stderr", `${format(...a)}\n`),
    });
    let count = 0;
    for (const [i, c] of nb.cells.entries()) {
      if (c.cell_type !== "code") continue;
      count++;
      const source = text(c.source);
      current = { cell: i + 1, outputs: [], stderr: "" };
      onEvent({ type: "cell-start", cell: i + 1, count, source });
      const t0 = Date.now();
      let timer: NodeJS.Timeout | undefined;
      const ex = executor;
      const limit = new Promise<boolean>((resolve) => {
        timer = setTimeout(() => {
          stream("stderr", `the cell did not finish within ${CELL_SECONDS} s and was interrupted\n`);
          ex.interrupt();
          resolve(false);
        }, CELL_SECONDS * 1000);
      });
      let ok = await Promise.race([ex.execute(source), limit]);
      clearTimeout(timer);
      // A notebook's cells report problems on stderr only when something went wrong: tslab prints its errors
      // there, and an exception thrown later by a timer of this cell lands there too.
      if (current.stderr) ok = false;
      const report: CellReport = {
        cell: current.cell,
        count,
        ok,
        ms: Date.now() - t0,
        outputs: current.outputs,
        ...(ok ? {} : { error: current.stderr.trim() || "the cell failed without a message" }),
      };
      cells.push(report);
      onEvent({ type: "cell-end", report });
      if (!ok) break;
    }
  } catch (e) {
    return { file, ok: false, ms: Date.now() - started, codeCells, cells, error: `tslab failed: ${format(e)}` };
  } finally {
    current = null;
    process.stdout.write = originalWrite.out;
    process.stderr.write = originalWrite.err;
    jupyter.lastWriteDisplayData = null;
    process.off("uncaughtException", onUncaught);
    process.off("unhandledRejection", onUnhandled);
    executor?.close();
  }
  const ok = cells.length === codeCells && cells.every((c) => c.ok);
  return { file, ok, ms: Date.now() - started, codeCells, cells };
}

/** The notebook with the outputs and execution counts of a run filled in: what Jupyter would have saved. */
export function withOutputs(nb: Notebook, report: NotebookReport): Notebook {
  const byCell = new Map(report.cells.map((c) => [c.cell, c]));
  return {
    ...nb,
    cells: nb.cells.map((c, i) => {
      const r = byCell.get(i + 1);
      if (c.cell_type !== "code") return c;
      return { ...c, outputs: r?.outputs ?? [], execution_count: r?.count ?? null };
    }),
  };
}
