// `npm run watch:timing -- NN … [--saves N] [--reference]`: how long `npm run watch NN` takes from a save to the
// summary a learner reads. Starts the real watcher on each lab, waits for its first summary, then saves a file of the
// lab again (same content, a new write, as an editor does) a few times, and times each save up to the line with the
// points, and up to the first task's line (in a run longer than a second, shown as that task finishes).
// `--reference` watches a copy of labs/ whose lab NN and every lab before it are the reference, as for a learner who
// has done them all, so every test runs to the end (the slowest case) instead of failing at its first stub or at an
// earlier lab it needs. For course authors: the figures go in CONTRIBUTING.md.
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { findChapter, loadManifest, ROOT } from "./lib/manifest";
import { todoMarker } from "./lib/markers";
import { descendants, spawnGroup } from "./lib/process-group";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { saves: { type: "string", default: "5" }, reference: { type: "boolean", default: false }, file: { type: "string" } },
});
const manifest = loadManifest();
const saves = Number(values.saves);
/** The line that ends the learner reporter's summary (tools/grader/learner-reporter.ts). */
const SUMMARY = /^(\d+\/\d+ points\. Next: |All \d+ points\. )/m;
/** A task's line: shown as it finishes in a long run (`… ✓ task N:`), else in the summary (`✓ task N:`, `✗ task N:`). */
const TASK_LINE = /^(… )?(✓|✗) task \d+:/;
/** After a summary, quiet for this long means the run (and its type-check notice) is over. */
const QUIET_MS = 1500;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
/** The median of the figures there are (NaN, a run that had none, left out); NaN when there are none. */
const median = (xs: number[]): number => {
  const ok = xs.filter((x) => !Number.isNaN(x)).sort((a, b) => a - b);
  return ok.length ? ok[Math.floor(ok.length / 2)]! : NaN;
};

/** CPU milliseconds (user + system) a process has used so far, its worker threads included (Linux /proc). */
function cpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return ((Number(f[11]) + Number(f[12])) * 1000) / 100; // utime, stime in clock ticks (100 a second on Linux)
  } catch {
    return NaN;
  }
}

/** The vitest process `npm run watch` started (its test files run in its worker threads). */
function vitestPid(root: number): number | undefined {
  return descendants(root).find((pid) => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, "utf8").includes("vitest.mjs");
    } catch {
      return false;
    }
  });
}

/**
 * The file a learner edits first: the one with task 1's stub. Not simply the first file by name: a file only types
 * import (02's backend.ts) is erased from the compiled tests, so saving it starts no run, and the timing waited in vain.
 */
function firstTaskFile(labDir: string): string {
  const files = readdirSync(labDir).filter((f) => f.endsWith(".ts") && f !== "main.ts").sort();
  return files.find((f) => readFileSync(join(labDir, f), "utf8").includes(todoMarker(1))) ?? files[0]!;
}

async function timeLab(query: string): Promise<void> {
  const lab = findChapter(manifest, query);
  let tree = join(ROOT, "labs");
  let scratch: string | undefined;
  if (values.reference) {
    scratch = mkdtempSync(join(tmpdir(), "watch-timing-"));
    cpSync(join(ROOT, "labs"), scratch, { recursive: true });
    // Lab NN's tests use the earlier labs' code too (chapter 14's run the balancer of 11 and 12): with their starters
    // in place those tests would fail at once, and the timing would leave out the slowest of them.
    for (const c of manifest.chapters.slice(0, manifest.chapters.findIndex((c) => c.id === lab.id) + 1)) {
      rmSync(join(scratch, c.id), { recursive: true, force: true });
      cpSync(join(ROOT, "solutions", c.id), join(scratch, c.id), { recursive: true });
    }
    tree = scratch;
  }
  const file = join(tree, lab.id, values.file ?? firstTaskFile(join(ROOT, "labs", lab.id)));
  const started = performance.now();
  const watcher = spawnGroup(process.execPath, ["--import", "tsx", join(ROOT, "tools/watch.ts"), lab.id], {
    cwd: ROOT, stdio: ["ignore", "pipe", "pipe"], deadlineMs: 600_000,
    env: { ...process.env, NO_COLOR: "1", ...(scratch ? { HUB_TARGET: scratch } : {}) },
  });
  let out = "";
  let lastOutput = performance.now();
  const summaries: number[] = [];
  const firstTasks: number[] = [];
  watcher.child.stdout!.on("data", (d: Buffer) => {
    const now = performance.now();
    lastOutput = now;
    for (const line of d.toString().split("\n")) {
      out += `${line}\n`;
      if (SUMMARY.test(line)) summaries.push(now);
      // A run's first task line, shown while the run goes on (or the summary's first, in a short run); by the run's
      // number, so that a run with none (every test failing to load) leaves a hole, not an offset.
      if (TASK_LINE.test(line)) firstTasks[summaries.length] ??= now;
    }
  });
  watcher.child.stderr!.on("data", (d: Buffer) => (out += d.toString()));
  const next = async (count: number): Promise<number> => {
    for (let i = 0; i < 1200 && summaries.length < count; i++) await sleep(25);
    if (summaries.length < count) throw new Error(`no summary from npm run watch ${lab.id} within 30 s:\n${out.slice(-2000)}`);
    return summaries[count - 1]!;
  };
  const quiet = async (): Promise<void> => {
    while (performance.now() - lastOutput < QUIET_MS) await sleep(50);
  };
  try {
    const first = await next(1);
    await quiet();
    const times: number[] = [];
    const firstTask: number[] = [];
    const cpu: number[] = [];
    const vitest = vitestPid(watcher.child.pid!);
    for (let i = 0; i < saves; i++) {
      const text = readFileSync(file, "utf8");
      const c0 = vitest ? cpuMs(vitest) : NaN;
      const t0 = performance.now();
      writeFileSync(file, text);
      times.push((await next(summaries.length + 1)) - t0);
      firstTask.push((firstTasks[summaries.length - 1] ?? NaN) - t0);
      cpu.push((vitest ? cpuMs(vitest) : NaN) - c0);
      await quiet();
    }
    const ms = (x: number): string => `${Math.round(x)} ms`;
    console.log(
      `${lab.id}${values.reference ? " (reference)" : " (starter)"}: first summary after ${ms(first - started)}; ` +
        `save → summary: median ${ms(median(times))}, min ${ms(Math.min(...times))}, max ${ms(Math.max(...times))} ` +
        `(${times.map(ms).join(", ")}; saved ${file.slice(tree.length + 1)}); save → first task's line: median ${ms(median(firstTask))}; ` +
        `CPU of vitest per save: median ${ms(median(cpu))}`,
    );
  } finally {
    watcher.kill();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  }
}

if (!positionals.length) {
  console.error("Usage: npm run watch:timing -- NN … [--saves N] [--reference] [--file name.ts]");
  process.exit(1);
}
for (const q of positionals) await timeLab(q);
