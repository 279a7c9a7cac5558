// `npm run export:gradescope -- [NN …] --out FILE.zip`: the Gradescope autograder for the given labs (default:
// every ready lab). Upload the zip as the assignment's autograder; see INSTRUCTORS.md.
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { findChapter, loadManifest, readyChapters } from "./lib/manifest";
import { exportGradescope } from "./export/gradescope";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { out: { type: "string" }, help: { type: "boolean", short: "h", default: false } },
});
if (values.help || !values.out) {
  console.log(`Usage: npm run export:gradescope -- [NN …] --out FILE.zip
  NN …   labs this autograder grades (default: every ready lab); one Gradescope assignment per zip
  --out  where the zip goes`);
  process.exit(values.help ? 0 : 1);
}
try {
  const manifest = loadManifest();
  const labs = positionals.length ? positionals.map((q) => findChapter(manifest, q)) : readyChapters(manifest);
  const started = Date.now();
  // npm runs scripts from the package root; a relative path means relative to where the command was typed.
  const zipFile = resolve(process.env.INIT_CWD ?? process.cwd(), values.out);
  const r = exportGradescope({ labs, zipFile });
  console.log(`Wrote ${zipFile}: ${r.files.length} files, grading ${labs.map((l) => l.id).join(", ")} for ${r.points} points, in ${((Date.now() - started) / 1000).toFixed(1)} s.`);
  console.log("Upload it as the autograder of a Gradescope programming assignment (Ubuntu image; setup.sh installs Node 20).");
} catch (e) {
  console.error(`export:gradescope: ${(e as Error).message}`);
  process.exit(1);
}
