// Calls a function of the code under test in a worker thread, apart from the test's, for the one kind of mistake a
// test cannot time out in its own thread: a synchronous loop that never ends (chapter 09's `populate` with no names).
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

// The worker loads TypeScript through tsx's loader, as `npm run lab` and the grader's processes do, once; then it runs
// each call it is sent, the modules it imported staying loaded, as they do for the tests in the file's own thread.
const WORKER = `
  import { parentPort } from "node:worker_threads";
  import { register } from ${JSON.stringify(pathToFileURL(resolve("node_modules/tsx/dist/esm/api/index.mjs")).href)};
  register();
  parentPort.on("message", async ({ id, file, name, calls }) => {
    try {
      const module = await import(file);
      parentPort.postMessage({ id, value: calls.map((args) => module[name](...args)) });
    } catch (e) {
      parentPort.postMessage({ id, threw: e instanceof Error ? e.name + ": " + e.message : String(e) });
    }
  });
`;

/**
 * The worker the calls share while each returns: one worker per call took about 0.4 s each to load tsx and the lab
 * (lab 09's four calls were a second of its `npm run watch`). A call that does not return in time ends it, and the
 * next call starts another.
 */
let shared: Worker | null = null;
let nextId = 0;

function startWorker(): Worker {
  const worker = new Worker(new URL(`data:text/javascript,${encodeURIComponent(WORKER)}`));
  // An error between calls (a timer the lab left behind that throws) retires it, and throws nowhere.
  worker.on("error", () => {
    if (shared === worker) shared = null;
  });
  return worker;
}

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
  const worker = (shared ??= startWorker());
  // It must not keep the test file's thread alive once its tests are done.
  worker.unref();
  const id = nextId++;
  let spent = false; // timed out, or the worker itself failed: it gets no other call
  let timer: NodeJS.Timeout | undefined;
  const listen: { message?: (m: WorkerCall & { id: number }) => void; error?: (e: Error) => void } = {};
  try {
    return await new Promise<WorkerCall>((settle) => {
      timer = setTimeout(() => {
        spent = true;
        settle({ timedOut: true });
      }, ms);
      listen.message = ({ id: from, ...call }) => {
        if (from === id) settle(call as WorkerCall);
      };
      listen.error = (e) => {
        spent = true;
        settle({ threw: `${e.name}: ${e.message}` });
      };
      worker.on("message", listen.message);
      worker.once("error", listen.error);
      worker.postMessage({ id, file: pathToFileURL(join(treeUnderTest(), file)).href, name, calls });
    });
  } finally {
    clearTimeout(timer);
    if (listen.message) worker.off("message", listen.message);
    if (listen.error) worker.off("error", listen.error);
    if (spent) {
      if (shared === worker) shared = null;
      await worker.terminate();
    }
  }
}
