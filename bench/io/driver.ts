// The io suite's driver (chapters 05 and 07): the hub's servers on real sockets beside plain Node and eventlet, on loopback.
//
// Two parts, each a few connection counts × three systems, reps interleaved (rep 1 of every system, then rep 2 …,
// with the order of systems rotated each rep), every measurement on a freshly started server:
//   echo — our echo client (echo-client.ts, the same for every server) holds N connections, each with one 64-byte
//          line in flight; 1 s warm-up, then round trips counted for 5 s, and the server's CPU read from /proc.
//   http — `wrk -t1 -cN -d1s` warm-up, then `wrk -t1 -cN -d5s --timeout 5s --latency`, the server's CPU read from
//          /proc before and after.
// One measurement yields several figures, so, like the lb suite, this drives itself and run.ts hands it the options.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, rmSync } from "node:fs";
import { loadavg } from "node:os";
import { join, resolve } from "node:path";
import { finish, fmt, measuredAt, ratios, round, spread } from "../lib/report";
import { pairedRatio, pairedRatioText } from "../../tools/lib/bench-tables";
import type { Aim, Case, Row, Suite } from "../lib/suite";
import { cpuPer, cpuTimes, type CpuTimes, listening, node, probe, repoDir, sleep, start, stop } from "../lib/proc";
import { machineTime, StealTally, stealText, stolen } from "../lib/steal";
import { checkSelected, type DriverOptions, quoted, UsageError, wantedSystems, wholeNumber } from "../lib/usage";
import { LabTasks, labName, labsMissing, labSuite, stubIn, yours } from "../lib/lab";
import { warmUp, wrk as runWrk, wrkBanner, WRK_INSTALL, type WrkResult, wrkVersionOf } from "../lib/wrk";

const PORT = 9300;
const PYTHON = "/usr/bin/python3"; // Debian's eventlet lives in the system Python only, not in another one on PATH
const EVENTLET_INSTALL = "apt-get update && apt-get install -y python3-eventlet";
export const SUBJECT = "hub";
export const TITLE = "io: the hub's echo and HTTP servers on real sockets beside Node and eventlet";

type Part = "echo" | "http";
const CONNS: Record<Part, readonly number[]> = { echo: [50, 500], http: [64, 256] };

/** One system: what it runs for each part. The names are shared by both parts so every ratio is "hub ÷ peer". */
interface IoSystem {
  readonly name: string;
  readonly argv: Record<Part, string[]>;
  missing(): string | null;
  version?(): string | undefined;
}

const eventletVersion = (): string | null => probe([PYTHON, "-c", "import eventlet; print('eventlet ' + eventlet.__version__)"]);

export const SYSTEMS: readonly IoSystem[] = [
  {
    name: "hub",
    argv: { echo: node("bench/io/hub-echo.ts", String(PORT)), http: node("bench/io/hub-http.ts", String(PORT)) },
    missing: () =>
      existsSync(resolve(repoDir, "solutions/07-http/server.ts")) && existsSync(resolve(repoDir, "solutions/05-green-sockets/echo.ts"))
        ? null
        : "solutions/05-green-sockets or 07-http is not written yet",
  },
  {
    name: "node",
    argv: { echo: node("bench/io/node-echo.ts", String(PORT)), http: node("bench/io/node-http.ts", String(PORT)) },
    missing: () => null,
  },
  {
    name: "eventlet",
    argv: { echo: [PYTHON, "bench/io/eventlet_servers.py", "echo", String(PORT)], http: [PYTHON, "bench/io/eventlet_servers.py", "http", String(PORT)] },
    missing: () => (eventletVersion() ? null : `not installed here (${PYTHON} cannot import eventlet); install it with: ${EVENTLET_INSTALL}`),
    version: () => eventletVersion() ?? undefined,
  },
];

/** `--lab`: the learner's echo and HTTP servers, run as the course's are (bench/io/lab-server.ts). */
const LAB: IoSystem = {
  name: yours(SUBJECT),
  argv: { echo: node("bench/io/lab-server.ts", "echo", String(PORT)), http: node("bench/io/lab-server.ts", "http", String(PORT)) },
  missing: () => labsMissing(["02-hub", "05-green-sockets", "07-http"]),
};
export const labAbout = (): string => `your hub: the echo server of chapter 05 and the HTTP server of chapter 07 as written in ${labName()}`;

