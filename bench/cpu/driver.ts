// The cpu suite (chapters 08, 11 and 13): where our two proxies' CPU goes, and their peers', by Linux perf, in
// microseconds per request. `npm run bench cpu` measures ten systems as the lb, l7 and obs suites start them (our HTTP
// proxy, HAProxy http and node http-proxy; our L4 splice, the Node pipe and HAProxy tcp; the obs suite's HTTP proxy in
// its four modes, without its scrapes) behind the lb suite's fixed backends, at 64 and 1,000 connections, reps
// interleaved with the order of systems rotated each rep, as every proxy suite does. Each measurement is bench:cpu's
// (record.ts): a fresh program, the suites' warm-up, one wrk run under perf.
//
// Why a suite of its own: V8's profiler, which the suites' `--profile` use, samples the event loop's thread by the
// clock and so reports time, not CPU (lib/perf-profile.ts says how the two differ). The figures here are CPU, each
// part's share of perf's samples times the CPU per request /proc counted over the same run, and the tables made from
// them are generated and go stale like every other suite's.
import type { ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fixedBackends, freshRun, messageOf, suiteSystem } from "../lib/load-tool";
import { type CpuProfile, groupOf, GROUPS, PERF_MAP_FLAGS, withPerfMap } from "../lib/perf-profile";
import { repoDir, stop } from "../lib/proc";
import { finish, fmt, measuredAt, spread } from "../lib/report";
import { StealTally, stealText } from "../lib/steal";
import type { Better, Case, Row, Suite } from "../lib/suite";
import { checkSelected, type DriverOptions, quoted, UsageError, wantedSystems, wholeNumber } from "../lib/usage";
import { wrkBanner, wrkVersionOf, WRK_INSTALL } from "../lib/wrk";
import { type PerfRun, perfMissing, perfVersion, recordUnderLoad } from "./record";

export const TITLE = "cpu: where the proxies' CPU goes, by Linux perf (chapters 08, 11 and 13)";
/** The system the chapters' prose reads first: chapter 11's proxy, the l7 suite's subject. */
export const SUBJECT = "hub http proxy on 64 acceptors";
/**
 * The systems, by their names in the l7, lb and obs suites: the HTTP proxies, the L4 ones, then what observing adds
 * (the obs suite's proxy, chapter 11's with chapter 13's metrics and tracer, which its baseline leaves out).
 */
export const SYSTEMS = [
  SUBJECT, "haproxy http", "node http-proxy keep-alive on 64 acceptors",
  "hub (splice on 64 acceptors)", "node net+pipe on 64 acceptors", "haproxy",
  "metrics off", "metrics on", "tracing off", "tracing on",
];
export const CONNS = [64, 1000];
const SECONDS = 5;
const DEFAULT_REPS = 5;

/** One row of the table: a figure of a run, per request. */
interface Figure {
  readonly name: string;
  readonly unit: string;
  readonly better: Better;
  readonly of: (r: PerfRun) => number;
  /** A part of the profile: a system none of whose runs had a sample of it gets no row ("—"), not a row of zeros. */
  readonly seen?: (r: PerfRun) => boolean;
}

/** Samples of `p` in the groups `keep` accepts. */
const samplesIn = (p: CpuProfile, keep: (group: string) => boolean): number =>
  p.parts.reduce((sum, [part, n]) => sum + (keep(groupOf(part)) ? n : 0), 0);

/** A part's µs per request: its share of the run's samples times the CPU per request /proc counted. */
const part = (name: string, keep: (group: string) => boolean): Figure => ({
  name,
  unit: "µs/req",
  better: "lower",
  of: (r) => (r.profile.samples ? (samplesIn(r.profile, keep) / r.profile.samples) * r.cpu.cpu : 0),
  seen: (r) => samplesIn(r.profile, keep) > 0,
});

/** Where our chapters' groups start in GROUPS (after the kernel's). */
const FIRST_OURS = GROUPS.findIndex((g) => g.startsWith("our code: "));

