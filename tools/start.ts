// `npm start`: builds the course site into site/dist and serves it locally (vite's static preview server),
// rebuilding when a chapter, a solution, a lab, a notebook, a cast or course.json changes.
import { watch } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { preview } from "vite";
import { buildSite } from "../site/src/build/index";
import { ROOT } from "./lib/manifest";

const { values } = parseArgs({
  options: { port: { type: "string", default: process.env.PORT ?? "4173" }, host: { type: "string", default: "127.0.0.1" } },
});
const outDir = join(ROOT, "site/dist");

async function rebuild(executeNotebooks = true): Promise<boolean> {
  const started = Date.now();
  try {
    const { pages, warnings } = await buildSite({ root: ROOT, outDir, executeNotebooks, progress: (line) => console.log(`  ${line}`) });
    for (const w of warnings) console.warn(`  note: ${w}`);
    console.log(`Built ${pages.length} pages in ${((Date.now() - started) / 1000).toFixed(1)} s.`);
    return true;
  } catch (e) {
    console.error(`The site did not build: ${(e as Error).message}`);
    return false;
  }
}

// The first build shows notebooks as committed (without outputs), so the site is up in seconds; running the
// notebooks for their outputs (seconds each, cached in .course/) follows while the site is already served.
console.log("Building the course site…");
if (!(await rebuild(false))) process.exit(1);

const server = await preview({
  configFile: false,
  root: join(ROOT, "site"),
  logLevel: "warn",
  build: { outDir },
  preview: { port: Number(values.port), host: values.host, strictPort: false, open: false },
});
const url = server.resolvedUrls?.local[0] ?? `http://${values.host}:${values.port}/`;
console.log(`\n  The course site: ${url}\n\n  Rebuilds when chapters, solutions, labs, notebooks or casts change. Ctrl-C stops it.\n`);

// Rebuild on change, one build at a time; a burst of saves becomes one build.
let timer: NodeJS.Timeout | undefined;
let building = false;
let again = false;
const schedule = () => {
  clearTimeout(timer);
  timer = setTimeout(async () => {
    if (building) return void (again = true);
    building = true;
    do {
      again = false;
      console.log("Change seen; rebuilding…");
      await rebuild();
    } while (again);
    building = false;
  }, 300);
};
for (const dir of ["chapters", "solutions", "labs", "notebooks", "site/casts", "site/src/client", "bench/results"]) {
  try {
    watch(join(ROOT, dir), { recursive: true }, schedule);
  } catch {
    /* a folder that does not exist yet: nothing to watch */
  }
}
watch(join(ROOT, "course.json"), schedule);

console.log("Running the notebooks to show their outputs…");
building = true;
await rebuild(true);
building = false;
if (again) schedule(); // something changed while the notebooks ran
