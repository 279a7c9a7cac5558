// `npm run bench sims` (chapters 09, 10, 12 and 14): the seeded simulations whose results the chapters draw, written
// again by the chapters' own scripts and stamped with the commit they ran, as every measured suite is, so that
// `npm run bench:status` and the site can say whether the code they simulate has changed since. A simulation gives
// the same file on every run, so this also says whether a change to a chapter's code moved its figures.
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { BENCH_SUITES, RESULTS_DIR } from "../../tools/lib/bench-tables";
import { measuredAt } from "../lib/report";
import type { Suite } from "../lib/suite";

const repoDir = resolve(import.meta.dirname, "../..");

/** Each chapter script, and the results files its `--write` writes. */
export const SIMULATIONS: readonly { readonly script: string; readonly writes: readonly string[] }[] = [
  { script: "solutions/09-strategies/experiment.ts", writes: ["strategies-sim"] },
  { script: "solutions/10-health/outage.ts", writes: ["health-sim"] },
  { script: "solutions/12-elastic/story.ts", writes: ["elastic-sim", "slow-start-sim"] },
  { script: "solutions/14-capstone/drill-cli.ts", writes: ["drill"] },
];

/** A simulation of twelve minutes of traffic takes seconds; one that takes this long is stuck. */
const SCRIPT_SECONDS = 300;

export const suite: Suite = { name: "sims", title: "The seeded simulations", subject: "each chapter's script", cases: [], systems: [], aims: () => [] };

/** The results file with `note` ("measured at commit …") in place of the one an earlier stamp left. */
export function stamped(text: string, note: string): string {
  const data = JSON.parse(text) as { notes?: string[] };
  const notes = (data.notes ?? []).filter((n) => !n.startsWith("measured at commit"));
  return `${JSON.stringify({ ...data, notes: [...notes, note] }, null, 2)}\n`;
}

/** The file's figures, without its notes: what a change to the code could move. */
const figures = (text: string): string => {
  const { notes: _notes, ...rest } = JSON.parse(text) as { notes?: unknown };
  return JSON.stringify(rest);
};

/** run.ts calls this instead of its own loop. */
export async function main(options: { "no-save"?: boolean; quick?: boolean; only?: string; systems?: string; profile?: boolean; reps?: string; backends?: string }): Promise<number> {
  const unsupported = (["quick", "only", "systems", "profile", "reps", "backends"] as const).filter((o) => options[o] !== undefined && options[o] !== false);
  if (unsupported.length) {
    console.error(`npm run bench sims runs every simulation whole, once (each is the same on every run): drop --${unsupported.join(", --")}`);
    return 2;
  }
  let failed = 0;
  for (const { script, writes } of SIMULATIONS) {
    const before = new Map(writes.map((name) => [name, readFileSync(join(repoDir, RESULTS_DIR, `${name}.json`), "utf8")]));
    console.log(`\n=== ${script} --write`);
    const started = Date.now();
    const run = spawnSync(process.execPath, ["--import", "tsx", script, "--write"], {
      cwd: repoDir, stdio: ["ignore", "ignore", "inherit"], timeout: SCRIPT_SECONDS * 1000,
    });
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    if (run.status !== 0) {
      // The files go back to what they were: a failed or stopped run leaves no half-written result behind.
      for (const [name, text] of before) writeFileSync(join(repoDir, RESULTS_DIR, `${name}.json`), text);
      console.error(`${script} failed after ${seconds} s (${run.error?.message ?? (run.signal ? `killed by ${run.signal}` : `exit code ${run.status}`)}); its results files are left as they were`);
      failed++;
      continue;
    }
    for (const [name, old] of before) {
      const file = join(repoDir, RESULTS_DIR, `${name}.json`);
      const now = readFileSync(file, "utf8");
      const note = measuredAt(repoDir, BENCH_SUITES[name]?.measured ?? [script]);
      const moved = figures(now) !== figures(old);
      if (options["no-save"]) writeFileSync(file, old);
      else writeFileSync(file, note ? stamped(now, note) : now);
      const saved = options["no-save"] ? "not saved (--no-save)" : `${RESULTS_DIR}/${name}.json${note ? `, ${note}` : ""}`;
      console.log(`${name}: ${moved ? "the figures CHANGED" : "the same figures as before"} (${seconds} s); ${saved}`);
    }
  }
  if (!options["no-save"] && !failed) console.log("\nThe chapters' tables come from these files: npm run bench:tables");
  return failed ? 1 : 0;
}