/** What each system is in each part, for the notes and the README. */
const PROGRAMS: Record<Part, Record<string, string>> = {
  echo: { hub: "solutions/05 echoServer (runReal, realNetwork)", node: "net.createServer writing each chunk back", eventlet: "eventlet.listen + GreenPool.spawn_n, examples/echoserver.py", [LAB.name]: "your echoServer of lab 05" },
  http: { hub: "solutions/07 serveHttp, handler returns \"hello\"", node: "node:http createServer", eventlet: "eventlet.wsgi.server, log_output=False", [LAB.name]: "your serveHttp of lab 07, the same handler" },
};

const FIGURES = {
  echo: [
    { id: "rps", label: "echo round trips/s", unit: "round trips/s", quantity: "throughput", better: "higher" },
    { id: "cpu", label: "echo server CPU per round trip", unit: "µs/round trip", quantity: "CPU", better: "lower" },
    // The same CPU in two parts (bench/lib/proc.ts, cpuTimes): the server's own code, and its system calls.
    { id: "user", label: "echo server user-space CPU per round trip", unit: "µs/round trip", quantity: "CPU", better: "lower" },
    { id: "kernel", label: "echo server kernel CPU per round trip", unit: "µs/round trip", quantity: "CPU", better: "lower" },
  ],
  http: [
    { id: "rps", label: "HTTP requests/s", unit: "req/s", quantity: "throughput", better: "higher" },
    { id: "p50", label: "HTTP p50 latency", unit: "ms", quantity: "latency", better: "lower" },
    { id: "p99", label: "HTTP p99 latency", unit: "ms", quantity: "latency", better: "lower" },
    { id: "cpu", label: "HTTP server CPU per request", unit: "µs/req", quantity: "CPU", better: "lower" },
    { id: "user", label: "HTTP server user-space CPU per request", unit: "µs/req", quantity: "CPU", better: "lower" },
    { id: "kernel", label: "HTTP server kernel CPU per request", unit: "µs/req", quantity: "CPU", better: "lower" },
  ],
} as const;
type Figure = "rps" | "p50" | "p99" | "cpu" | "user" | "kernel";
type Figures = Partial<Record<Figure, number>>;

const caseOf = (part: Part, f: (typeof FIGURES)[Part][number], conns: number): Case => ({
  id: `${part}-${f.id}-${conns}`,
  name: `${f.label} @ ${conns} conns`,
  unit: f.unit,
  quantity: f.quantity,
  better: f.better,
  n: conns,
});

// ---------------------------------------------------------------------------------------------------------------
// one measurement

/** Runs a command to its end (killed after `limitMs`), resolving to its stdout, or rejecting with its last words. */
function run(label: string, argv: readonly string[], limitMs: number): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const p = start(argv, {}, limitMs);
    let out = "";
    let err = "";
    p.stdout!.on("data", (d: Buffer) => (out += d));
    p.stderr!.on("data", (d: Buffer) => (err += d));
    p.on("exit", (code, signal) => {
      if (code === 0) return resolvePromise(out);
      reject(new Error(`${label} ${signal ? `killed by ${signal}` : `exit ${code}`}: ${(err || out).trim().split("\n").slice(-3).join(" | ")}`));
    });
  });
}

const wrk = (conns: number, seconds: number): Promise<WrkResult> => runWrk(conns, seconds, PORT);

/** Waits (5 s at most) until the server has accepted its whole listen queue: the warm-up's leftovers are not the run's. */
async function settle(): Promise<void> {
  for (let i = 0; i < 50; i++) {
    const lines = (spawnSync("ss", ["-H", "-tln", `( sport = :${PORT} )`], { encoding: "utf8" }).stdout ?? "").split("\n").filter((l) => l.trim());
    if (lines.reduce((n, l) => n + Number(l.trim().split(/\s+/)[1] ?? 0), 0) === 0) return;
    await sleep(100);
  }
}

