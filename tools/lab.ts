// `npm run lab NN [PROGRAM] [-- [--ref] arguments]`: runs lab NN's demo on your code, or with --ref on the reference
// solution (after npm's `--`: npm keeps an option before it for itself). A lab with programs of its own (course.json's
// `programs`: chapter 14's `lb` and `drill`) runs one of them when it is named after the id: `npm run lab 14 drill --
// --seed 7` is your drill, where `npm run drill` is the course's. The other arguments go to the program
// (`npm run lab 06 -- --serve 6667`).
import { existsSync } from "node:fs";
import { join, relative } from "node:path";
import { ROOT } from "./lib/manifest";
import { labFromArgs, nodeArgs, runAttached } from "./lib/labrun";

const USAGE = "Usage: npm run lab NN [PROGRAM] [-- [--ref] arguments]   (for example: npm run lab 01)";
const lab = labFromArgs(process.argv[2], USAGE);
const programs = lab.programs ?? {};
const named = process.argv[3] && !process.argv[3].startsWith("-") ? process.argv[3] : null;
if (named && !(named in programs)) {
  const listed = Object.keys(programs);
  console.error(`Lab ${lab.id} has no program "${named}". ${listed.length ? `Its programs: ${listed.join(", ")}; with none named, its demo runs.` : "It has only its demo: npm run lab " + lab.id.slice(0, 2)}`);
  process.exit(2);
}
const tree = process.argv.includes("--ref") ? "solutions" : "labs";
const dir = join(ROOT, tree, lab.id);
const file = join(dir, named ? programs[named]! : lab.demo);
if (!existsSync(file)) {
  console.error(`There is no ${relative(ROOT, file)}.` + (tree === "labs" ? " Run `npm run labs` to generate labs/." : ""));
  process.exit(1);
}
console.log(`Running ${relative(ROOT, file)}${tree === "labs" ? " (your code; --ref runs the reference)" : " (the reference solution)"}`);
const args = process.argv.slice(named ? 4 : 3).filter((a) => a !== "--ref");
// LAB_COMMAND: how this program was started, for a program that prints a command to run it again (the drill's
// replay line), so that it names your lab's program rather than the course's.
const command = `npm run lab ${lab.id.slice(0, 2)}${named ? ` ${named}` : ""} --${tree === "solutions" ? " --ref" : ""}`;
process.exit(await runAttached([...(await nodeArgs(dir, file)), ...args], { env: { ...process.env, LAB_COMMAND: command } }));
