// Course machinery for the notebooks (all chapters): runs notebooks through tslab's API in child processes with a
// wall-clock limit per notebook (a synchronous endless loop in a cell cannot be interrupted from inside), several
// processes at once. A process runs one notebook after another, each with its own tslab executor and TypeScript
// program, so that tslab, its TypeScript and the compiler's warmed-up code load once per process instead of once per
// notebook (about half of the CPU a notebook took); a notebook that leaves a timer or a socket behind, or runs out of
// time, ends its process, and the next notebook gets a fresh one.
import { type ChildProcess, fork } from "node:child_process";
import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import { ROOT } from "../manifest";
import type { NotebookReport, RunEvent } from "./execute";
import { explainFailure } from "./tscheck";
import type { WorkerMessage } from "./worker";

/**
 * Wall-clock limit for one notebook, start-up of tslab's TypeScript included (3–5 s of the 5–10 s a notebook takes
 * on an idle machine). Generous: it only stops a cell that loops forever, and a busy CI machine must not trip it.
 */
export const NOTEBOOK_SECONDS = 180;

/**
 * Node flags for the processes that run notebooks to check them, and not to show their outputs: V8's optimizing
 * compiler (TurboFan) off. Such a process lives for seconds and spends most of its CPU in TypeScript checking each
 * cell once, and TurboFan's compiling of the checker's functions on the way cost more CPU than the faster code saved:
 * the 14 notebooks under Jupyter took 79–96 s of user CPU with it and 63–81 s without, on the same machine (see
 * CONTRIBUTING.md, "Test suite time"). The cells' results are the same either way; their speed is not, so a run
 * whose outputs someone reads (`npm run notebook -- run`, the site's executed copies, a learner's kernel) keeps
 * TurboFan: the notebooks time the hub, and those figures would be the interpreter's.
 */
export const CHECK_NODE_FLAGS: readonly string[] = ["--no-opt"];

const WORKER = fileURLToPath(new URL("./worker.ts", import.meta.url));

/** A child process that runs the notebooks it is sent, one at a time. */
interface Runner {
  /** Runs `file`; `last` says the process has ended (or was stopped) and cannot run another. Never rejects. */
  run(file: string, onEvent: (e: RunEvent) => void): Promise<{ report: NotebookReport; last: boolean }>;
  close(): void;
}

function startRunner(root: string, nodeFlags: readonly string[]): Runner {
  // tsx's loader so the worker and our helpers run as TypeScript; the notebooks' own code is compiled by tslab.
  const child: ChildProcess = fork(WORKER, [root], { cwd: root, execArgv: [...nodeFlags, "--import", "tsx"], stdio: ["ignore", "pipe", "pipe", "ipc"] });
  let stray = "";
  child.stdout?.on("data", (d: Buffer) => (stray += d.toString()));
  child.stderr?.on("data", (d: Buffer) => (stray += d.toString()));
  let exited: { code: number | null; signal: NodeJS.Signals | null } | null = null;
  const onExit: (() => void)[] = [];
  child.on("close", (code, signal) => {
    exited = { code, signal };
    for (const f of onExit.splice(0)) f();
  });
  child.on("error", (e) => (stray += `${e}\n`));
  return {
    run(file, onEvent) {
      const started = Date.now();
      stray = "";
      return new Promise((resolve) => {
        let lastCell = 0;
        let timedOut = false;
        const finish = (result: { report: NotebookReport; last: boolean }): void => {
          clearTimeout(timer);
          child.off("message", onMessage);
          onExit.splice(onExit.indexOf(failed) >>> 0, 1);
          resolve(result);
        };
        const failed = (): void => {
          const why = timedOut
            ? `time limit of ${NOTEBOOK_SECONDS} s exceeded${lastCell ? ` while cell ${lastCell} was running` : " before the first cell"}`
            : `the notebook runner exited (${exited?.signal ?? `code ${exited?.code}`}) without a report`;
          const error = `${why}${stray.trim() ? `\n${stray.trim()}` : ""}`;
          finish({ report: { file, ok: false, ms: Date.now() - started, codeCells: 0, cells: [], error }, last: true });
        };
        const onMessage = (m: WorkerMessage): void => {
          if (m.type === "report") return finish({ report: m.report, last: m.last });
          if (m.type === "cell-start") lastCell = m.cell;
          onEvent(m);
        };
        const timer = setTimeout(() => {
          timedOut = true;
          child.kill("SIGKILL");
        }, NOTEBOOK_SECONDS * 1000);
        child.on("message", onMessage);
        if (exited) return failed();
        onExit.push(failed);
        child.send({ type: "run", file });
      });
    },
    close() {
      if (!exited) child.send({ type: "done" });
    },
  };
}

/** Runs `file` (e.g. `notebooks/01-coroutines.ipynb`) in a fresh Node process; never rejects. */
export async function runNotebook(file: string, onEvent: (e: RunEvent) => void = () => {}, root = ROOT): Promise<NotebookReport> {
  const runner = startRunner(root, []);
  const { report } = await runner.run(file, onEvent);
  runner.close();
  return report;
}

/** How to run several notebooks. */
export interface RunOptions {
  /** Hears of each notebook as a runner takes it up (a build's progress lines)… */
  readonly started?: (file: string) => void;
  /** …and as its report comes back. */
  readonly finished?: (report: NotebookReport) => void;
  /** Node flags for the runners' processes: CHECK_NODE_FLAGS for a check. @default none */
  readonly nodeFlags?: readonly string[];
}

/** Runs several notebooks, as many processes at once as there are cores; reports come back in the order given. */
export async function runNotebooks(
  files: readonly string[],
  onEvent?: (file: string, e: RunEvent) => void,
  root = ROOT,
  options: RunOptions = {},
): Promise<NotebookReport[]> {
  const results: NotebookReport[] = new Array(files.length);
  let next = 0;
  const lane = async (): Promise<void> => {
    let runner: Runner | null = null;
    while (next < files.length) {
      const i = next++;
      runner ??= startRunner(root, options.nodeFlags ?? []);
      options.started?.(files[i]!);
      const { report, last } = await runner.run(files[i]!, onEvent ? (e) => onEvent(files[i]!, e) : () => {});
      results[i] = report;
      options.finished?.(report);
      if (last) runner = null;
    }
    runner?.close();
  };
  await Promise.all(Array.from({ length: Math.min(files.length, Math.max(1, availableParallelism())) }, lane));
  return results;
}

/** Runs notebooks to check them: `runNotebooks` with CHECK_NODE_FLAGS, where nobody reads the outputs' timings. */
export function checkNotebooks(files: readonly string[], root = ROOT): Promise<NotebookReport[]> {
  return runNotebooks(files, undefined, root, { nodeFlags: CHECK_NODE_FLAGS });
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
