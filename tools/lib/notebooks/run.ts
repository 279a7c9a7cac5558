// Course machinery for the notebooks (all chapters): runs notebooks through tslab's API, each in a child process
// with a wall-clock limit (a synchronous endless loop in a cell cannot be interrupted from inside), several at once.
import { fork } from "node:child_process";
import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import { ROOT } from "../manifest";
import type { NotebookReport, RunEvent } from "./execute";
import { explainFailure } from "./tscheck";

/**
 * Wall-clock limit for one notebook, start-up of tslab's TypeScript included (3–5 s of the 5–10 s a notebook takes
 * on an idle machine). Generous: it only stops a cell that loops forever, and a busy CI machine must not trip it.
 */
export const NOTEBOOK_SECONDS = 180;

const WORKER = fileURLToPath(new URL("./worker.ts", import.meta.url));

/** Runs `file` (e.g. `notebooks/01-coroutines.ipynb`) in a fresh Node process; never rejects. */
export function runNotebook(file: string, onEvent: (e: RunEvent) => void = () => {}, root = ROOT): Promise<NotebookReport> {
  const started = Date.now();
  return new Promise((resolve) => {
    // tsx's loader so the worker and our helpers run as TypeScript; the notebook's own code is compiled by tslab.
    const child = fork(WORKER, [root, file], { cwd: root, execArgv: ["--import", "tsx"], stdio: ["ignore", "pipe", "pipe", "ipc"] });
    let stray = "";
    child.stdout?.on("data", (d: Buffer) => (stray += d.toString()));
    child.stderr?.on("data", (d: Buffer) => (stray += d.toString()));
    let report: NotebookReport | undefined;
    let lastCell = 0;
    child.on("message", (m: RunEvent | { type: "report"; report: NotebookReport }) => {
      if (m.type === "report") report = m.report;
      else {
        if (m.type === "cell-start") lastCell = m.cell;
        onEvent(m);
      }
    });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, NOTEBOOK_SECONDS * 1000);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      if (report) return resolve(report);
      const why = timedOut
        ? `time limit of ${NOTEBOOK_SECONDS} s exceeded${lastCell ? ` while cell ${lastCell} was running` : " before the first cell"}`
        : `the notebook runner exited (${signal ?? `code ${code}`}) without a report`;
      resolve({ file, ok: false, ms: Date.now() - started, codeCells: 0, cells: [], error: `${why}${stray.trim() ? `\n${stray.trim()}` : ""}` });
    });
  });
}

/** Runs several notebooks, as many at once as there are cores; reports come back in the order given. */
export async function runNotebooks(
  files: readonly string[],
  onEvent?: (file: string, e: RunEvent) => void,
  root = ROOT,
): Promise<NotebookReport[]> {
  const results: NotebookReport[] = new Array(files.length);
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < files.length) {
      const i = next++;
      results[i] = await runNotebook(files[i]!, onEvent ? (e) => onEvent(files[i]!, e) : undefined, root);
    }
  };
  await Promise.all(Array.from({ length: Math.min(files.length, Math.max(1, availableParallelism())) }, lane));
  return results;
}

/**
 * One line per problem, naming the notebook and the cell: what a failing test or CI log should say. A type error that
 * tslab reported without its file gets located in the notebook's imports, and an import cycle named (tscheck.ts).
 */
export function problems(r: NotebookReport, root = ROOT): string[] {
  const found = bareProblems(r);
  return found.length ? [...found, ...explainFailure(root, r.file, found.join("\n"))] : found;
}

function bareProblems(r: NotebookReport): string[] {
  if (r.error) return [`${r.file}: ${r.error}`];
  const bad = r.cells.find((c) => !c.ok);
  if (bad) {
    const message = essence(bad.error!).join("\n    ");
    return [`${r.file}, cell ${bad.cell} (code cell ${bad.count} of ${r.codeCells}) failed:\n    ${message}`];
  }
  if (r.cells.length < r.codeCells) return [`${r.file}: only ${r.cells.length} of ${r.codeCells} code cells ran`];
  return [];
}

/**
 * The lines of tslab's stderr worth reading: type errors as they are; for an exception, its `Name: message` line and
 * the frames under it, without the source excerpt Node prints above it.
 */
function essence(stderr: string): string[] {
  const all = stderr.split("\n");
  const at = all.findIndex((l) => /^[A-Z]\w*(Error|Exception|Exit|Timeout)?\b[^\s]*: /.test(l) && !/^\d+:\d+ - /.test(l));
  return at > 0 && !/^\d+:\d+ - /.test(all[0]!) ? all.slice(at, at + 4) : all.slice(0, 6);
}
