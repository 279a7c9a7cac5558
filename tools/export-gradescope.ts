// `npm run export:gradescope -- [NN …] --out FILE.zip`: the Gradescope autograder for the given labs (default:
// every ready lab). Upload the zip as the assignment's autograder; see INSTRUCTORS.md.
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
  const r = exportGradescope({ labs, zipFile: values.out });
  console.log(`Wrote ${values.out}: ${r.files.length} files, grading ${labs.map((l) => l.id).join(", ")} for ${r.points} points, in ${((Date.now() - started) / 1000).toFixed(1)} s.`);
  console.log("Upload it as the autograder of a Gradescope programming assignment (Ubuntu image; setup.sh installs Node 20).");
} catch (e) {
  console.error(`export:gradescope: ${(e as Error).message}`);
  process.exit(1);
}
