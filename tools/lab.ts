// `npm run lab NN [--ref] [-- demo arguments]`: runs lab NN's demo on your code (or, with --ref, on the
// reference solution). Arguments after the lab id other than --ref go to the demo (`npm run lab 06 -- --serve 6667`).
import { existsSync } from "node:fs";
import { join, relative } from "node:path";
import { ROOT } from "./lib/manifest";
import { labFromArgs, runAttached } from "./lib/labrun";

const lab = labFromArgs(process.argv[2], "Usage: npm run lab NN [--ref]   (for example: npm run lab 01)");
const tree = process.argv.includes("--ref") ? "solutions" : "labs";
const demo = join(ROOT, tree, lab.id, lab.demo);
if (!existsSync(demo)) {
  console.error(`There is no ${relative(ROOT, demo)}.` + (tree === "labs" ? " Run `npm run labs` to generate labs/." : ""));
  process.exit(1);
}
console.log(`Running ${relative(ROOT, demo)}${tree === "labs" ? " (your code; --ref runs the reference)" : " (the reference solution)"}`);
const demoArgs = process.argv.slice(3).filter((a) => a !== "--ref");
process.exit(await runAttached(["--import", "tsx", demo, ...demoArgs]));
