// Course machinery for the notebooks (all chapters): the child process that runs notebooks through tslab's API, one
// at a time as run.ts sends them, each with its own executor. tslab keeps state in globals and a cell can loop
// forever, so the parent (run.ts) kills the process at a notebook's time limit; and a notebook that leaves a timer,
// a socket or a process behind ends this process after its report, so that nothing of it can write into the next
// notebook's cells. Events and reports go to the parent over the IPC channel.
import { executeNotebook, type NotebookReport, type RunEvent } from "./execute";

export type WorkerMessage = RunEvent | { readonly type: "report"; readonly report: NotebookReport; readonly last: boolean };
type ParentMessage = { readonly type: "run"; readonly file: string } | { readonly type: "done" };

const [root] = process.argv.slice(2);
if (!root || !process.send) {
  console.error("usage: forked by tools/lib/notebooks/run.ts with <root>, then sent the notebooks to run");
  process.exit(2);
}
const send = (m: WorkerMessage): Promise<void> => new Promise((resolve) => process.send!(m, undefined, {}, () => resolve()));

/** What keeps the event loop alive, by kind (timers, sockets, child processes…), as counts. */
function resources(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const r of process.getActiveResourcesInfo()) counts.set(r, (counts.get(r) ?? 0) + 1);
  return counts;
}

/** Kinds of resource the notebook added and did not release. */
function leftBehind(before: Map<string, number>): string[] {
  return [...resources()].filter(([kind, n]) => n > (before.get(kind) ?? 0)).map(([kind]) => kind);
}

let queue = Promise.resolve();
process.on("message", (m: ParentMessage) => {
  queue = queue.then(async () => {
    if (m.type === "done") process.exit(0);
    const before = resources();
    const pending: Promise<void>[] = [];
    const report = await executeNotebook(root, m.file, (e) => void pending.push(send(e)));
    await Promise.all(pending);
    // A cell may leave timers or sockets behind: then this process ends, and the next notebook gets a fresh one.
    const last = leftBehind(before).length > 0;
    await send({ type: "report", report, last });
    if (last) process.exit(0);
  });
});
