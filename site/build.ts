// `npm run site:build`: builds the course site into site/dist (or --out DIR) as static files with relative paths,
// running the chapters' notebooks for their outputs (--no-notebooks shows them as committed).
import { parseArgs } from "node:util";
import { ROOT } from "../tools/lib/manifest";
import { buildSite } from "./src/build/index";

const { values } = parseArgs({
  options: { out: { type: "string" }, verbose: { type: "boolean" }, "no-notebooks": { type: "boolean" } },
});
const outDir = values.out ?? `${ROOT}/site/dist`;
try {
  const started = Date.now();
  const { pages, warnings } = await buildSite({
    root: ROOT, outDir, verbose: values.verbose, executeNotebooks: !values["no-notebooks"], progress: (line) => console.log(line),
  });
  for (const w of warnings) console.warn(`warning: ${w}`);
  console.log(`Built ${pages.length} pages into ${values.out ?? "site/dist"} in ${((Date.now() - started) / 1000).toFixed(1)} s.`);
} catch (e) {
  console.error(`site build failed: ${(e as Error).message}`);
  process.exit(1);
}