const FIGURES: readonly Figure[] = [
  { name: "requests/s", unit: "req/s", better: "higher", of: (r) => r.wrk.rps },
  { name: "CPU per request", unit: "µs/req", better: "lower", of: (r) => r.cpu.cpu },
  { name: "user-space CPU per request", unit: "µs/req", better: "lower", of: (r) => r.cpu.user },
  { name: "kernel CPU per request", unit: "µs/req", better: "lower", of: (r) => r.cpu.kernel },
  ...GROUPS.slice(0, FIRST_OURS).map((g) => part(g, (x) => x === g)),
  // Our chapters together, then each: the first row is the sum of the others.
  part("our code: every chapter", (x) => x.startsWith("our code: ")),
  ...GROUPS.slice(FIRST_OURS).map((g) => part(g, (x) => x === g)),
];

const caseName = (f: Figure, conns: number): string => `${f.name} @ ${conns.toLocaleString("en-US")} conns`;

/** Where the runs of `system` at `conns` connections are kept. */
export const runKey = (system: string, conns: number): string => `${system}\u0000${conns}`;

/**
 * The table of a run: a case per figure and count, and in each the median of every system's reps with their spread.
 * A part that no rep of a system sampled gives that system no row (the table shows "—"); a rep that did not sample
 * a part another rep did counts it as 0.
 */
export function cpuTable(runs: ReadonlyMap<string, readonly PerfRun[]>, systems: readonly string[], conns: readonly number[]): { cases: Case[]; rows: Row[] } {
  const cases: Case[] = [];
  const rows: Row[] = [];
  for (const n of conns) {
    for (const f of FIGURES) {
      const c: Case = { id: caseName(f, n), name: caseName(f, n), unit: f.unit, quantity: f.unit === "req/s" ? "throughput" : "CPU", better: f.better, n };
      cases.push(c);
      for (const system of systems) {
        const got = runs.get(runKey(system, n)) ?? [];
        if (!got.length || (f.seen && !got.some(f.seen))) continue;
        rows.push({ case: c.name, system, unit: c.unit, better: c.better, ...spread(got.map(f.of)) });
      }
    }
  }
  return { cases, rows };
}

/** A system as the cpu suite runs it: its suite's command line, port and pooling (load-tool's suiteSystem). */
export interface CpuSystem {
  readonly name: string;
  /** Its own scratch folder: its configuration, and V8's log of each of its processes. */
  readonly dir: string;
  readonly argv: string[];
  readonly port: number;
  readonly pooled: boolean;
  /** What it prints once ready, when its suite waits for that (load-tool's suiteSystem). */
  readonly readyLine?: RegExp;
  readonly version?: string;
}

/**
 * The systems named, each with its configuration (HAProxy's) in a folder of its own under `dir`: both HAProxy systems
 * name their file haproxy.cfg, and one folder would leave both running the last one written. A system that cannot
 * run here is left out, with why in `skipped`.
 */
export function cpuSystems(names: readonly string[], dir: string): { systems: CpuSystem[]; skipped: string[] } {
  const systems: CpuSystem[] = [];
  const skipped: string[] = [];
  for (const name of names) {
    try {
      const own = join(dir, String(systems.length));
      mkdirSync(own, { recursive: true });
      systems.push({ name, dir: own, ...suiteSystem(name, own) });
    } catch (e) {
      skipped.push(`${messageOf(e)}: skipped`);
    }
  }
  return { systems, skipped };
}

