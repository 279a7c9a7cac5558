// `npm run watch NN`: re-runs lab NN's tests against your labs/ code on every save, with a short summary.
import { join } from "node:path";
import { ROOT } from "./lib/manifest";
import { labFromArgs, VITEST } from "./lib/labrun";
import { supervise } from "./lib/watch-supervisor";

const lab = labFromArgs(process.argv[2], "Usage: npm run watch NN   (for example: npm run watch 01)");
const once = process.argv.includes("--once");
// HUB_TARGET may name another lab tree (tools/watch-timing.ts times a copy with the reference in it).
const target = process.env.HUB_TARGET || join(ROOT, "labs");
// Supervised (tools/lib/watch-supervisor.ts): a test stuck in an endless loop, or a run that crashes, is stopped and
// said so, and the next save starts the tests again, where vitest alone would stay stuck or end.
const watch = supervise({
  // Worker threads, not processes: a save re-runs the chapter's file in a fresh worker, and a thread starts in a
  // fraction of the time a Node process takes. With the type check no longer awaited, lab 01's save → summary went
  // from 20–28 s to 1.0–2.5 s on a busy machine (CONTRIBUTING.md, "Test suite time").
  args: [VITEST, once ? "run" : "watch", `test/${lab.id}.test.ts`, "--pool", "threads", "--reporter", join(ROOT, "tools/grader/learner-reporter.ts")],
  env: { ...process.env, HUB_TARGET: target, HUB_LAB: lab.id },
  cwd: ROOT,
  tree: target,
  restart: !once,
  say: (text) => process.stderr.write(text),
});
// Ctrl-C reaches vitest too (one process group): the watch ends with it, also while it waits for a save.
for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => watch.stop());
const code = await watch.done;
process.exit(once ? code : 0);