/** `profileFile`: for --profile, where our server writes its profile (bench/lib/profile-hook.ts, 100 µs samples). */
async function measure(
  system: IoSystem,
  part: Part,
  conns: number,
  seconds: number,
  profileFile?: string,
): Promise<Figures & { errors: string; steal: number }> {
  const proc = start(system.argv[part], profileFile ? { BENCH_PROFILE: profileFile, BENCH_PROFILE_MICROS: "100" } : {});
  let stderr = "";
  proc.stderr!.on("data", (d: Buffer) => (stderr += d));
  try {
    await listening(PORT, proc).catch((e: Error) => {
      throw new Error(`${e.message}: ${stderr.trim().split("\n").slice(-3).join(" | ")}`);
    });
    if (part === "echo") {
      // The client warms up for 1 s on its own connections, then counts; --profile starts the profiler at that edge.
      if (profileFile) setTimeout(() => process.kill(proc.pid!, "SIGUSR2"), 1000 + 300);
      const out = await run("echo client", node("bench/io/echo-client.ts", String(PORT), String(conns), "1", String(seconds), String(proc.pid)), (seconds + 40) * 1000);
      const r = JSON.parse(out.trim().split("\n").at(-1)!) as { roundTrips: number; seconds: number; serverCpu: { before: CpuTimes; after: CpuTimes }; steal: number | null; idleConnections: number };
      // Not an error, but worth a note: the throughput hides a server that serves some connections and starves others.
      const idle = r.idleConnections > 0 ? `${r.idleConnections} of ${conns} connections completed no round trip in the measured window` : "";
      return { rps: r.roundTrips / r.seconds, ...cpuPer(r.serverCpu.before, r.serverCpu.after, r.roundTrips), errors: idle, steal: r.steal ?? NaN };
    }
    await warmUp(conns, 1, PORT); // warm-up: JIT warm, buffers grown
    await settle();
    if (profileFile) process.kill(proc.pid!, "SIGUSR2");
    const cpu0 = cpuTimes(proc.pid!);
    const machine0 = machineTime();
    const r = await wrk(conns, seconds);
    const cpu1 = cpuTimes(proc.pid!);
    const steal = stolen(machine0, machineTime());
    return { rps: r.rps, p50: r.p50, p99: r.p99, ...cpuPer(cpu0, cpu1, r.requests), errors: r.errors, steal };
  } catch (e) {
    // A server that stopped in the middle says why on its stderr (a lab's in one line, bench/io/lab-server.ts; a task
    // not done yet in the stub's words): that is the news, not what the client made of the closed connections.
    if (proc.exitCode === null && proc.signalCode === null) await Promise.race([new Promise((r) => proc.once("exit", r)), sleep(500)]);
    const stub = stubIn(stderr);
    if (stub) throw new Error(stub);
    const last = stderr.trim().split("\n").at(-1);
    if (proc.exitCode !== null && last && !(e as Error).message.includes(last)) throw new Error(`the server stopped (exit ${proc.exitCode}): ${last}`);
    throw e;
  } finally {
    // SIGINT lets a profiled server write its profile before it exits (bench/lib/profile-hook.ts); SIGTERM otherwise.
    await stop(proc, profileFile ? "SIGINT" : "SIGTERM");
  }
}

// ---------------------------------------------------------------------------------------------------------------
// the run

