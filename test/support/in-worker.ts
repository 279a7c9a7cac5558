// Calls a function of the code under test in a worker thread of its own, for the one kind of mistake a test cannot
// time out in its own thread: a synchronous loop that never ends (chapter 09's `populate` with no names to place).
// Such a loop would hold the test file's thread, so every later test of the lab would go unrun; a worker can be
// terminated wherever its code is, and the test then fails with a sentence saying what never returned.
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";

/** The tree the tests grade: $HUB_TARGET (a lab tree), else solutions/ (as vitest.config.ts's `@target` alias). */
export function treeUnderTest(): string {
  return resolve(process.env.HUB_TARGET ?? "solutions");
}

/** What a call in a worker came to: its value (as structured clone copies it), the error it threw, or nothing in time. */
export type WorkerCall = { value: unknown } | { threw: string } | { timedOut: true };

// The worker loads TypeScript through tsx's loader, as `npm run lab` and the grader's processes do.
const WORKER = `
  import { parentPort, workerData } from "node:worker_threads";
  import { register } from ${JSON.stringify(pathToFileURL(resolve("node_modules/tsx/dist/esm/api/index.mjs")).href)};
  register();
  try {
    const module = await import(workerData.file);
    parentPort.postMessage({ value: workerData.calls.map((args) => module[workerData.name](...args)) });
  } catch (e) {
    parentPort.postMessage({ threw: e instanceof Error ? e.name + ": " + e.message : String(e) });
  }
`;

/**
 * Calls export `name` of `file` (a path inside the tree under test, such as "09-strategies/maglev.ts") with `args`,
 * in a worker thread that is terminated after `ms` if the call has not returned by then.
 */
export async function callInWorker(file: string, name: string, args: readonly unknown[], ms: number): Promise<WorkerCall> {
  const got = await callsInWorker(file, name, [args], ms);
  return "value" in got ? { value: (got.value as unknown[])[0] } : got;
}

/** `callInWorker` for several calls of one export, one after another in one worker: the value is their results. */
export async function callsInWorker(file: string, name: string, calls: readonly (readonly unknown[])[], ms: number): Promise<WorkerCall> {
  const worker = new Worker(new URL(`data:text/javascript,${encodeURIComponent(WORKER)}`), {
    workerData: { file: pathToFileURL(join(treeUnderTest(), file)).href, name, calls },
  });
  let timer: NodeJS.Timeout | undefined;
  try {
    return await new Promise<WorkerCall>((settle) => {
      timer = setTimeout(() => settle({ timedOut: true }), ms);
      worker.once("message", (m: WorkerCall) => settle(m));
      worker.once("error", (e) => settle({ threw: `${e.name}: ${e.message}` }));
    });
  } finally {
    clearTimeout(timer);
    await worker.terminate();
  }
}
