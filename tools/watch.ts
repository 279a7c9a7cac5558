// `npm run watch NN`: re-runs lab NN's tests against your labs/ code on every save, with a short summary.
import { join } from "node:path";
import { ROOT } from "./lib/manifest";
import { labFromArgs, runAttached, VITEST } from "./lib/labrun";

const lab = labFromArgs(process.argv[2], "Usage: npm run watch NN   (for example: npm run watch 01)");
const once = process.argv.includes("--once");
const code = await runAttached(
  [VITEST, once ? "run" : "watch", `test/${lab.id}.test.ts`, "--reporter", join(ROOT, "tools/grader/learner-reporter.ts")],
  { env: { ...process.env, HUB_TARGET: join(ROOT, "labs"), HUB_LAB: lab.id } },
);
process.exit(once ? code : 0);