export async function runIo(options: DriverOptions): Promise<number> {
  if (options.lab) {
    const why = LAB.missing();
    if (why) throw new UsageError(`--lab: ${why}`);
  }
  if (options.profile) return profile(options);
  // Five, as lb and obs take: the median of three is one measurement, which one busy moment of the machine decides.
  const reps = options.quick ? 1 : wholeNumber("--reps", options.reps ?? "5");
  const seconds = options.quick ? 2 : 5;
  // --lab: the learner's servers first, the subject of every ratio.
  const all = options.lab ? [LAB, ...SYSTEMS] : SYSTEMS;
  const wanted = wantedSystems(options.systems, all.map((s) => s.name));
  const partial = options.quick || options.only !== undefined || options.systems !== undefined || reps < 3 || options.lab === true;
  const save = !options["no-save"] && !partial;
  const notes: string[] = [];

  // --only echo, --only http, --only 500: a part, a connection count, or both ("http-256").
  const groups: { part: Part; conns: number }[] = [];
  for (const part of ["echo", "http"] as const) {
    for (const conns of CONNS[part]) {
      const id = `${part}-${conns}`;
      if (!options.only || id.includes(options.only) || String(conns) === options.only) groups.push({ part, conns });
    }
  }
  const ids = (["echo", "http"] as const).flatMap((part) => CONNS[part].map((n) => `${part}-${n}`));
  checkSelected(options.only, groups.length, `it takes a part ("echo", "http"), a connection count, or both (${quoted(ids)})`);
  if (groups.some((g) => g.part === "http") && wrkBanner() === null) {
    const why = `the HTTP part skipped: wrk is not installed; install it with: ${WRK_INSTALL}`;
    notes.push(why);
    console.error(`note: ${why}`);
    groups.splice(0, groups.length, ...groups.filter((g) => g.part !== "http"));
  }
  const systems: IoSystem[] = [];
  for (const s of all) {
    if (wanted && !wanted.includes(s.name)) continue;
    const why = s.missing();
    if (why) {
      notes.push(`${s.name} skipped: ${why}`);
      console.error(`note: ${s.name} skipped: ${why}`);
    } else systems.push(s);
  }
  for (const part of ["echo", "http"] as const) {
    if (groups.some((g) => g.part === part)) notes.push(`${part}: ${systems.map((s) => `${s.name} = ${PROGRAMS[part][s.name]}`).join("; ")}`);
  }

  const loadAtStart = loadavg()[0]!;
  if (options.lab) notes.unshift(labAbout());
  // Which commit a saved result measured, to tell later whether it is stale: a run of a lab is never saved.
  const measured = options.lab ? null : measuredAt(repoDir, ["solutions/02-hub", "solutions/03-cancellation", "solutions/04-primitives", "solutions/05-green-sockets", "solutions/07-http", "bench/io"]);
  if (measured) notes.push(measured);
  const tasks = new LabTasks();

  const samples = new Map<string, Figures[]>();
  const started = Date.now();
  const total = reps * groups.length * systems.length;
  let done = 0;
  let failures = 0;
  const steal = new StealTally(!options.quick);
  console.error(`bench io: ${groups.length} connection counts × ${systems.length} systems × ${reps} reps, ${seconds} s each`);
  for (let rep = 0; rep < reps; rep++) {
    for (const { part, conns } of groups) {
      for (let k = 0; k < systems.length; k++) {
        const s = systems[(k + rep) % systems.length]!;
        done++;
        process.stderr.write(`  [${done}/${total}] rep ${rep + 1} ${part} ${conns} conns, ${s.name} … `);
        try {
          // A run during which the host took much of the machine measured its neighbours: taken again.
          const m = await steal.measure(
            () => measure(s, part, conns, seconds),
            (t) => process.stderr.write(`${Math.round(t.rps!)}/s, ${stealText(t.steal)}: again … `),
          );
          const key = `${part}\u0000${conns}\u0000${s.name}`;
          samples.set(key, [...(samples.get(key) ?? []), m]);
          const latency = part === "http" ? `, p50 ${m.p50} ms, p99 ${m.p99} ms` : "";
          process.stderr.write(`${Math.round(m.rps!)}/s${latency}, ${m.cpu!.toFixed(1)} µs CPU each (${m.user!.toFixed(1)} user, ${m.kernel!.toFixed(1)} kernel), ${stealText(m.steal)}${m.errors ? `, ${m.errors}` : ""}\n`);
          if (m.errors) notes.push(`rep ${rep + 1}, ${part} ${conns} conns, ${s.name}: ${m.errors}`);
        } catch (e) {
          failures++;
          if (s === LAB) tasks.note(e, s.name, `${part} at ${conns} conns`);
          const msg = `rep ${rep + 1}, ${part} ${conns} conns, ${s.name} failed: ${(e as Error).message}`;
          notes.push(msg);
          process.stderr.write(`failed\n  ${msg}\n`);
        }
      }
    }
  }

  const stealSummary = steal.note();
  if (stealSummary) notes.push(stealSummary);
  const cases: Case[] = [];
  const rows: Row[] = [];
  for (const part of ["echo", "http"] as const) {
    for (const f of FIGURES[part]) {
      for (const conns of CONNS[part]) {
        if (!groups.some((g) => g.part === part && g.conns === conns)) continue;
        const c = caseOf(part, f, conns);
        cases.push(c);
        for (const s of systems) {
          const xs = (samples.get(`${part}\u0000${conns}\u0000${s.name}`) ?? []).map((m) => m[f.id as Figure]!).filter((x) => Number.isFinite(x));
          if (!xs.length) continue;
          rows.push({ case: c.name, system: s.name, unit: c.unit, better: c.better, ...spread(xs) });
        }
      }
    }
  }
  const base: Suite = { name: "io", title: TITLE, cases, systems: [], subject: SUBJECT, aims: (r) => aims(r, groups) };
  const suite = options.lab ? labSuite(base, [LAB.name]) : base;
  const wrkVersion = wrkVersionOf(wrkBanner() ?? "");
  const versions: Record<string, string> = {};
  if (wrkVersion) versions.wrk = wrkVersion;
  for (const s of systems) {
    const v = s.version?.();
    if (v) versions[s.name] = v;
  }
  // A run with failed measurements is not saved: it would replace the last complete results with a partial one.
  const why = failures ? `${failures} measurement(s) failed` : options["no-save"] ? "--no-save" : options.lab ? "a run of your lab" : "a partial or quick run";
  finish(suite, { reps, rows, notes, versions, loadAtStart, started, repoDir, notSaved: save && failures === 0 ? null : why });
  return tasks.finish(failures);
}

