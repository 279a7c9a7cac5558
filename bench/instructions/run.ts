// `npm run bench:instructions -- [case …] [--systems a,b] [--reps N] [--scale K] [--jobs J] [--port P]`: what one more connection
// or request costs our proxies and their Node peers, what observing (metrics, tracing) adds to a request of the HTTP
// proxy, and one more round trip our echo server and Node's, in user-space instructions of the main thread counted by
// valgrind's callgrind (callgrind.ts: why the main thread).
//
// The benchmark suites time the same code side by side and report ratios, but on a shared host the times of
// identical code fall into fast and slow stretches (bench/README.md, "Instruction counts"). An instruction count
// barely moves with the host: a few runs of each side judge a change to the byte path, on a busy machine as well as
// on a quiet one. What it does not see: the kernel's part (a system call counts as the instructions that make it),
// waiting, and how the work spreads over the two cores. It complements the suites; it does not replace them.
//
// Each system runs under callgrind behind the lb suite's fixed backends (bench/lb/backend.ts; an echo server has no
// use for them), once with the load at one size and once at three times it (client.ts); the difference between the
// two counts, divided by the difference in size, leaves out start-up and compilation. Garbage collection and
// compilation land a little differently in each run, so the pair is taken --reps times and the median reported with
// the range. The cases are in cases.ts; which counts a run takes, how many run at once and which runs are saved, in
// plan.ts.
// A run of every case and system at the default load, with 3 pairs or more, is saved to bench/results/instructions.json
// like a suite's (the "instructions" suite of tools/lib/bench-tables.ts): bench/README.md's and the chapters' tables and
// figures of it are generated, and go stale when the code counted changes.
// With --breakdown, one pair of one case's systems is taken with V8's perf map and read function by function
// (breakdown.ts): where the instructions of one more unit go, and where two systems differ. Of one case it is printed;
// of every case (no case named) it is saved too, as bench/results/breakdown.json (the "breakdown" suite).
import { spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { connect } from "node:net";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { node, repoDir, sleep, start, stop } from "../lib/proc";
import { finish, fmt, measuredAt, median, spread } from "../lib/report";
import type { Case as SuiteCase, Row, Suite } from "../lib/suite";
import { UsageError, usageMessage, wholeNumber } from "../lib/usage";
import { breakdownLines, breakdownRows, named, parseAnnotate, parsePerfMap, perUnit as functionsPerUnit, type FunctionCounts, type PerfMap, type SystemBreakdown } from "./breakdown";
import { CALLGRIND, countedFlags, marginal, threadCounts, threadOf, withNodeFlags, type ThreadCounts } from "./callgrind";
import { CASES, unitsAt, type Case, type Load, type Ports, type System } from "./cases";
import { atMost, countsOf, highestPort, portsOf, whyNotSaved, type Count } from "./plan";

/** Each step's time limit under callgrind, which runs a program 20 to 50 times slower. */
const STEP_MS = 600_000;

/**
 * Resolves once something accepts on `port`; throws after `ms`, or as soon as `child` has exited. Not
 * lib/proc.ts's `listening`, which gives a program 10 s: under callgrind tsx takes half a minute to start.
 */
async function listening(port: number, ms: number, what: string, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${what} exited before it listened on port ${port}`);
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect({ host: "127.0.0.1", port }, () => (s.destroy(), resolve(true)));
      s.on("error", () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`${what} did not listen on port ${port} within ${ms / 1000} s`);
    await sleep(250);
  }
}

/**
 * Waits for `child` to exit and for its output to have been read ('close', not 'exit': a line the child printed just
 * before exiting may still be in the pipe at 'exit'); kills it after `ms`.
 */
function exited(child: ChildProcess, ms: number): Promise<number | null> {
  return new Promise((resolve) => {
    const ended = (s: NodeJS.ReadableStream | null): boolean => s === null || (s as { readableEnded?: boolean }).readableEnded === true;
    if (child.exitCode !== null && ended(child.stdout) && ended(child.stderr)) return resolve(child.exitCode);
    const timer = setTimeout(() => child.kill("SIGKILL"), ms);
    child.once("close", (code) => (clearTimeout(timer), resolve(code)));
  });
}

/** Runs the client's load against the program listening on `port`; throws what the client said when it failed. */
async function load(l: Load, port: number): Promise<void> {
  const args = [String(port), String(l.connections), String(l.requests), String(l.concurrency), ...(l.echo ? ["echo"] : [])];
  const client = start(node("bench/instructions/client.ts", ...args), {}, STEP_MS);
  let out = "";
  client.stdout!.on("data", (d: Buffer) => (out += d));
  client.stderr!.on("data", (d: Buffer) => (out += d));
  const code = await exited(client, STEP_MS);
  if (code !== 0 || !out.includes("done")) throw new Error(`the client failed (exit ${code}): ${out.trim()}`);
}

/** One count: the run's instructions, and with --breakdown its main thread's functions, each with its own count. */
interface Counted {
  readonly threads: ThreadCounts;
  readonly functions: FunctionCounts | null;
}

/**
 * The instructions `system` ran, from its start to its stop, on `ports`, with the load at size `k` in between; with
 * `breakdown`, also its main thread's function by function, the compiled JavaScript named by V8's perf map.
 */
async function countOnce(c: Case, system: System, k: number, ports: Ports, breakdown: boolean): Promise<Counted> {
  const dir = mkdtempSync(join(tmpdir(), "hub-callgrind-"));
  const proxy = start([...CALLGRIND, `--callgrind-out-file=${join(dir, "callgrind.out.%p")}`, ...withNodeFlags(system.argv(ports), countedFlags(breakdown, dir))], {}, 3 * STEP_MS);
  // V8 writes its map where perf looks for it, under the process's id (callgrind runs the program in its own process).
  const perfMap = `/tmp/perf-${proxy.pid}.map`;
  let log = "";
  proxy.stdout!.resume();
  proxy.stderr!.on("data", (d: Buffer) => (log = (log + d).slice(-4000)));
  try {
    await listening(ports.listen, 120_000, system.name, proxy);
    await load(c.load(k), ports.listen);
    proxy.kill("SIGINT"); // Node exits on SIGINT; callgrind then writes its counts
    const code = await exited(proxy, STEP_MS);
    const files = readdirSync(dir).filter((f) => f.startsWith("callgrind.out.")).map((f) => join(dir, f));
    if (!files.length) throw new Error(`${system.name}: callgrind wrote no counts (exit ${code}):\n${log.trim()}`);
    const threads = threadCounts(files);
    return { threads, functions: breakdown ? functionsOf(files.find((f) => threadOf(f) === 1)!, perfMap) : null };
  } finally {
    await stop(proxy, "SIGKILL");
    rmSync(dir, { recursive: true, force: true });
    if (breakdown) rmSync(perfMap, { force: true });
  }
}

/** A main thread's functions and their own counts, from callgrind_annotate, the compiled JavaScript named from `perfMap`. */
function functionsOf(mainFile: string, perfMap: string): FunctionCounts {
  const annotate = spawnSync("callgrind_annotate", ["--inclusive=no", "--threshold=100", mainFile], { encoding: "utf8", maxBuffer: 256 << 20 });
  if (annotate.status !== 0) throw new Error(`callgrind_annotate failed: ${annotate.stderr.trim()}`);
  let map: PerfMap | null = null;
  try {
    map = parsePerfMap(readFileSync(perfMap, "utf8"));
  } catch {
    console.error(`  no perf map at ${perfMap}: compiled JavaScript stays unnamed`);
  }
  return named(parseAnnotate(annotate.stdout), map, repoDir);
}

/**
 * The figure of a system's every thread, saved beside its main thread's: what the counts were before they kept the
 * main thread's, and what V8's helper threads add (their share of the collector's work among it).
 */
const EVERY_THREAD = ", every thread";
const everyThreadOf = (system: string): string => `${system}${EVERY_THREAD}`;

/** What a saved run's table calls case `c`'s figure, and its unit: "lb-connection", "instructions/connection". */
const unitOf = (c: Case): string => `instructions/${c.unit}`;

/** The system the saved result's ratios are about. */
const SUBJECT = "hub http proxy";

/** The saved result: a suite of these cases, no aims (the suites judge the goals), the HTTP proxy as its subject. */
const SAVED: Suite = {
  name: "instructions",
  title: "instructions: what one more connection, request or round trip costs, counted by callgrind",
  cases: CASES.map((c): SuiteCase => ({ id: c.id, name: c.id, unit: unitOf(c), quantity: "instructions", better: "lower", n: unitsAt(c, 1) })),
  systems: [],
  subject: SUBJECT,
  // Every thread's count beside every thread's, the main thread's beside the main thread's.
  subjectFor: (peer) => (peer.endsWith(EVERY_THREAD) ? everyThreadOf(SUBJECT) : SUBJECT),
  aims: () => [],
};

/** The saved breakdown: every case's systems, function by function and by kind of code; no ratios, no aims. */
const BREAKDOWN: Suite = {
  name: "breakdown",
  title: "breakdown: where one more connection, request or round trip's instructions go, function by function",
  cases: [],
  systems: [],
  subject: SUBJECT,
  subjectFor: () => null,
  aims: () => [],
};

/** How many of each system's largest functions a saved breakdown keeps (a printed one lists --top). */
const SAVED_FUNCTIONS = 12;

/** Counts at once by default: one a core (callgrind runs a program on one), at most two. */
const DEFAULT_JOBS = Math.max(1, Math.min(2, availableParallelism()));

const USAGE = `usage: npm run bench:instructions -- [case …] [--systems a,b] [--reps N] [--scale K] [--jobs J] [--port P] [--no-save]
       npm run bench:instructions -- [case] [--systems a,b] --breakdown [--top N]
  case        ${CASES.map((c) => c.id).join(", ")} (all by default)
  --systems   only these systems, comma-separated (each case names its own)
  --reps N    pairs of runs per system (default 3): the median per unit, with the range of the pairs
  --scale K   K times the load at both sizes (default 1); a larger load averages more garbage collections in
  --jobs J    counts run at once, each program on its own ports (default ${DEFAULT_JOBS}: one a core, at most two)
  --port P    the first program on P and its metrics listener on P+4, the backends on P+1 to P+3, each further job's
              program 5 ports up (default 9350)
  --no-save   do not write bench/results/instructions.json (a run of some cases or systems, fewer than 3 pairs,
              another --scale or a failed count is never saved)
  --breakdown one pair per system, its main thread's instructions per unit function by function (the compiled
              JavaScript named by V8's --perf-basic-prof), set beside the first system's; of every case (no case
              named) saved as bench/results/breakdown.json, each system's ${SAVED_FUNCTIONS} largest functions and every kind of code
  --top N     the functions a breakdown lists (default 25)`;

const pairLabel = (n: Count, reps: number): string => `${n.case.id}, ${n.system.name}, pair ${n.pair} of ${reps}, ${n.size === "small" ? "1×" : "3×"}`;

async function main(): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      allowPositionals: true,
      options: {
        systems: { type: "string" },
        reps: { type: "string", default: "3" },
        scale: { type: "string", default: "1" },
        jobs: { type: "string", default: String(DEFAULT_JOBS) },
        port: { type: "string", default: "9350" },
        "no-save": { type: "boolean", default: false },
        breakdown: { type: "boolean", default: false },
        top: { type: "string", default: "25" },
        help: { type: "boolean", default: false },
      },
    });
  } catch (e) {
    console.error(`${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const unknown = positionals.filter((p) => !CASES.some((c) => c.id === p));
  if (unknown.length) {
    console.error(`no case ${unknown.join(", ")}\n${USAGE}`);
    return 2;
  }
  const scale = Number(values.scale);
  const breakdown = values.breakdown!;
  let reps: number, jobs: number, port: number, top: number;
  try {
    if (!(scale > 0)) throw new UsageError(`--scale must be a positive number, not "${values.scale}"`);
    reps = wholeNumber("--reps", values.reps);
    top = wholeNumber("--top", values.top);
    if (breakdown && positionals.length > 1) throw new UsageError("--breakdown takes one case, or none for every case (saved)");
    if (breakdown) reps = 1;
    jobs = wholeNumber("--jobs", values.jobs, 1, 8);
    port = wholeNumber("--port", values.port, 1024, highestPort(jobs));
  } catch (e) {
    console.error(`${usageMessage(e)}\n${USAGE}`);
    return 2;
  }
  if (spawnSync("valgrind", ["--version"]).status !== 0) {
    console.error("valgrind is not installed here; install it with: apt-get install -y valgrind");
    return 2;
  }
  const cases = CASES.filter((x) => !positionals.length || positionals.includes(x.id));
  const wanted = values.systems?.split(",").map((s) => s.trim());
  const none = wanted?.filter((w) => !cases.some((c) => c.systems.some((s) => s.name === w))) ?? [];
  if (none.length) {
    console.error(`no system ${none.join(", ")} in ${cases.map((c) => c.id).join(", ")}; they have: ${[...new Set(cases.flatMap((c) => c.systems.map((s) => s.name)))].join(", ")}`);
    return 2;
  }
  const loadAtStart = loadavg()[0]!;
  const started = Date.now();
  const measured = measuredAt(repoDir, ["solutions", "bench/instructions", "bench/lb", "bench/l7", "bench/obs", "bench/io", "bench/lib"]);
  const counts = countsOf(cases, wanted, reps);
  console.log(`${counts.length} counts, ${jobs} at a time`);
  const backends = portsOf(port, 0).backends;
  const backend = start(node("bench/lb/backend.ts", ...backends.map(String)));
  backend.stdout!.resume();
  backend.stderr!.resume();
  let outcomes: PromiseSettledResult<Counted>[];
  try {
    for (const p of backends) await listening(p, 30_000, "the backends (bench/lb/backend.ts)", backend);
    outcomes = await atMost(jobs, counts, async (n, slot) => {
      const k = n.size === "small" ? scale : 3 * scale;
      const t0 = Date.now();
      let counted: Counted;
      try {
        counted = await countOnce(n.case, n.system, k, portsOf(port, slot), breakdown);
      } catch (e) {
        // One more try: a count is a minute of an hour's run, and a port still closing or a slow start can fail one.
        console.error(`  ${pairLabel(n, reps)}: failed (${(e as Error).message.split("\n")[0]}); once more`);
        counted = await countOnce(n.case, n.system, k, portsOf(port, slot), breakdown);
      }
      const seconds = ((Date.now() - t0) / 1000).toFixed(0);
      console.error(`  ${pairLabel(n, reps)}: ${fmt(counted.threads.main)} instructions, ${fmt(counted.threads.all)} with every thread (${seconds} s)`);
      return counted;
    });
  } finally {
    await stop(backend);
  }
  const failed = counts.filter((_, i) => outcomes[i]!.status === "rejected");
  for (const [i, n] of counts.entries()) {
    const o = outcomes[i]!;
    if (o.status === "rejected") console.error(`${pairLabel(n, reps)}: ${(o.reason as Error).message}`);
  }
  const rows: Row[] = [];
  const functionRows: Row[] = [];
  const range = (xs: number[]): string => `${fmt(median(xs))} (${fmt(Math.min(...xs))}–${fmt(Math.max(...xs))})`;
  for (const c of cases) {
    console.log(`\n${c.id}: ${c.about}; instructions of the main thread per ${c.unit} (callgrind, user space), the difference between ${fmt(unitsAt(c, scale))} and ${fmt(unitsAt(c, 3 * scale))} ${c.unit}s`);
    const results: { system: string; per: number[]; all: number[] }[] = [];
    const breakdowns: SystemBreakdown[] = [];
    for (const system of c.systems.filter((s) => !wanted || wanted.includes(s.name))) {
      const per: number[] = [];
      const all: number[] = [];
      for (let pair = 1; pair <= reps; pair++) {
        const at = (size: Count["size"]): Counted | undefined => {
          const i = counts.findIndex((n) => n.case === c && n.system === system && n.pair === pair && n.size === size);
          const o = outcomes[i]!;
          return o.status === "fulfilled" ? o.value : undefined;
        };
        const small = at("small"), large = at("large");
        if (small === undefined || large === undefined) continue;
        const perUnit = (pick: keyof ThreadCounts): number =>
          marginal({ size: unitsAt(c, scale), instructions: small.threads[pick] }, { size: unitsAt(c, 3 * scale), instructions: large.threads[pick] }).perUnit;
        if (small.functions && large.functions) {
          breakdowns.push({ system: system.name, perUnit: functionsPerUnit(small.functions, large.functions, { small: unitsAt(c, scale), large: unitsAt(c, 3 * scale) }) });
        }
        per.push(perUnit("main"));
        all.push(perUnit("all"));
      }
      if (!per.length) {
        console.log(`  ${system.name.padEnd(28)} no pair counted`);
        continue;
      }
      results.push({ system: system.name, per, all });
      rows.push({ case: c.id, system: system.name, unit: unitOf(c), better: "lower", ...spread(per) });
      rows.push({ case: c.id, system: everyThreadOf(system.name), unit: unitOf(c), better: "lower", ...spread(all) });
    }
    const first = results[0];
    for (const { system, per, all } of results) {
      const ratio = first && first.system !== system ? `   ${first.system} ÷ this: ${(median(first.per) / median(per)).toFixed(2)}×` : "";
      const pairs = per.length < reps ? `, ${per.length} of ${reps} pairs` : "";
      console.log(`  ${system.padEnd(28)} ${range(per).padStart(28)} per ${c.unit}${pairs}${ratio}   every thread: ${range(all)}`);
    }
    if (breakdowns.length) {
      functionRows.push(...breakdownRows(c.id, unitOf(c), breakdowns, SAVED_FUNCTIONS));
      console.log(`\n${c.id}, main thread, instructions per ${c.unit} function by function (each function's own, one pair, --perf-basic-prof):`);
      for (const line of breakdownLines(breakdowns, top)) console.log(line);
    }
  }
  const valgrind = spawnSync("valgrind", ["--version"], { encoding: "utf8" }).stdout.trim();
  const why = whyNotSaved({ noSave: values["no-save"]!, cases: positionals, systems: wanted, reps, scale, failed: failed.length, breakdown });
  if (breakdown) {
    const notes = [
      ...(measured ? [measured] : []),
      "one pair per system (one reading each, no spread): user-space instructions of the main thread under callgrind at two sizes of the load, as the " +
        "instructions suite counts them, run with --perf-basic-prof so that V8's perf map names the compiled JavaScript; each function's own " +
        "instructions (callgrind_annotate --inclusive=no --threshold=100: every function, none cut off at a share of the total) per unit, the difference between the two counts ÷ the difference in units " +
        `(${cases.map((c) => `${c.id}: ${fmt(unitsAt(c, scale))} and ${fmt(unitsAt(c, 3 * scale))} ${c.unit}s`).join("; ")})`,
      `"<case>, every function": the main thread's count per unit; "<case>, by kind: …": its functions grouped by kind of code (bench/instructions/breakdown.ts, KINDS); ` +
        `"<case>, function: …": each system's ${SAVED_FUNCTIONS} largest functions, with every system's count of each (0: none of it)`,
      "names are approximate where V8 moved or reused code (callgrind keeps a function at the address it first ran at); the perf map's flag changes the counts a little",
    ];
    finish(BREAKDOWN, { reps: 1, rows: functionRows, notes, versions: { valgrind }, loadAtStart, started, repoDir, notSaved: why });
    return failed.length ? 1 : 0;
  }
  const notes = [
    ...(measured ? [measured] : []),
    "user-space instructions of the program's main thread under valgrind's callgrind, from its start to its stop, once with the load at one size and " +
      "once at three times it, behind the lb suite's fixed backends; the difference between the two counts ÷ the difference in units " +
      `(${cases.map((c) => `${c.id}: ${fmt(unitsAt(c, scale))} and ${fmt(unitsAt(c, 3 * scale))} ${c.unit}s`).join("; ")}); ` +
      `each rep is one such pair; ${jobs} count${jobs === 1 ? "" : "s"} ran at once, each program on its own ports (the counts barely move with the host)`,
    `"<system>, every thread": the same pairs with every thread of the program counted (V8's compiler and the collector's helpers, the module loader's)`,
  ];
  finish(SAVED, { reps, rows, notes, versions: { valgrind }, loadAtStart, started, repoDir, notSaved: why });
  return failed.length ? 1 : 0;
}

process.exitCode = await main();
