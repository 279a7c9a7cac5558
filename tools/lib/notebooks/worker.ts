// Course machinery for the notebooks (all chapters): the child process that runs one notebook through tslab's API.
// Each notebook gets a fresh process because tslab keeps state in globals and a cell can loop forever; the parent
// (run.ts) kills it at the time limit. Events and the final report go to the parent over the IPC channel.
import { executeNotebook, type NotebookReport, type RunEvent } from "./execute";

const [root, file] = process.argv.slice(2);
if (!root || !file || !process.send) {
  console.error("usage: forked by tools/lib/notebooks/run.ts with <root> <notebooks/NN-slug.ipynb>");
  process.exit(2);
}
const send = (m: RunEvent | { type: "report"; report: NotebookReport }): Promise<void> =>
  new Promise((resolve) => process.send!(m, undefined, {}, () => resolve()));

const pending: Promise<void>[] = [];
const report = await executeNotebook(root, file, (e) => void pending.push(send(e)));
await Promise.all(pending);
await send({ type: "report", report });
// A cell may leave timers or sockets behind; the run is over, so nothing of the notebook's may keep us alive.
process.exit(0);
