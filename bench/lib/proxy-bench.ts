// The engine of the proxy suites (chapter 08's lb, chapter 11's l7, chapter 13's obs): proxies side by side under wrk,
// on loopback.
//
// For every rep, backend kind, connection count and system (reps interleaved, the order of systems rotated each
// rep): start the proxy fresh, warm it up for 1 s, wait until the warm-up is gone, read the CPU time and memory of the
// proxy's process tree from /proc, run `wrk -t1 -cN -d5s --timeout 5s --latency` through it while watching its accept
// queue (how many of the N clients it had accepted by the end of the run), read them again, stop it. The backends
// run for the whole suite; a system without a program ("direct") points wrk straight at one backend, which shows
// they are not the bottleneck. A suite is a spec: its systems, backends, counts and aims.
import type { ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { acceptQueue, countConnections, ss, watchWrkRun } from "./accept-queue";
import { finish, fmt, measuredAt, round, spread } from "./report";
import { pairedRatio, pairedRatioText } from "../../tools/lib/bench-tables";
import type { Aim, Case, Row, Suite } from "./suite";
import { cpuPer, cpuTimes, listening, memKiB, repoDir, sleep, start, stop } from "./proc";
import { machineTime, StealTally, stealText, stolen } from "./steal";
import { checkSelected, type DriverOptions, quoted, UsageError, wantedSystems, wholeNumber } from "./usage";
import { wrk, wrkBanner, WRK_INSTALL, wrkVersionOf } from "./wrk";
import { NODE_FLAGS } from "../../solutions/14-capstone/node-flags";


/** Something that runs beside the proxy during the measured run only (obs: a scraper); `stop` says what went wrong. */
export interface Alongside {
  stop(): Promise<string | null>;
}

/**
 * The line our harness programs and the Node peers print once they are ready (see `ProxySystem.readyLine`): one on
 * several descriptors listens before it has its copies of the descriptor, made by a short-lived child process, and
 * the memory it starts with is read once that child is gone.
 */
export const READY_LINE = /^ready$/m;

/**
 * The command line of a Node program run as `npm run lb` runs the balancer: with chapter 14's Node flags
 * (solutions/14-capstone/node-flags.ts, a larger young generation). The l7, obs and workers suites start our proxies
 * and the Node peers beside them this way, so every Node program of a comparison has the same runtime settings; the
 * lb suite measures chapter 08's proxy and its Node floor with V8's defaults. `argv` is what follows tsx's import: the
 * script and its arguments, after any module to load before the script (`"--import", PROFILE_HOOK`).
 */
export const balancerNode = (...argv: string[]): string[] => [process.execPath, ...NODE_FLAGS, "--import", "tsx", ...argv];

/** The profiler's hook (profile-hook.ts) as a preload, for a program whose script cannot import it first (the CLI). */
export const PROFILE_HOOK = "./bench/lib/profile-hook.ts";

/** A system's `missing()` for a harness program that runs these course files: which of them are not written yet. */
export const needs = (...files: string[]) => (): string | null => {
  const absent = files.filter((f) => !existsSync(resolve(repoDir, f)));
  return absent.length ? `${absent.join(", ")} not written yet` : null;
};

/**
 * The versions a result records: wrk's, from the first line `wrk -v` prints ("wrk 4.1.0 [epoll] Copyright…"), and
 * each system's that says one, every version once: HAProxy's two configurations are one HAProxy.
 */
export function toolVersions(wrkBanner: string, systems: readonly Pick<ProxySystem, "name" | "version">[]): Record<string, string> {
  const versions: Record<string, string> = { wrk: wrkVersionOf(wrkBanner) || "wrk" };
  for (const s of systems) {
    const v = s.version?.();
    if (v && !Object.values(versions).includes(v)) versions[s.name] = v;
  }
  return versions;
}

/** One proxy (or none) to put between wrk and the backends. */
export interface ProxySystem {
  readonly name: string;
  /** Why it cannot run here, with the install command; null when it can. */
  missing(): string | null;
  /** The command line, given a scratch directory for its config and the backends' ports; `null` for "no proxy". */
  argv(dir: string, backends: readonly number[]): string[] | null;
  version?(): string | undefined;
  /** `--profile` runs it under V8's profiler: a Node program that imports bench/lib/profile-hook.ts first. */
  readonly profiled?: boolean;
  /** The ids of the backend kinds it is measured with; all of them when absent. */
  readonly backends?: readonly string[];
  /** Started when the measured run starts, stopped when it ends (not during the warm-up). */
  alongside?(): Alongside;
  /**
   * A line its output prints once it is ready, when the port accepting is not enough (a cluster accepts as soon as
   * its first worker listens; the warm-up must find them all). @default none: the port accepting is enough
   */
  readonly readyLine?: RegExp;
}

/** The backends the proxies forward to, running for the whole suite. */
export interface BackendKind {
  /** For `--only`, `--backends` and case ids ("node"). */
  readonly id: string;
  /** Appended to every case name (", node:http backends"); may be empty for the first kind (lb's fixed backends). */
  readonly suffix: string;
  readonly ports: readonly number[];
  /**
   * The command line of its process, serving every port; or the command lines of several, process i serving port i
   * (the last one the rest).
   */
  readonly argv: readonly string[] | readonly (readonly string[])[];
  /** What it is, for the results' notes. */
  readonly about?: string;
}

/** What the aims are judged with: the run's medians and how to find one. */
export interface AimContext {
  readonly rows: readonly Row[];
  readonly conns: readonly number[];
  readonly backends: readonly BackendKind[];
  /** The median of `figure` at `conns` on `backend` for `system`. */
  get(figure: Figure, conns: number, backend: BackendKind, system: string): Row | undefined;
}

export interface ProxySuite {
  readonly name: string;
  readonly title: string;
  /** The system whose ratios to every other are reported. */
  readonly subject: string;
  /** Where the proxy under test listens (127.0.0.1). */
  readonly listen: number;
  readonly conns: readonly number[];
  readonly backends: readonly BackendKind[];
  readonly systems: readonly ProxySystem[];
  /**
   * True when the proxies keep idle connections to the backends (L7 pools): the wait after the warm-up then looks
   * at the client side only, since a pooled backend connection stays open by design.
   */
  readonly pooled: boolean;
  /** Paths of the code measured, so a run can say whether they had uncommitted changes. */
  readonly sources: readonly string[];
  /** The connection count `--profile` uses. */
  readonly profileConns: number;
  /** Measurements per system, count and backend kind when `--reps` is not given. @default 3 */
  readonly defaultReps?: number;
  /** Seconds of the measured wrk run (5 unless a suite needs more reps in the same time). */
  readonly seconds?: number;
  /** What a reader of the results must know about the set-up, copied into every run's notes. @default none */
  readonly notes?: readonly string[];
  aims(ctx: AimContext): Aim[];
  /** Groups of a profile's self time ("the hub", "socket writes"), printed after the top functions by `--profile`. */
  readonly profileGroups?: (functionName: string, url: string) => string;
}

export const FIGURES = [
  { id: "rps", label: "requests/s", unit: "req/s", quantity: "throughput", better: "higher" },
  { id: "p50", label: "p50 latency", unit: "ms", quantity: "latency", better: "lower" },
  { id: "p99", label: "p99 latency", unit: "ms", quantity: "latency", better: "lower" },
  { id: "cpu", label: "CPU per request", unit: "µs/req", quantity: "CPU", better: "lower" },
  // The same CPU in two parts, so that a gap to a peer is placed: in the program's own code, or in the kernel.
  { id: "user", label: "user-space CPU per request", unit: "µs/req", quantity: "CPU", better: "lower" },
  { id: "kernel", label: "kernel CPU per request", unit: "µs/req", quantity: "CPU", better: "lower" },
  { id: "mem", label: "memory per connection", unit: "KiB/conn", quantity: "memory", better: "lower" },
  // wrk counts only the requests that complete: a client the proxy never accepted is in none of the figures above,
  // which then describe the clients it did accept (bench/lb/README.md, "most clients are never accepted"). Counted
  // as the connections open at the end, so a proxy that closes each client's connection after one response (wrk
  // then opens another) shows only the few open at that moment.
  { id: "accepted", label: "clients accepted", unit: "conns", quantity: "clients", better: "higher" },
] as const;
export type Figure = (typeof FIGURES)[number]["id"];

export function caseOf(figure: Figure, conns: number, backend: Pick<BackendKind, "id" | "suffix">): Case {
  const f = FIGURES.find((x) => x.id === figure)!;
  return {
    id: `${f.id}-${conns}${backend.id ? `-${backend.id}` : ""}`,
    name: `${f.label} @ ${conns.toLocaleString("en-US")} conns${backend.suffix}`,
    unit: f.unit,
    quantity: f.quantity,
    better: f.better,
    n: conns,
  };
}

/**
 * Throws when something already listens on 127.0.0.1:`port`: on a machine shared with other work, another program
 * on the port would be measured in place of the proxy, which then fails to listen and exits.
 */
async function free(port: number): Promise<void> {
  for (let i = 0; i < 30; i++) {
    if ((await acceptQueue(port)) === null) return;
    await sleep(100); // the previous measurement's proxy may still be closing its listener
  }
  const who = (await ss(["-l", "-p", `sport = :${port}`])).trim();
  throw new Error(`127.0.0.1:${port} is in use by another program (${who || "unknown"}); stop it or move the suite's ports`);
}

/**
 * Waits (10 s at most) until the proxy has accepted everything in its listen queue and closed the warm-up's client
 * connections (and, for an L4 proxy, its connections to the backends): a proxy still working through the warm-up's
 * 5,000 closed connections would start the measured run with a backlog of dead clients, and a slower proxy would be
 * punished twice for the same warm-up.
 */
export async function settle(port: number, backends: readonly number[], pooled: boolean): Promise<void> {
  const toBackends = backends.map((p) => `dport = :${p}`).join(" or ");
  const direct = backends.includes(port);
  for (let i = 0; i < 100; i++) {
    const queued = (await acceptQueue(port)) ?? 0;
    const clients = await countConnections(["state", "established", "state", "close-wait", `( sport = :${port} )`]);
    const open = pooled || direct ? 0 : await countConnections(["state", "established", `( ${toBackends} )`]);
    if (queued === 0 && clients <= 2 && open <= 2) return;
    await sleep(100);
  }
}

/** The figures, what went wrong beside them, and the share of the machine the hypervisor stole during the run. */
type Measurement = Record<Figure, number> & { errors: string; steal: number };

/** One measurement: a fresh proxy, 1 s of warm-up, the measured wrk run; `profileFile` for --profile. */
async function measure(suite: ProxySuite, system: ProxySystem, backend: BackendKind, conns: number, seconds: number, profileFile?: string): Promise<Measurement> {
  const dir = mkdtempSync(join(tmpdir(), `${suite.name}-bench-`));
  const argv = system.argv(dir, backend.ports);
  if (argv) await free(suite.listen);
  const proc = argv ? start(argv, profileFile ? { BENCH_PROFILE: profileFile, BENCH_PROFILE_MICROS: "500" } : {}) : null;
  let stderr = "";
  let stdout = "";
  proc?.stderr!.on("data", (d: Buffer) => (stderr += d));
  proc?.stdout!.on("data", (d: Buffer) => (stdout += d));
  const port = argv ? suite.listen : backend.ports[0]!;
  try {
    // A system with a ready line may take longer to start (a cluster compiles its program once per process).
    for (let i = 0; system.readyLine && !system.readyLine.test(stdout); i++) {
      if (proc!.exitCode !== null || i === 600) {
        throw new Error(`${proc!.exitCode !== null ? `exited with code ${proc!.exitCode}` : "not ready after 30 s"}: ${`${stdout}${stderr}`.trim().split("\n").slice(-3).join(" | ")}`);
      }
      await sleep(50);
    }
    await listening(port, proc).catch((e: Error) => {
      throw new Error(`${e.message}: ${stderr.trim().split("\n").slice(-3).join(" | ")}`);
    });
    const idle = proc ? memKiB(proc.pid!, "VmRSS") : 0;
    // Warm-up: connections made, pools filled, JIT warm. On a busy machine wrk may not get its 5,000 connections
    // answered within the second: not a failure of the system, the measured run is what decides.
    await wrk(conns, 1, port).catch(() => undefined);
    await settle(port, backend.ports, suite.pooled);
    if (profileFile && proc) process.kill(proc.pid!, "SIGUSR2");
    const beside = system.alongside?.();
    const cpu0 = proc ? cpuTimes(proc.pid!) : null;
    const machine0 = machineTime();
    const queue = watchWrkRun(port, seconds);
    let r: Awaited<ReturnType<typeof wrk>>;
    let besideErrors: string | null = null;
    let accepted = NaN;
    try {
      r = await wrk(conns, seconds, port);
    } finally {
      besideErrors = beside ? await beside.stop() : null;
      accepted = await queue.stop().then((q) => q.accepted, () => NaN);
    }
    const cpu1 = proc ? cpuTimes(proc.pid!) : null;
    const steal = stolen(machine0, machineTime());
    const hwm = proc ? memKiB(proc.pid!, "VmHWM") : 0;
    // A proxy that died during the run leaves wrk measuring nothing, or whatever took its port: not a figure.
    if (proc && (proc.exitCode !== null || proc.signalCode !== null)) {
      throw new Error(`the proxy exited during the run (${proc.exitCode ?? proc.signalCode}): ${stderr.trim().split("\n").slice(-3).join(" | ")}`);
    }
    return {
      rps: r.rps,
      p50: r.p50,
      p99: r.p99,
      ...(cpu0 && cpu1 ? cpuPer(cpu0, cpu1, r.requests) : { cpu: NaN, user: NaN, kernel: NaN }),
      // Divided by the clients it held, not those wrk opened: a proxy that left half of them queued holds half.
      mem: proc && accepted > 0 ? (hwm - idle) / accepted : NaN,
      accepted,
      errors: [r.errors, besideErrors].filter(Boolean).join("; "),
      steal,
    };
  } finally {
    // SIGINT lets a profiled proxy write its profile before it exits (bench/lib/profile-hook.ts).
    if (proc) await stop(proc, profileFile ? "SIGINT" : "SIGTERM");
    rmSync(dir, { recursive: true, force: true });
  }
}

const startBackends = async (kinds: readonly BackendKind[]) => {
  const procs: ChildProcess[] = [];
  try {
    for (const b of kinds) {
      const commands = typeof b.argv[0] === "string" ? [b.argv as readonly string[]] : (b.argv as readonly (readonly string[])[]);
      for (const p of b.ports) await free(p);
      const mine = commands.map((argv) => start(argv));
      procs.push(...mine);
      for (const [i, p] of b.ports.entries()) await listening(p, mine[Math.min(i, mine.length - 1)]!);
    }
  } catch (e) {
    for (const p of procs) await stop(p);
    throw e;
  }
  return procs;
};

/** `--only`: a connection count ("1000") or a backend kind ("node"). */
const selected = (only: string | undefined, conns: number, backend: BackendKind): boolean =>
  !only || String(conns) === only || (backend.id !== "" && backend.id === only);

/** The backend kinds `--backends` names (all without it); throws on a name the suite does not have. */
function backendKinds(suite: ProxySuite, wanted: string | undefined): BackendKind[] {
  if (wanted === undefined) return [...suite.backends];
  const ids = wanted.split(",").map((s) => s.trim());
  const unknown = ids.filter((id) => !suite.backends.some((b) => b.id === id));
  if (unknown.length) throw new UsageError(`--backends: no kind of backend named ${quoted(unknown)}; this suite's kinds are ${quoted(suite.backends.map((b) => b.id))} (comma-separated)`);
  return suite.backends.filter((b) => ids.includes(b.id));
}

/** What `--only` matches in `suite`, for the error when it matched nothing. */
function onlyTakes(suite: ProxySuite, options: DriverOptions, counts = `one connection count (${quoted(suite.conns)})`): string {
  const ids = backendKinds(suite, options.backends).map((b) => b.id).filter((id) => id !== "");
  const kinds = `one kind of backend${options.backends ? " among those --backends keeps" : ""} (${quoted(ids)})`;
  return `it takes ${ids.length ? `${counts} or ${kinds}` : counts}`;
}

/** The systems measured with `backend`: those that name no kinds, and those that name it. */
const measuredWith = (systems: readonly ProxySystem[], backend: BackendKind): ProxySystem[] =>
  systems.filter((s) => !s.backends || s.backends.includes(backend.id));

// ---------------------------------------------------------------------------------------------------------------
// the run

/** True when wrk runs here; otherwise says how to install it. */
function haveWrk(): boolean {
  if (wrkBanner() !== null) return true;
  console.error(`wrk is not installed: ${WRK_INSTALL}`);
  return false;
}

export async function runProxyBench(suite: ProxySuite, options: DriverOptions): Promise<number> {
  if (options.profile) return profile(suite, options);
  // A mistake in the options is told before anything else is needed.
  const reps = options.quick ? 1 : wholeNumber("--reps", options.reps ?? String(suite.defaultReps ?? 3));
  const seconds = options.quick ? 2 : (suite.seconds ?? 5);
  const kinds = backendKinds(suite, options.backends).filter((b) => suite.conns.some((n) => selected(options.only, n, b)));
  const conns = suite.conns.filter((n) => kinds.some((b) => selected(options.only, n, b)));
  checkSelected(options.only, conns.length, onlyTakes(suite, options));
  const wanted = wantedSystems(options.systems, suite.systems.map((s) => s.name));
  if (!haveWrk()) return 2;
  const partial = options.quick || options.only !== undefined || options.systems !== undefined || options.backends !== undefined || reps < 3;
  const save = !options["no-save"] && !partial;
  const notes: string[] = [];
  const systems: ProxySystem[] = [];
  for (const s of suite.systems) {
    if (wanted && !wanted.includes(s.name)) continue;
    const why = s.missing();
    if (why) {
      notes.push(`${s.name} skipped: ${why}`);
      console.error(`note: ${s.name} skipped: ${why}`);
    } else systems.push(s);
  }

  for (const b of kinds) {
    if (b.about) notes.push(`${b.id} backends: ${b.about}; measured behind ${measuredWith(systems, b).map((s) => s.name).join(", ")}`);
  }
  const loadAtStart = loadavg()[0]!;
  const measured = measuredAt(repoDir, suite.sources);
  notes.push(...(suite.notes ?? []));
  if (measured) notes.push(measured);
  const samples = new Map<string, Measurement[]>();
  const key = (s: ProxySystem, n: number, b: BackendKind): string => `${s.name}\u0000${n}\u0000${b.id}`;
  const started = Date.now();
  const steal = new StealTally(!options.quick);
  const backends = await startBackends(kinds);
  try {
    const total = reps * conns.length * kinds.reduce((sum, b) => sum + measuredWith(systems, b).length, 0);
    let done = 0;
    console.error(`bench ${suite.name}: ${conns.length} connection counts × ${kinds.map((b) => `${measuredWith(systems, b).length} systems (${b.id} backends)`).join(" + ")} × ${reps} reps, ${seconds} s each`);
    for (let rep = 0; rep < reps; rep++) {
      for (const b of kinds) {
        const list = measuredWith(systems, b);
        for (const n of conns) {
          for (let k = 0; k < list.length; k++) {
            const s = list[(k + rep) % list.length]!;
            done++;
            const what = `rep ${rep + 1}, ${n} conns${b.suffix}, ${s.name}`;
            process.stderr.write(`  [${done}/${total}] ${what} … `);
            try {
              // A run during which the host took much of the machine measured its neighbours: taken again.
              const m = await steal.measure(
                () => measure(suite, s, b, n, seconds),
                (t) => process.stderr.write(`${Math.round(t.rps)} req/s, ${stealText(t.steal)}: again … `),
              );
              samples.set(key(s, n, b), [...(samples.get(key(s, n, b)) ?? []), m]);
              const unserved = m.accepted < n ? `, only ${fmt(m.accepted)} of ${fmt(n)} clients accepted` : "";
              process.stderr.write(`${Math.round(m.rps)} req/s, p99 ${m.p99} ms, ${m.cpu.toFixed(1)} µs/req (${m.user.toFixed(1)} user, ${m.kernel.toFixed(1)} kernel)${unserved}, ${stealText(m.steal)}${m.errors ? `, ${m.errors}` : ""}\n`);
              if (m.errors) notes.push(`${what}: ${m.errors}`);
            } catch (e) {
              const msg = `${what} failed: ${(e as Error).message}`;
              notes.push(msg);
              process.stderr.write(`failed\n  ${msg}\n`);
            }
          }
        }
      }
    }
  } finally {
    for (const p of backends) await stop(p);
  }

  const stealSummary = steal.note();
  if (stealSummary) notes.push(stealSummary);
  const cases: Case[] = [];
  const rows: Row[] = [];
  for (const b of kinds) {
    for (const f of FIGURES) {
      for (const n of conns) {
        const c = caseOf(f.id, n, b);
        cases.push(c);
        for (const s of measuredWith(systems, b)) {
          const xs = (samples.get(key(s, n, b)) ?? []).map((m) => m[f.id]).filter((x) => Number.isFinite(x));
          if (!xs.length) continue;
          rows.push({ case: c.name, system: s.name, unit: c.unit, better: c.better, ...spread(xs) });
        }
      }
    }
  }
  const get = (figure: Figure, n: number, b: BackendKind, system: string): Row | undefined =>
    rows.find((r) => r.case === caseOf(figure, n, b).name && r.system === system);
  const result: Suite = {
    name: suite.name, title: suite.title, cases, systems: [], subject: suite.subject,
    aims: (r) => suite.aims({ rows: r, conns, backends: kinds, get }),
  };
  const versions = toolVersions(wrkBanner() ?? "", systems);
  // A system with no measurement left at some count would make a partial table: such a run is not saved.
  const empty = kinds.flatMap((b) => measuredWith(systems, b).flatMap((s) => conns.filter((n) => !samples.get(key(s, n, b))?.length).map((n) => `${s.name} at ${n}${b.suffix}`)));
  const why = empty.length ? `no measurement of ${empty.join(", ")}` : options["no-save"] ? "--no-save" : "a partial or quick run";
  finish(result, { reps, rows, notes, versions, loadAtStart, started, repoDir, notSaved: save && !empty.length ? null : why });
  return empty.length ? 1 : 0;
}

/**
 * An aim on the subject ÷ `peer` at every count (or the counts `at`) and backend kind, named by the figure that
 * decides it; `also` goes in the detail for context ("64 conns: 11,130 vs 17,810 req/s = 0.62× (CPU: 49.2 vs 28.3
 * µs/req, 1.74×)"). `ok` is given the ratio and the connection count.
 */
export function judge(
  ctx: AimContext, subject: string, aim: string, figure: Figure, peer: string, ok: (ratio: number, conns: number) => boolean,
  also?: Figure, at?: readonly number[],
): Aim {
  const parts: string[] = [];
  let met = true;
  const counts = ctx.conns.filter((c) => !at || at.includes(c));
  if (!counts.length) return { aim, met: false, detail: `not measured in this run (no run at ${(at ?? ctx.conns).join(" or ") || "any count of"} connections)` };
  for (const b of ctx.backends) {
    for (const n of counts) {
      const where = `${n} conns${b.suffix}`;
      const a = ctx.get(figure, n, b, subject);
      const p = ctx.get(figure, n, b, peer);
      if (!a || !p) {
        met = false;
        parts.push(`${where}: not measured`);
        continue;
      }
      if (p.value === 0) {
        // The peer answered nothing in the run: no ratio, and the aim stands or falls by whether we answered.
        met &&= a.value > 0 && ok(Infinity, n);
        parts.push(`${where}: ${fmt(a.value)} vs 0 ${a.unit} (${peer} answered no request)`);
        continue;
      }
      const r = pairedRatio(a, p); // rep by rep: each rep's two figures were taken in the same round
      // Figures over fewer clients than the peer's (or more) do not judge the aim: not met, whatever the ratio.
      const short = figure === "accepted" ? "" : unserved(ctx, n, b, [subject, peer]);
      met &&= ok(r, n) && !short;
      if (!also) {
        parts.push(`${where}: ${round(r, 2)}×${short}`);
        continue;
      }
      const ca = ctx.get(also, n, b, subject);
      const cp = ctx.get(also, n, b, peer);
      const label = FIGURES.find((f) => f.id === also)!.label;
      const context = ca && cp ? ` (${label}: ${fmt(ca.value)} vs ${fmt(cp.value)} ${ca.unit}, ${round(pairedRatio(ca, cp), 2)}×)` : "";
      parts.push(`${where}: ${fmt(a.value)} vs ${fmt(p.value)} ${a.unit}, ${pairedRatioText(a, p)}${context}${short}`);
    }
  }
  return { aim, met, detail: parts.join(also ? "; " : ", ") };
}

/**
 * " (hub (splice) accepted 2,411 of 5,000 clients: not like for like, so not met)" when any of `systems` left clients
 * unaccepted at `n` (medians): its figures then describe fewer clients than its peer's, and a ratio between them
 * judges nothing.
 */
function unserved(ctx: AimContext, n: number, b: BackendKind, systems: readonly string[]): string {
  const short = systems.flatMap((s) => {
    const a = ctx.get("accepted", n, b, s);
    return a && a.value < n ? [`${s} accepted ${fmt(a.value)} of ${fmt(n)} clients`] : [];
  });
  return short.length ? ` (${short.join(", ")}: not like for like, so not met)` : "";
}

/**
 * The aim that the subject accepted every client wrk opened, at every count and backend kind (the median of the reps,
 * with their range when some fell short): without it the other figures describe only the clients it accepted.
 */
export function everyClientAccepted(ctx: AimContext, subject: string): Aim {
  const parts: string[] = [];
  let met = true;
  for (const b of ctx.backends) {
    for (const n of ctx.conns) {
      const a = ctx.get("accepted", n, b, subject);
      met &&= a !== undefined && a.value >= n;
      const range = a && a.min < n ? ` (${fmt(a.min)}–${fmt(a.max)})` : "";
      parts.push(`${n} conns${b.suffix}: ${a ? `${fmt(a.value)} of ${fmt(n)}${range}` : "not measured"}`);
    }
  }
  return { aim: "every client accepted during the measured run, at every connection count", met, detail: parts.join(", ") };
}

/**
 * `--profile`: each profiled system under V8's profiler for one measured run at `profileConns`, on each backend kind;
 * prints where the time goes and, unless `--quick` or `--no-save`, writes the shares of the samples by part and by
 * function to bench/results/<suite>-profile.json, so the prose that quotes them quotes a committed file.
 */
async function profile(suite: ProxySuite, options: DriverOptions): Promise<number> {
  const { topSelfTime, selfTimeGroups, profileSummary, profilePart } = await import("./profile");
  const group = suite.profileGroups ?? profilePart;
  const seconds = options.quick ? 2 : (suite.seconds ?? 5);
  const conns = options.only && /^\d+$/.test(options.only) ? Number(options.only) : suite.profileConns;
  const kinds = backendKinds(suite, options.backends).filter((b) => !options.only || /^\d+$/.test(options.only) || b.id === options.only);
  // Any count can be profiled, not only the suite's: here --only is a count or a kind of backend.
  checkSelected(options.only, kinds.length, onlyTakes(suite, options, "a connection count"));
  const wanted = wantedSystems(options.systems, suite.systems.map((s) => s.name));
  if (!haveWrk()) return 2;
  const systems = suite.systems.filter((s) => s.profiled && (!wanted || wanted.includes(s.name)) && !s.missing());
  if (!systems.length) console.error(`nothing to profile: no profiled system of ${suite.name} can run here`);
  const loadAtStart = loadavg()[0]!;
  const started = Date.now();
  const notes: string[] = [];
  const measured = measuredAt(repoDir, suite.sources);
  if (measured) notes.push(measured);
  notes.push(
    `one measured run of ${seconds} s per system at ${conns.toLocaleString("en-US")} connections with ${kinds.map((b) => `${b.id} backends`).join(" and ")}, under V8's sampling profiler (500 µs), after the usual warm-up; ` +
      "every figure is a share of that run's samples (self time), which carries over between machines and loads better than absolute times do",
  );
  const rows: Row[] = [];
  const cases: Case[] = [];
  const addRow = (name: string, system: string, value: number): void => {
    if (!cases.some((c) => c.name === name)) cases.push({ id: name, name, unit: "% of samples", quantity: "share", better: "lower", n: conns });
    rows.push({ case: name, system, value, unit: "% of samples", min: value, max: value, better: "lower" });
  };
  const backends = await startBackends(kinds);
  try {
    for (const b of kinds) {
      for (const s of measuredWith(systems, b)) {
        const dir = resolve(repoDir, "bench", "out", "profiles");
        mkdirSync(dir, { recursive: true });
        const file = join(dir, `${suite.name}-${s.name.replace(/\W+/g, "-")}-${conns}${b.id ? `-${b.id}` : ""}.cpuprofile`);
        rmSync(file, { force: true });
        const m = await measure(suite, s, b, conns, seconds, file);
        const about = `${s.name} at ${conns.toLocaleString("en-US")} conns${b.suffix}: ${Math.round(m.rps).toLocaleString("en-US")} req/s, ${m.cpu.toFixed(1)} µs/req under the profiler`;
        console.log(`\n${about}; self time of the measured run:`);
        if (!existsSync(file)) {
          console.log("  (no profile written)");
          notes.push(`${about}: no profile written`);
          continue;
        }
        for (const line of topSelfTime(file, 25)) console.log(`  ${line}`);
        console.log("  by part:");
        for (const line of selfTimeGroups(file, group)) console.log(`  ${line}`);
        console.log(`  (profile: ${file.slice(repoDir.length + 1)})`);
        const summary = profileSummary(file, group);
        notes.push(`${about}, ${summary.samples.toLocaleString("en-US")} samples`);
        const where = kinds.length > 1 ? b.suffix : "";
        for (const p of summary.parts) addRow(`part: ${p.part}${where}`, s.name, p.percent);
        for (const f of summary.functions) addRow(`function: ${f.name}${f.file ? ` (${f.file})` : ""}${where}`, s.name, f.percent);
      }
    }
  } finally {
    for (const p of backends) await stop(p);
  }
  if (!rows.length) return 1;
  const result: Suite = {
    name: `${suite.name}-profile`,
    title: `${suite.name}: where our proxy's time goes (CPU profile)`,
    cases, systems: [], subject: systems[0]!.name, aims: () => [],
  };
  // --backends and --only choose what is profiled and are named in the notes; --systems leaves systems out.
  const why = options.quick ? "a quick run" : options["no-save"] ? "--no-save" : options.systems ? "a partial run (--systems)" : null;
  finish(result, { reps: 1, rows, notes, versions: {}, loadAtStart, started, repoDir, notSaved: why });
  return 0;
}
