// `npm run watch NN`: re-runs lab NN's tests against your labs/ code on every save, with a short summary.
import { join } from "node:path";
import { ROOT } from "./lib/manifest";
import { labFromArgs, runAttached, VITEST } from "./lib/labrun";

const lab = labFromArgs(process.argv[2], "Usage: npm run watch NN   (for example: npm run watch 01)");
const once = process.argv.includes("--once");
const code = await runAttached(
  // Worker threads, not processes: a save re-runs the chapter's file in a fresh worker, and a thread starts in a
  // fraction of the time a Node process takes. With the type check no longer awaited, lab 01's save → summary went
  // from 20–28 s to 1.0–2.5 s on a busy machine (CONTRIBUTING.md, "Test suite time").
  [VITEST, once ? "run" : "watch", `test/${lab.id}.test.ts`, "--pool", "threads", "--reporter", join(ROOT, "tools/grader/learner-reporter.ts")],
  // HUB_TARGET may name another lab tree (tools/watch-timing.ts times a copy with the reference in it).
  { env: { ...process.env, HUB_TARGET: process.env.HUB_TARGET || join(ROOT, "labs"), HUB_LAB: lab.id } },
);
process.exit(once ? code : 0);
