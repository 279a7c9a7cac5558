// `npm run bench:tables` and `npm run bench:status` (chapters 02–09): the report blocks made from bench/results/*.json,
// and whether each result still measures the current code.
//   npm run bench:tables            rewrite every `<!-- bench: … -->` block in bench/**/*.md and chapters/*.md
//   npm run bench:tables -- --check exit 1 naming the files whose blocks differ, or whose prose was read against
//                                   other figures (the course check does the same)
//   npm run bench:status            per suite: current, stale (with the commits since) or unknown
//   npm run bench:rerun [-- --all] [-- --dry-run]
//                                   measure again every result not known to be current (or every one), one suite
//                                   after another, then rewrite the blocks: an hour and more on a quiet machine
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { BENCH_SUITES, describeFreshness, freshness, goalsSummary, movedVerdicts, readBenchFile, RESULTS_DIR, rerunOutcome, rerunPlan, staleProse, staleReports, uncommittedFiles, type Freshness } from "./lib/bench-tables";
import { ROOT } from "./lib/manifest";

const [mode, ...flags] = process.argv.slice(2);

/** Says which reports' prose must be read again against new figures; returns how many. */
function tellProse(): number {
  const toRead = staleProse(ROOT);
  for (const p of toRead) console.error(`${p.file}: ${p.why}`);
  return toRead.length;
}

/** When a suite's results file was last written (ms), or null when there is none. */
function lastWritten(suite: string): number | null {
  const file = join(ROOT, RESULTS_DIR, `${suite}.json`);
  return existsSync(file) ? statSync(file).mtimeMs : null;
}

/** Every result's freshness, by suite. */
function states(): Map<string, Freshness> {
  const files = readdirSync(join(ROOT, RESULTS_DIR)).filter((f) => f.endsWith(".json")).sort();
  return new Map(files.map((file) => file.slice(0, -5)).map((suite) => [suite, freshness(ROOT, suite, readBenchFile(ROOT, suite))]));
}

if (mode === "rerun") {
  const unknown = flags.filter((f) => f !== "--all" && f !== "--dry-run");
  if (unknown.length) {
    console.error(`npm run bench:rerun takes --all and --dry-run, not ${unknown.join(" ")}`);
    process.exit(2);
  }
  const plan = rerunPlan(states(), flags.includes("--all"));
  if (!plan.length) {
    console.log("every result measures the current code: nothing to run (--all runs every suite)");
    process.exit(0);
  }
  console.log(`${plan.length} command(s), one after another:`);
  for (const p of plan) console.log(`  ${p.command}   (${p.suites.join(", ")})`);
  if (flags.includes("--dry-run")) process.exit(0);
  // A run records the code it measured at its start; an edit made while it runs is in no record.
  const measured = [...new Set(Object.values(BENCH_SUITES).flatMap((i) => i.measured))];
  const dirty = uncommittedFiles(ROOT, measured);
  if (dirty.length) {
    console.error(`commit the measured code first (uncommitted: ${dirty.join(", ")}), and leave the tree alone while the suites run`);
    process.exit(1);
  }
  const failed: string[] = [];
  for (const p of plan) {
    const started = Date.now();
    const before = new Map(p.suites.map((suite) => [suite, lastWritten(suite)]));
    console.log(`\n=== ${p.command}`);
    const [bin, ...args] = p.command.split(" ");
    const r = spawnSync(bin!, args, { cwd: ROOT, stdio: "inherit" });
    const minutes = ((Date.now() - started) / 60_000).toFixed(1);
    // A suite can end well and still not replace its result (one that measured fewer peers goes to bench/out).
    const outcome = rerunOutcome(r, p.suites, (suite) => ({ before: before.get(suite) ?? null, now: lastWritten(suite) }));
    console.log(`=== ${p.command}: ${outcome} in ${minutes} min`);
    if (outcome !== "done") failed.push(`${p.command} (${outcome})`);
  }
  const blocks = spawnSync("npx", ["tsx", "tools/bench-tables.ts"], { cwd: ROOT, stdio: "inherit" });
  console.log(failed.length ? `\nfailed: ${failed.join("; ")}` : "\nevery suite ran; the blocks are rewritten: now read the prose around the figures that moved (above, each with the marker to put there once read)");
  process.exitCode = failed.length || blocks.status !== 0 ? 1 : 0;
} else if (mode === "status") {
  let stale = 0;
  for (const [suite, f] of states()) {
    console.log(describeFreshness(suite, f));
    if (f.state === "stale") {
      stale++;
      console.log(`    files: ${f.files.join(", ")}`);
      for (const c of f.changes.slice(0, 8)) console.log(`    ${c}`);
      if (f.changes.length > 8) console.log(`    … and ${f.changes.length - 8} more`);
    }
  }
  console.log(`\nmeasured paths per suite: tools/lib/bench-tables.ts (BENCH_SUITES: ${Object.keys(BENCH_SUITES).join(", ")})`);
  // The goals' verdicts in a line, as bench/README.md's "The goals at a glance" opens, with the aims that moved.
  const load = (suite: string) => readBenchFile(ROOT, suite);
  console.log(`goals: ${goalsSummary(load)}`);
  for (const line of movedVerdicts(load)) console.log(`    ${line}`);
  if (stale) console.log("to measure every stale result again, one suite after another: npm run bench:rerun (-- --dry-run shows the plan)");
  const prose = tellProse();
  process.exitCode = stale || prose ? 1 : 0;
} else {
  const check = mode === "--check";
  if (mode !== undefined && !check) {
    console.error("usage: npm run bench:tables [-- --check]   |   npm run bench:status   |   npm run bench:rerun [-- --all] [-- --dry-run]");
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
  // New figures make the tables right at once; the sentences around them wait for a reader, and the check says so.
  const prose = tellProse();
  if (!prose) console.log("every report's prose was read against the figures it quotes");
  process.exitCode = check && (changed.length || prose) ? 1 : 0;
}
