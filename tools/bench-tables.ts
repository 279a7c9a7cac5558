// `npm run bench:tables` and `npm run bench:status` (chapters 02–09): the report blocks made from bench/results/*.json,
// and whether each result still measures the current code.
//   npm run bench:tables            rewrite every `<!-- bench: … -->` block in bench/**/*.md and chapters/*.md
//   npm run bench:tables -- --check exit 1 naming the files whose blocks differ (the course check does the same)
//   npm run bench:status            per suite: current, stale (with the commits since) or unknown
import { readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { BENCH_SUITES, describeFreshness, freshness, readBenchFile, RESULTS_DIR, staleReports } from "./lib/bench-tables";
import { ROOT } from "./lib/manifest";

const [mode] = process.argv.slice(2);

if (mode === "status") {
  let stale = 0;
  const files = readdirSync(join(ROOT, RESULTS_DIR)).filter((f) => f.endsWith(".json")).sort();
  for (const file of files) {
    const suite = file.slice(0, -5);
    const f = freshness(ROOT, suite, readBenchFile(ROOT, suite));
    console.log(describeFreshness(suite, f));
    if (f.state === "stale") {
      stale++;
      console.log(`    files: ${f.files.join(", ")}`);
      for (const c of f.changes.slice(0, 8)) console.log(`    ${c}`);
      if (f.changes.length > 8) console.log(`    … and ${f.changes.length - 8} more`);
    }
  }
  console.log(`\nmeasured paths per suite: tools/lib/bench-tables.ts (BENCH_SUITES: ${Object.keys(BENCH_SUITES).join(", ")})`);
  process.exitCode = stale ? 1 : 0;
} else {
  const check = mode === "--check";
  if (mode !== undefined && !check) {
    console.error("usage: npm run bench:tables [-- --check]   |   npm run bench:status");
    process.exit(2);
  }
  const changed = staleReports(ROOT);
  for (const [file, text] of changed) {
    if (check) console.error(`${file}: its bench blocks differ from ${RESULTS_DIR}/*.json; run npm run bench:tables`);
    else {
      writeFileSync(join(ROOT, file), text);
      console.log(`rewrote the bench blocks of ${file}`);
    }
  }
  if (!changed.length) console.log("every bench block is what the results give");
  process.exitCode = check && changed.length ? 1 : 0;
}