export async function runCpu(options: DriverOptions): Promise<number> {
  if (options.profile) throw new UsageError("the cpu suite is a profile already: --profile has nothing to add to it");
  if (options.backends) throw new UsageError("the cpu suite runs behind the lb suite's fixed backends only: --backends has nothing to choose");
  const reps = options.quick ? 1 : wholeNumber("--reps", options.reps ?? String(DEFAULT_REPS));
  const seconds = options.quick ? 2 : SECONDS;
  const conns = CONNS.filter((n) => !options.only || String(n) === options.only);
  checkSelected(options.only, conns.length, `it takes one connection count (${quoted(CONNS)})`);
  const wanted = wantedSystems(options.systems, SYSTEMS);
  const lacking = perfMissing();
  if (lacking !== null) {
    console.error(`bench cpu: ${lacking}`);
    return 1;
  }
  const banner = wrkBanner();
  if (banner === null) {
    console.error(`wrk is not installed: ${WRK_INSTALL}`);
    return 2;
  }
  const partial = options.quick || options.only !== undefined || options.systems !== undefined || reps < 3;
  const dir = mkdtempSync(join(tmpdir(), "hub-bench-cpu-"));
  const { systems, skipped } = cpuSystems(SYSTEMS.filter((name) => !wanted || wanted.includes(name)), dir);
  const notes = [...skipped];
  for (const note of skipped) console.error(`note: ${note}`);
  const loadAtStart = loadavg()[0]!;
  const started = Date.now();
  const measured = measuredAt(repoDir, ["solutions", "bench/cpu", "bench/lb", "bench/l7", "bench/obs", "bench/lib"]);
  if (measured) notes.push(measured);
  notes.push(
    `perf record -F 999 -g on each program and its descendants over one measured run of wrk -t1 -cN -d${seconds}s, after the suites' 1 s warm-up, ` +
      `behind the lb suite's fixed backends; a Node program with ${PERF_MAP_FLAGS.join(" ")} added (and V8's log, which they turn on, in a scratch folder); ` +
      "each part's µs per request is its share of the run's samples times the CPU per request /proc counted over the same run, " +
      "so within a rep the parts add up to the CPU per request (the row of every chapter of ours is the sum of each chapter's), and the medians of the reps need not",
  );
  const runs = new Map<string, PerfRun[]>();
  const steal = new StealTally(!options.quick);
  let backends: ChildProcess | null = null;
  try {
    backends = await fixedBackends();
    const total = reps * conns.length * systems.length;
    let done = 0;
    console.error(`bench cpu: ${conns.length} connection counts × ${systems.length} systems × ${reps} reps, ${seconds} s each, under perf`);
    for (let rep = 0; rep < reps; rep++) {
      for (const n of conns) {
        for (let k = 0; k < systems.length; k++) {
          const s = systems[(k + rep) % systems.length]!;
          const what = `rep ${rep + 1}, ${n} conns, ${s.name}`;
          process.stderr.write(`  [${++done}/${total}] ${what} … `);
          try {
            const once = async (): Promise<PerfRun> => {
              const r = await freshRun({ argv: withPerfMap(s.argv, s.dir), port: s.port, conns: n, pooled: s.pooled, readyLine: s.readyLine }, (p: ChildProcess) =>
                recordUnderLoad(p.pid!, { port: s.port, conns: n, seconds }),
              );
              if (r === null) throw new Error("no request completed");
              return r;
            };
            const r = await steal.measure(once, (t) => process.stderr.write(`${Math.round(t.wrk.rps)} req/s, ${stealText(t.steal)}: again … `));
            runs.set(runKey(s.name, n), [...(runs.get(runKey(s.name, n)) ?? []), r]);
            process.stderr.write(`${fmt(r.wrk.rps)} req/s, ${fmt(r.cpu.cpu)} µs/req, ${r.profile.samples.toLocaleString("en-US")} samples, ${stealText(r.steal)}${r.wrk.errors ? `, ${r.wrk.errors}` : ""}\n`);
            if (r.wrk.errors) notes.push(`${what}: ${r.wrk.errors}`);
          } catch (e) {
            const msg = `${what} failed: ${messageOf(e)}`;
            notes.push(msg);
            process.stderr.write(`failed\n  ${msg}\n`);
          }
        }
      }
    }
  } finally {
    if (backends) await stop(backends);
    rmSync(dir, { recursive: true, force: true });
  }
  const stealSummary = steal.note();
  if (stealSummary) notes.push(stealSummary);

  const { cases, rows } = cpuTable(runs, systems.map((x) => x.name), conns);
  const versions: Record<string, string> = { wrk: wrkVersionOf(banner) || "wrk", perf: perfVersion() };
  for (const s of systems) if (s.version && !Object.values(versions).includes(s.version)) versions[s.name] = s.version;
  const result: Suite = { name: "cpu", title: TITLE, cases, systems: [], subject: SUBJECT, aims: () => [] };
  const empty = systems.flatMap((s) => conns.filter((n) => !runs.get(runKey(s.name, n))?.length).map((n) => `${s.name} at ${n}`));
  const why = empty.length ? `no measurement of ${empty.join(", ")}` : options["no-save"] ? "--no-save" : partial ? "a partial or quick run" : null;
  finish(result, { reps, rows, notes, versions, loadAtStart, started, repoDir, notSaved: why });
  return empty.length ? 1 : 0;
}