/**
 * The suite's aims, judged on this run's medians; each names the figure that decides it. The echo aims are judged on
 * the server's CPU per round trip, not on round trips/s: one Node client on the same two cores sets the pace of round
 * trips (our server sat idle a quarter of the time under the profiler), so throughput cannot tell the servers apart.
 * wrk, in C, keeps the HTTP servers busy, so the HTTP aims are judged on requests/s.
 */
export function aims(rows: readonly Row[], groups: readonly { part: Part; conns: number }[]): Aim[] {
  const get = (part: Part, fig: Figure, conns: number, system: string): Row | undefined => {
    const figure = (FIGURES[part] as readonly (typeof FIGURES)[Part][number][]).find((f) => f.id === fig)!;
    const name = caseOf(part, figure, conns).name;
    return rows.find((r) => r.case === name && r.system === system);
  };
  const out: Aim[] = [];
  /** Judges hub ÷ `peer` on figure `fig` at every connection count of `part`; `also` goes in the detail for context. */
  const judge = (aim: string, part: Part, fig: Figure, peer: string, ok: (ratio: number) => boolean, also: Figure, at?: number): void => {
    const parts: string[] = [];
    let met = true;
    let whole = true;
    for (const { conns } of groups.filter((g) => g.part === part && (at === undefined || g.conns === at))) {
      const a = get(part, fig, conns, SUBJECT);
      const b = get(part, fig, conns, peer);
      if (!a || !b) {
        met = false;
        whole = false;
        parts.push(`${conns} conns: not measured`);
        continue;
      }
      const r = pairedRatio(a, b); // rep by rep: each rep's two figures were taken in the same round
      met &&= ok(r);
      const ca = get(part, also, conns, SUBJECT);
      const cb = get(part, also, conns, peer);
      const context = ca && cb ? ` (${also === "cpu" ? "CPU" : "throughput"}: ${fmt(ca.value)} vs ${fmt(cb.value)} ${ca.unit}, ${round(pairedRatio(ca, cb), 2)}×)` : "";
      parts.push(`${conns} conns: ${fmt(a.value)} vs ${fmt(b.value)} ${a.unit}, ${pairedRatioText(a, b)}${context}`);
    }
    if (parts.length) out.push({ aim, met, detail: parts.join("; "), ...(whole ? {} : { measured: false as const }) });
  };
  judge("echo: server CPU per round trip within 1.1× of plain Node's (hub ÷ node ≤ 1.1 at every count)", "echo", "cpu", "node", (r) => r <= 1.1, "rps");
  judge("echo: server CPU per round trip below eventlet's (hub ÷ eventlet < 1 at every count)", "echo", "cpu", "eventlet", (r) => r < 1, "rps");
  judge("HTTP: requests/s ahead of eventlet.wsgi (hub ÷ eventlet > 1 at every count)", "http", "rps", "eventlet", (r) => r > 1, "cpu");
  judge("HTTP: requests/s at least 0.8× node:http's (hub ÷ node ≥ 0.8 at every count)", "http", "rps", "node", (r) => r >= 0.8, "cpu");
  judge("HTTP: server CPU per request within 1.25× of node:http's (hub ÷ node ≤ 1.25 at every count)", "http", "cpu", "node", (r) => r <= 1.25, "rps");
  judge("HTTP: p99 latency at 256 connections within 2× of node:http's (hub ÷ node ≤ 2)", "http", "p99", "node", (r) => r <= 2, "rps", 256);
  return out;
}

/** `--profile`: our servers under V8's profiler for one measured run each (echo at 500, HTTP at 256 connections). */
async function profile(options: DriverOptions): Promise<number> {
  const { topSelfTime } = await import("../lib/profile");
  const hub = options.lab ? LAB : SYSTEMS.find((s) => s.name === SUBJECT)!;
  const seconds = options.quick ? 2 : 5;
  const profiled = ([["echo", 500], ["http", 256]] as const).filter(([part, conns]) => !options.only || `${part}-${conns}`.includes(options.only));
  checkSelected(options.only, profiled.length, `the profiled runs are "echo-500" and "http-256"`);
  for (const [part, conns] of profiled) {
    const dir = resolve(repoDir, "bench", "out", "profiles");
    mkdirSync(dir, { recursive: true });
    const file = join(dir, `io-${part}-${conns}.cpuprofile`);
    rmSync(file, { force: true });
    const m = await measure(hub, part, conns, seconds, file);
    await sleep(200);
    console.log(`\n${hub.name} ${part} at ${conns} conns: ${Math.round(m.rps!)}/s under the profiler; self time of the measured run:`);
    if (existsSync(file)) for (const line of topSelfTime(file, 25)) console.log(`  ${line}`);
    else console.log("  (no profile written)");
  }
  return 0;
}

