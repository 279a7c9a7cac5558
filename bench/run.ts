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
import { checkSelected, quoted, UsageError, usageMessage, wantedSystems, wholeNumber } from "./lib/usage";
import { LabTasks, labSuite } from "./lib/lab";

const benchDir = import.meta.dirname;
const repoDir = resolve(benchDir, "..");

const usage = `usage: npm run bench -- <suite> [--reps N] [--quick] [--only TEXT] [--systems a,b] [--no-save] [--lab]
  --reps N      measurements per case and system (default 5, at least 3 for a saved result)
  --quick       a tenth of each case's size and 1 rep, to try things out; never saved
  --only TEXT   only the cases whose id or name contains TEXT; in the proxy suites one connection count ("1000")
                or one kind of backend; in io a part ("echo", "http"), a count, or both ("http-256") (not saved)
  --systems     only these systems, comma-separated (not saved)
  --no-save     print the table without writing bench/results/<suite>.json
  --backends    the proxy suites (lb, l7, obs, workers): the kinds of backend behind the proxies, comma-separated
                (all by default); each suite's README names its kinds ("fixed", and "node-http" or "node")
  --profile     instead of measuring, run each selected case once per Node system with V8's sampling profiler on
                its measured run and print self time per function (profiles kept in bench/out/profiles/)
  --lab         the hub, strategies, io, lb and l7 suites: measure your own code (labs/, or the tree HUB_TARGET names)
                beside the course's, the ratios and aims taken from it; never saved (try --quick first)`;

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
    lab: { type: "boolean", default: false },
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

if (values.lab && !suiteModule.suite?.lab) {
  const withLab = [];
  for (const name of suites) {
    const m = (await import(pathToFileURL(resolve(benchDir, "suites", `${name}.ts`)).href)) as { suite?: Suite };
    if (m.suite?.lab) withLab.push(name);
  }
  failOnUsage(new UsageError(`--lab: the ${suiteName} suite measures no lab; the suites that measure yours: ${withLab.join(", ")}`));
}
if (suiteModule.main) process.exit(await suiteModule.main(values).catch(failOnUsage));
/** The learner's systems, with --lab: a suite that has no driver of its own names them. */
const labSystems = values.lab ? (suiteModule.suite.lab?.systems ?? []) : [];
/** The suite as this run measures it: with --lab, the learner's systems join the others, every ratio theirs. */
const suite: Suite = values.lab
  ? { ...labSuite(suiteModule.suite, labSystems.map((s) => s.name)), systems: [...labSystems, ...suiteModule.suite.systems] }
  : suiteModule.suite;
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
const partial = values.quick || values.only !== undefined || values.systems !== undefined || reps < 3 || values.lab;
const save = !values["no-save"] && !partial;
const notes: string[] = suite.lab && values.lab ? [suite.lab.about] : [];
const systems: System[] = [];
for (const s of suite.systems) {
  if (wanted && !wanted.includes(s.name)) continue;
  const missing = s.missing();
  // --lab is for measuring the learner's code: without it there is nothing to run for.
  if (missing && labSystems.includes(s)) failOnUsage(new UsageError(`--lab: ${missing}`));
  if (missing) {
    notes.push(`${s.name} skipped: ${missing}`);
    console.error(`note: ${s.name} skipped: ${missing}`);
  } else systems.push(s);
}

/**
 * Node's exit code when the event loop runs dry while a top-level `await` still waits: what bench/lib/child.ts does
 * when a hub's run never ends because all its threads wait and nothing (a timer, a socket) is left to wake them.
 */
const UNSETTLED = 13;

/**
 * Runs one measurement; resolves to its figure and the share of the machine the hypervisor stole while the process
 * ran (bench/lib/steal.ts), or rejects with what the process printed.
 */
function measureOnce(system: System, c: Case, n: number, argv = system.command(c, n)): Promise<{ value: number; steal: number }> {
  const [cmd, ...args] = argv;
  const machine0 = machineTime();
  return new Promise((resolvePromise, reject) => {
    // A hung measurement (a thread that never wakes) must not hang the whole run, nor leave anything running.
    const deadlineMs = system.deadlineMs ?? 300_000;
    const group = spawnGroup(cmd!, args, { cwd: repoDir, stdio: ["ignore", "pipe", "pipe"], deadlineMs });
    const { child } = group;
    let out = "";
    let err = "";
    child.stdout!.on("data", (d: Buffer) => (out += d));
    child.stderr!.on("data", (d: Buffer) => (err += d));
    child.on("error", reject);
    child.on("close", (code, signal) => {
      const last = out.trim().split("\n").at(-1) ?? "";
      try {
        const { value, error } = JSON.parse(last) as { value?: unknown; error?: unknown };
        if (code === 0 && typeof value === "number" && Number.isFinite(value)) return resolvePromise({ value, steal: stolen(machine0, machineTime()) });
        // What bench/lib/child.ts says of a measurement that threw: the message, and where.
        if (typeof error === "string") return reject(new Error(error));
      } catch {
        // fall through to the error below, which shows what the process printed
      }
      const why = group.timedOut
        ? `stopped after ${deadlineMs / 1000} s, the longest one measurement may take`
        : signal
          ? `killed by ${signal}`
          : code === UNSETTLED
            ? `its run never ended: every thread waited, with nothing left to wake one (exit ${code})`
            : `exit ${code}`;
      // Node's own words for an unsettled await name the runner's line, not the hub's: they would say nothing more.
      const printed = code === UNSETTLED ? "" : (err.trim() || out.trim()).split("\n").slice(-6).join("\n  ");
      reject(new Error(printed ? `${why}: ${printed}` : why));
    });
  });
}

if (values.profile) {
  let failures = 0;
  for (const c of cases) {
    for (const s of systems) {
      if (!s.profile) continue;
      const dir = resolve(benchDir, "out", "profiles");
      mkdirSync(dir, { recursive: true });
      const file = resolve(dir, `${suite.name}-${c.id}-${s.name.replace(/\W+/g, "-")}.cpuprofile`);
      try {
        const { value: v } = await measureOnce(s, c, sizeOf(c), s.profile(c, sizeOf(c), file));
        console.log(`\n${c.name} on ${s.name}: ${v.toFixed(1)} ${c.unit} (under the profiler); self time of the measured run:`);
        for (const line of topSelfTime(file)) console.log(`  ${line}`);
      } catch (e) {
        // As in a measured run: said in a sentence, and the other cases still profiled.
        failures++;
        console.log(`\n${c.name} on ${s.name} failed: ${(e as Error).message}`);
      }
    }
  }
  process.exit(failures ? 1 : 0);
}

const samples = new Map<string, number[]>();
const key = (c: Case, s: System): string => `${c.id}\u0000${s.name}`;
const failed = new Set<string>();
const total = reps * cases.length * systems.length;
let done = 0;
const steal = new StealTally(!values.quick);
const started = Date.now();
const loadAtStart = loadavg()[0]!;
// Which commit a saved result measured, to tell later whether it is stale: a run of a lab is never saved.
const measured = values.lab ? null : measuredAt(repoDir, suite.sources ?? ["solutions", "bench"]);
if (measured) notes.push(measured);
const tasks = new LabTasks();
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
        if (labSystems.includes(s)) tasks.note(e, s.name, c.name);
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
const why = failed.size ? `${failed.size} measurement(s) failed` : values["no-save"] ? "--no-save" : values.lab ? "a run of your lab" : "a partial or quick run";
finish(suite, { reps, rows, notes, versions, loadAtStart, started, repoDir, notSaved: save && failed.size === 0 ? null : why });
process.exitCode = tasks.finish(failed.size);
