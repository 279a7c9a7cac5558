// `npm run bench <suite>` (chapter 8): runs every case of bench/suites/<suite>.ts on every system, each measurement in
// a fresh process, reps interleaved across systems; prints a table and writes bench/results/<suite>.json.
//
// Fairness, in one place:
// 1. A fresh process per measurement: no garbage, JIT feedback or heap growth carries from one system to another.
// 2. Reps interleave (rep 1 of every system, then rep 2, …) and the order of systems rotates each rep: on a shared
//    2-core machine, drift over a minute is as large as the differences measured, so it must hit every system alike.
// 3. Measurements run one at a time, never in parallel, and the figure is the median, with min–max beside it.
import { mkdirSync, readdirSync } from "node:fs";
import { loadavg } from "node:os";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { spawnGroup } from "../tools/lib/process-group";
import { topSelfTime } from "./lib/profile";
import { finish, machine, measuredAt, spread, table } from "./lib/report";
import { machineTime, StealTally, stealText, stolen } from "./lib/steal";
import type { Case, Row, Suite, System } from "./lib/suite";
import { checkSelected, quoted, usageMessage, wantedSystems, wholeNumber } from "./lib/usage";

const benchDir = import.meta.dirname;
const repoDir = resolve(benchDir, "..");

const usage = `usage: npm run bench -- <suite> [--reps N] [--quick] [--only TEXT] [--systems a,b] [--no-save]
  --reps N      measurements per case and system (default 5, at least 3 for a saved result)
  --quick       a tenth of each case's size and 1 rep, to try things out; never saved
  --only TEXT   only the cases whose id or name contains TEXT; in the proxy suites one connection count ("1000")
                or one kind of backend; in io a part ("echo", "http"), a count, or both ("http-256") (not saved)
  --systems     only these systems, comma-separated (not saved)
  --no-save     print the table without writing bench/results/<suite>.json
  --backends    the proxy suites (lb, l7, obs, workers): the kinds of backend behind the proxies, comma-separated
                (all by default); each suite's README names its kinds ("fixed", and "node-http" or "node")
  --profile     instead of measuring, run each selected case once per Node system with V8's sampling profiler on
                its measured run and print self time per function (profiles kept in bench/out/profiles/)`;

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    reps: { type: "string" },
    quick: { type: "boolean", default: false },
    only: { type: "string" },
    systems: { type: "string" },
    "no-save": { type: "boolean", default: false },
    profile: { type: "boolean", default: false },
    backends: { type: "string" },
    help: { type: "boolean", short: "h", default: false },
  },
});

const suites = readdirSync(resolve(benchDir, "suites"))
  .filter((f) => f.endsWith(".ts"))
  .map((f) => f.slice(0, -3));
const suiteName = positionals[0];
if (values.help || !suiteName || !suites.includes(suiteName)) {
  console.error(usage);
  console.error(`suites: ${suites.join(", ")}`);
  process.exit(values.help ? 0 : 2);
}

const suiteModule = (await import(pathToFileURL(resolve(benchDir, "suites", `${suiteName}.ts`)).href)) as {
  suite: Suite;
  /** A suite whose one measurement yields many figures (lb: one wrk run) drives itself with the same options. */
  main?: (options: typeof values) => Promise<number>;
};
/** A mistake in the options is printed as a sentence, without a stack trace; anything else is thrown on. */
function failOnUsage(e: unknown): never {
  console.error(`${usageMessage(e)}\n(npm run bench -- --help for every option)`);
  process.exit(2);
}

if (suiteModule.main) process.exit(await suiteModule.main(values).catch(failOnUsage));
const suite = suiteModule.suite;
/** A case's size in this run: a tenth with --quick. */
const sizeOf = (c: Case): number => (values.quick ? Math.max(2, Math.floor(c.n / 10)) : c.n);
const cases = suite.cases.filter((c) => !values.only || c.id.includes(values.only) || c.name.includes(values.only));
let reps = 1;
let wanted: string[] | undefined;
try {
  reps = values.quick ? 1 : wholeNumber("--reps", values.reps ?? "5");
  checkSelected(values.only, cases.length, `it keeps the cases whose id or name contains it; this suite's cases are ${quoted(suite.cases.map((c) => c.id))}`);
  wanted = wantedSystems(values.systems, suite.systems.map((s) => s.name));
} catch (e) {
  failOnUsage(e);
}
const partial = values.quick || values.only !== undefined || values.systems !== undefined || reps < 3;
const save = !values["no-save"] && !partial;
const notes: string[] = [];
const systems: System[] = [];
for (const s of suite.systems) {
  if (wanted && !wanted.includes(s.name)) continue;
  const missing = s.missing();
  if (missing) {
    notes.push(`${s.name} skipped: ${missing}`);
    console.error(`note: ${s.name} skipped: ${missing}`);
  } else systems.push(s);
}

/**
 * Runs one measurement; resolves to its figure and the share of the machine the hypervisor stole while the process
 * ran (bench/lib/steal.ts), or rejects with what the process printed.
 */
function measureOnce(system: System, c: Case, n: number, argv = system.command(c, n)): Promise<{ value: number; steal: number }> {
  const [cmd, ...args] = argv;
  const machine0 = machineTime();
  return new Promise((resolvePromise, reject) => {
    // A hung measurement (a thread that never wakes) must not hang the whole run, nor leave anything running.
    const { child } = spawnGroup(cmd!, args, { cwd: repoDir, stdio: ["ignore", "pipe", "pipe"], deadlineMs: 300_000 });
    let out = "";
    let err = "";
    child.stdout!.on("data", (d: Buffer) => (out += d));
    child.stderr!.on("data", (d: Buffer) => (err += d));
    child.on("error", reject);
    child.on("close", (code, signal) => {
      const last = out.trim().split("\n").at(-1) ?? "";
      try {
        const value = (JSON.parse(last) as { value: unknown }).value;
        if (code === 0 && typeof value === "number" && Number.isFinite(value)) return resolvePromise({ value, steal: stolen(machine0, machineTime()) });
      } catch {
        // fall through to the error below, which shows what the process printed
      }
      const why = signal ? `killed by ${signal}` : `exit ${code}`;
      reject(new Error(`${why}: ${(err.trim() || out.trim()).split("\n").slice(-6).join("\n  ")}`));
    });
  });
}

if (values.profile) {
  for (const c of cases) {
    for (const s of systems) {
      if (!s.profile) continue;
      const dir = resolve(benchDir, "out", "profiles");
      mkdirSync(dir, { recursive: true });
      const file = resolve(dir, `${suite.name}-${c.id}-${s.name.replace(/\W+/g, "-")}.cpuprofile`);
      const { value: v } = await measureOnce(s, c, sizeOf(c), s.profile(c, sizeOf(c), file));
      console.log(`\n${c.name} on ${s.name}: ${v.toFixed(1)} ${c.unit} (under the profiler); self time of the measured run:`);
      for (const line of topSelfTime(file)) console.log(`  ${line}`);
    }
  }
  process.exit(0);
}

const samples = new Map<string, number[]>();
const key = (c: Case, s: System): string => `${c.id}\u0000${s.name}`;
const failed = new Set<string>();
const total = reps * cases.length * systems.length;
let done = 0;
const steal = new StealTally(!values.quick);
const started = Date.now();
const loadAtStart = loadavg()[0]!;
const measured = measuredAt(repoDir, suite.sources ?? ["solutions", "bench"]);
if (measured) notes.push(measured);
console.error(`bench ${suite.name}: ${cases.length} cases × ${systems.length} systems × ${reps} reps, one process each`);
for (let rep = 0; rep < reps; rep++) {
  for (const c of cases) {
    const n = sizeOf(c);
    for (let k = 0; k < systems.length; k++) {
      const s = systems[(k + rep) % systems.length]!;
      done++;
      if (failed.has(key(c, s))) continue;
      process.stderr.write(`  [${done}/${total}] rep ${rep + 1} ${c.id} on ${s.name} … `);
      try {
        // A measurement during which the host took much of the machine measured its neighbours: taken again.
        const { value: v, steal: stole } = await steal.measure(
          () => measureOnce(s, c, n),
          (t) => process.stderr.write(`${t.value.toFixed(1)} ${c.unit}, ${stealText(t.steal)}: again … `),
        );
        const list = samples.get(key(c, s)) ?? [];
        list.push(v);
        samples.set(key(c, s), list);
        process.stderr.write(`${v.toFixed(1)} ${c.unit}, ${stealText(stole)}\n`);
      } catch (e) {
        // A failed case is reported and not retried: it would fail the same way and cost minutes.
        failed.add(key(c, s));
        const msg = `${c.name} on ${s.name} failed: ${(e as Error).message}`;
        notes.push(msg);
        process.stderr.write(`failed\n  ${msg}\n`);
      }
    }
  }
}

const stealSummary = steal.note();
if (stealSummary) notes.push(stealSummary);
const rows: Row[] = [];
for (const c of cases) {
  for (const s of systems) {
    const xs = samples.get(key(c, s));
    if (!xs?.length || failed.has(key(c, s))) continue;
    rows.push({ case: c.name, system: s.name, unit: c.unit, better: c.better, ...spread(xs) });
  }
}

const versions: Record<string, string> = {};
for (const s of systems) {
  const v = s.version?.();
  if (v) versions[s.name] = v;
}
// A run with failed measurements is not saved: it would replace the last complete results with a partial one.
const why = failed.size ? `${failed.size} measurement(s) failed` : values["no-save"] ? "--no-save" : "a partial or quick run";
finish(suite, { reps, rows, notes, versions, loadAtStart, started, repoDir, notSaved: save && failed.size === 0 ? null : why });
process.exitCode = failed.size ? 1 : 0;
