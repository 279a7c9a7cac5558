// The lb suite's driver (chapter 08; chapters 09–14 reuse it): L4 proxies side by side under wrk, on loopback.
//
// For every rep, kind of backend, connection count and system (reps interleaved, systems rotated each rep): start
// the proxy fresh, warm it up for 1 s, run `wrk -t1 -cN -d5s --timeout 5s --latency` through it, read the CPU time
// and peak memory of the proxy's process tree from /proc before and after, stop it. The backends run for the whole
// suite; a "direct" system points wrk straight at one backend, which shows they are not the bottleneck. Two kinds of
// backend: fixed responses without parsing (backend.ts: only the proxy is measured) and node:http (http-backend.ts:
// a real server), so that no verdict rests on one kind.
import { type ChildProcess, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { finish, fmt, measuredAt, median, round } from "../lib/report";
import type { Aim, Case, Row, Suite } from "../lib/suite";
import { cpuMicros, listening, memKiB, node, NOFILE, repoDir, sleep, start, stop } from "../lib/proc";
import { warmUp, wrk } from "../lib/wrk";

export interface DriverOptions {
  readonly reps?: string;
  readonly quick?: boolean;
  readonly only?: string;
  readonly systems?: string;
  readonly "no-save"?: boolean;
  readonly profile?: boolean;
  readonly backends?: string;
}

const LISTEN = 9200; // the proxy under test
const CONNS = [64, 1000, 5000];

/** A kind of backend: the ports it serves, the processes that serve them, and what case names say of it. */
interface BackendKind {
  readonly name: "fixed" | "node-http";
  readonly ports: readonly number[];
  /** The command lines of its processes. */
  readonly argv: readonly string[][];
  /** Appended to every case name measured with it ("" for the fixed backends, as in earlier runs). */
  readonly suffix: string;
  readonly about: string;
}

const BACKEND_KINDS: readonly BackendKind[] = [
  {
    name: "fixed",
    ports: [9101, 9102, 9103],
    argv: [node("bench/lb/backend.ts", "9101", "9102", "9103")],
    suffix: "",
    about: "one Node process on three ports answering each request head with a fixed response, without parsing HTTP (backend.ts)",
  },
  {
    name: "node-http",
    ports: [9111, 9112],
    argv: [node("bench/lb/http-backend.ts", "9111"), node("bench/lb/http-backend.ts", "9112")],
    suffix: ", node:http backends",
    about: "two node:http keep-alive servers, one process each (http-backend.ts)",
  },
];
/** The systems also measured with node:http backends: those the aims compare, and the ceiling. */
const WITH_HTTP_BACKENDS = new Set(["hub (splice)", "node net+pipe", "haproxy", "haproxy nbthread 1", "direct (no proxy)"]);

/** One proxy (or none) to put between wrk and the backends. */
interface ProxySystem {
  readonly name: string;
  /** Why it cannot run here, with the install command; null when it can. */
  missing(): string | null;
  /** The command line, given a scratch directory for its config and the backends' ports; `null` for "no proxy". */
  argv(dir: string, backends: readonly number[]): string[] | null;
  version?(): string;
}

const probe = (argv: string[]): string | null => {
  const r = spawnSync(argv[0]!, argv.slice(1), { encoding: "utf8" });
  return r.status === 0 ? `${r.stdout}${r.stderr}`.trim().split("\n")[0]! : null;
};

function haproxyConfig(dir: string, nbthread: number | null, backends: readonly number[]): string {
  const file = join(dir, "haproxy.cfg");
  writeFileSync(
    file,
    [
      "global",
      "  maxconn 9000",
      ...(nbthread ? [`  nbthread ${nbthread}`] : []),
      "defaults",
      "  mode tcp",
      "  maxconn 9000",
      "  timeout connect 5s",
      "  timeout client 60s",
      "  timeout server 60s",
      "frontend fe",
      `  bind 127.0.0.1:${LISTEN}`,
      "  default_backend be",
      "backend be",
      "  balance roundrobin",
      ...backends.map((p, i) => `  server b${i + 1} 127.0.0.1:${p}`),
      "",
    ].join("\n"),
  );
  return file;
}

function nginxConfig(dir: string, backends: readonly number[]): string {
  const file = join(dir, "nginx.conf");
  writeFileSync(
    file,
    `load_module /usr/lib/nginx/modules/ngx_stream_module.so;
daemon off;
master_process on;
worker_processes auto;
worker_rlimit_nofile ${NOFILE};
pid ${dir}/nginx.pid;
error_log ${dir}/error.log error;
events { worker_connections 16384; }
stream {
  upstream be {
${backends.map((p) => `    server 127.0.0.1:${p};`).join("\n")}
  }
  server {
    listen 127.0.0.1:${LISTEN} backlog=4096;
    proxy_pass be;
    proxy_connect_timeout 5s;
  }
}
`,
  );
  return file;
}

const HAPROXY_INSTALL = "apt-get update && apt-get install -y haproxy";
const NGINX_INSTALL = "apt-get update && apt-get install -y nginx-light libnginx-mod-stream";

export const SYSTEMS: readonly ProxySystem[] = [
  {
    name: "hub (splice)",
    missing: () => (existsSync(resolve(repoDir, "solutions/08-tcp-proxy/splice.ts")) ? null : "solutions/08-tcp-proxy is not written yet"),
    argv: (_dir, backends) => node("bench/lb/hub-proxy.ts", "splice", String(LISTEN), ...backends.map(String)),
  },
  {
    name: "hub (green pipe)",
    missing: () => (existsSync(resolve(repoDir, "solutions/08-tcp-proxy/pipe.ts")) ? null : "solutions/08-tcp-proxy is not written yet"),
    argv: (_dir, backends) => node("bench/lb/hub-proxy.ts", "green", String(LISTEN), ...backends.map(String)),
  },
  { name: "node net+pipe", missing: () => null, argv: (_dir, backends) => node("bench/lb/node-pipe.ts", String(LISTEN), ...backends.map(String)) },
  {
    name: "haproxy",
    missing: () => (probe(["haproxy", "-v"]) ? null : `not installed here; install it with: ${HAPROXY_INSTALL}`),
    argv: (dir, backends) => ["haproxy", "-db", "-f", haproxyConfig(dir, null, backends)],
    version: () => probe(["haproxy", "-v"]) ?? "",
  },
  {
    name: "haproxy nbthread 1",
    missing: () => (probe(["haproxy", "-v"]) ? null : `not installed here; install it with: ${HAPROXY_INSTALL}`),
    argv: (dir, backends) => ["haproxy", "-db", "-f", haproxyConfig(dir, 1, backends)],
  },
  {
    name: "nginx stream",
    missing: () =>
      !probe(["nginx", "-v"])
        ? `not installed here; install it with: ${NGINX_INSTALL}`
        : existsSync("/usr/lib/nginx/modules/ngx_stream_module.so")
          ? null
          : `nginx has no stream module here; install it with: ${NGINX_INSTALL}`,
    argv: (dir, backends) => ["nginx", "-c", nginxConfig(dir, backends), "-p", dir, "-e", join(dir, "error.log")],
    version: () => probe(["nginx", "-v"]) ?? "",
  },
  { name: "direct (no proxy)", missing: () => null, argv: () => null },
];

const figures = [
  { id: "rps", label: "requests/s", unit: "req/s", quantity: "throughput", better: "higher" },
  { id: "p50", label: "p50 latency", unit: "ms", quantity: "latency", better: "lower" },
  { id: "p99", label: "p99 latency", unit: "ms", quantity: "latency", better: "lower" },
  { id: "cpu", label: "CPU per request", unit: "µs/req", quantity: "CPU", better: "lower" },
  { id: "mem", label: "memory per connection", unit: "KiB/conn", quantity: "memory", better: "lower" },
] as const;
type Figure = (typeof figures)[number]["id"];

const caseOf = (f: (typeof figures)[number], conns: number, kind: BackendKind = BACKEND_KINDS[0]!): Case => ({
  id: `${f.id}-${conns}${kind.suffix ? `-${kind.name}` : ""}`,
  name: `${f.label} @ ${conns.toLocaleString("en-US")} conns${kind.suffix}`,
  unit: f.unit,
  quantity: f.quantity,
  better: f.better,
  n: conns,
});

/** Lines `ss` prints for `args` (no header). */
const ss = (...args: string[]): string[] =>
  (spawnSync("ss", ["-H", ...args], { encoding: "utf8" }).stdout ?? "").split("\n").filter((l) => l.trim() !== "");

/**
 * Waits (10 s at most) until the proxy has accepted everything in its listen queue and closed its connections to the
 * backends: a proxy still working through the warm-up's 5,000 closed connections would start the measured run with
 * a backlog of dead clients, and a slower proxy would be punished twice for the same warm-up.
 */
async function settle(port: number, ports: readonly number[]): Promise<void> {
  const backends = ports.map((p) => `dport = :${p}`).join(" or ");
  for (let i = 0; i < 100; i++) {
    const queued = ss("-tln", `( sport = :${port} )`).reduce((n, l) => n + Number(l.trim().split(/\s+/)[1] ?? 0), 0);
    const open = port === ports[0] ? 0 : ss("-tn", "state", "established", `( ${backends} )`).length;
    if (queued === 0 && open <= 2) return;
    await sleep(100);
  }
}

/** Starts a kind's backend processes and waits until every port listens (process i serves port i, or all of them). */
async function startBackends(kind: BackendKind): Promise<ChildProcess[]> {
  const procs = kind.argv.map((argv) => start(argv));
  for (const [i, port] of kind.ports.entries()) await listening(port, procs[Math.min(i, procs.length - 1)]!);
  return procs;
}

/** One measurement: a fresh proxy, 1 s of warm-up, the measured wrk run. */
async function measure(system: ProxySystem, kind: BackendKind, conns: number, seconds: number): Promise<Record<Figure, number> & { errors: string }> {
  const dir = mkdtempSync(join(tmpdir(), "lb-bench-"));
  const argv = system.argv(dir, kind.ports);
  const proc = argv ? start(argv) : null;
  let stderr = "";
  proc?.stderr!.on("data", (d: Buffer) => (stderr += d));
  try {
    await listening(argv ? LISTEN : kind.ports[0]!, proc).catch((e: Error) => {
      throw new Error(`${e.message}: ${stderr.trim().split("\n").slice(-3).join(" | ")}`);
    });
    const port = argv ? LISTEN : kind.ports[0]!;
    const idle = proc ? memKiB(proc.pid!, "VmRSS") : 0;
    await warmUp(conns, 1, port); // warm-up: JIT warm, buffers grown (its connections close: wrk opens new ones)
    await settle(port, kind.ports); // the warm-up's closed connections must not be the measured run's first work
    const cpu0 = proc ? cpuMicros(proc.pid!) : 0;
    const r = await wrk(conns, seconds, port);
    const cpu1 = proc ? cpuMicros(proc.pid!) : 0;
    const hwm = proc ? memKiB(proc.pid!, "VmHWM") : 0;
    return {
      rps: r.rps,
      p50: r.p50,
      p99: r.p99,
      cpu: proc ? (cpu1 - cpu0) / r.requests : NaN,
      mem: proc ? (hwm - idle) / conns : NaN,
      errors: r.errors,
    };
  } finally {
    if (proc) await stop(proc);
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------------------------
// the run

const SUBJECT = "hub (splice)";

export async function runLb(options: DriverOptions): Promise<number> {
  if (options.profile) return profile();
  const reps = options.quick ? 1 : Number(options.reps ?? 5);
  if (!(reps >= 1)) throw new Error(`--reps wants a positive number, got ${options.reps}`);
  const seconds = options.quick ? 2 : 5;
  const conns = CONNS.filter((n) => !options.only || String(n) === options.only);
  const wanted = options.systems?.split(",").map((s) => s.trim());
  const wantedKinds = options.backends?.split(",").map((s) => s.trim());
  const kinds = BACKEND_KINDS.filter((k) => !wantedKinds || wantedKinds.includes(k.name));
  if (!kinds.length) throw new Error(`--backends wants "fixed", "node-http" or both, got ${options.backends}`);
  const partial = options.quick || options.only !== undefined || options.systems !== undefined || wantedKinds !== undefined || reps < 3;
  const save = !options["no-save"] && !partial;
  const notes: string[] = [];
  const systems: ProxySystem[] = [];
  if (!probe(["wrk", "--version"]) && spawnSync("wrk", ["--version"]).error) {
    console.error("wrk is not installed: apt-get update && apt-get install -y wrk");
    return 2;
  }
  for (const s of SYSTEMS) {
    if (wanted && !wanted.includes(s.name)) continue;
    const why = s.missing();
    if (why) {
      notes.push(`${s.name} skipped: ${why}`);
      console.error(`note: ${s.name} skipped: ${why}`);
    } else systems.push(s);
  }
  const systemsFor = (kind: BackendKind): ProxySystem[] => systems.filter((s) => kind.name === "fixed" || WITH_HTTP_BACKENDS.has(s.name));
  for (const kind of kinds) {
    notes.push(`${kind.name} backends: ${kind.about}; measured behind ${systemsFor(kind).map((s) => s.name).join(", ")}`);
  }

  const loadAtStart = loadavg()[0]!;
  const measured = measuredAt(repoDir, ["solutions/08-tcp-proxy", "bench/lb"]);
  if (measured) notes.push(measured);
  const backends: ChildProcess[] = [];
  const samples = new Map<string, Record<Figure, number>[]>();
  const started = Date.now();
  let failures = 0;
  try {
    for (const kind of kinds) backends.push(...(await startBackends(kind)));
    const total = reps * conns.length * kinds.reduce((n, k) => n + systemsFor(k).length, 0);
    let done = 0;
    console.error(`bench lb: ${conns.length} connection counts × ${kinds.map((k) => `${systemsFor(k).length} systems (${k.name} backends)`).join(" + ")} × ${reps} reps, ${seconds} s each`);
    for (let rep = 0; rep < reps; rep++) {
      for (const kind of kinds) {
        const list = systemsFor(kind);
        for (const n of conns) {
          for (let k = 0; k < list.length; k++) {
            const s = list[(k + rep) % list.length]!;
            done++;
            process.stderr.write(`  [${done}/${total}] rep ${rep + 1} ${kind.name} ${n} conns, ${s.name} … `);
            try {
              const m = await measure(s, kind, n, seconds);
              const key = `${kind.name}\u0000${s.name}\u0000${n}`;
              samples.set(key, [...(samples.get(key) ?? []), m]);
              process.stderr.write(`${Math.round(m.rps)} req/s, p99 ${m.p99} ms, ${m.cpu.toFixed(1)} µs/req${m.errors ? `, ${m.errors}` : ""}\n`);
              if (m.errors) notes.push(`rep ${rep + 1}, ${kind.name} backends, ${n} conns, ${s.name}: ${m.errors}`);
            } catch (e) {
              failures++;
              const msg = `rep ${rep + 1}, ${kind.name} backends, ${n} conns, ${s.name} failed: ${(e as Error).message}`;
              notes.push(msg);
              process.stderr.write(`failed\n  ${msg}\n`);
            }
          }
        }
      }
    }
  } finally {
    for (const b of backends) await stop(b);
  }

  const cases: Case[] = [];
  const rows: Row[] = [];
  for (const kind of kinds) {
    for (const f of figures) {
      for (const n of conns) {
        const c = caseOf(f, n, kind);
        cases.push(c);
        for (const s of systemsFor(kind)) {
          const xs = (samples.get(`${kind.name}\u0000${s.name}\u0000${n}`) ?? []).map((m) => m[f.id]).filter((x) => Number.isFinite(x));
          if (!xs.length) continue;
          const digits = (x: number): number => Number(x.toPrecision(4));
          rows.push({ case: c.name, system: s.name, value: digits(median(xs)), unit: c.unit, min: digits(Math.min(...xs)), max: digits(Math.max(...xs)), better: c.better });
        }
      }
    }
  }
  const suite: Suite = { name: "lb", title: "lb: L4 proxies side by side under wrk", cases, systems: [], subject: SUBJECT, aims: (r) => aims(r, conns, kinds) };
  // wrk -v prints its version and exits with status 1, so probe() cannot be used here.
  const wrkVersion = `${spawnSync("wrk", ["-v"], { encoding: "utf8" }).stdout ?? ""}`.trim().split("\n")[0] ?? "";
  const versions: Record<string, string> = { wrk: wrkVersion.split(" [")[0] || "wrk" };
  for (const s of systems) {
    const v = s.version?.();
    if (v) versions[s.name] = v;
  }
  // A run with failed measurements is not saved: it would replace the last complete results with a partial one.
  const why = failures ? `${failures} measurement(s) failed` : options["no-save"] ? "--no-save" : "a partial or quick run";
  finish(suite, { reps, rows, notes, versions, loadAtStart, started, repoDir, notSaved: save && failures === 0 ? null : why });
  return failures ? 1 : 0;
}

/**
 * The suite's aims, judged on this run's medians for each kind of backend; each names the figure that decides it.
 * Throughput and CPU are judged against the Node pipe (the floor under any Node proxy) and HAProxy tcp (the
 * production peer, at its default threads); the tail and the memory at 1,000 connections, where every Node proxy
 * waited longest in earlier runs.
 */
function aims(rows: readonly Row[], conns: readonly number[], kinds: readonly BackendKind[]): Aim[] {
  const get = (fig: Figure, n: number, system: string, kind: BackendKind): Row | undefined => {
    const name = caseOf(figures.find((f) => f.id === fig)!, n, kind).name;
    return rows.find((r) => r.case === name && r.system === system);
  };
  const out: Aim[] = [];
  /** Judges hub (splice) ÷ `peer` on `fig` at the counts given, for every kind of backend. */
  const judge = (aim: string, fig: Figure, peer: string, at: readonly number[], ok: (ratio: number, n: number) => boolean): void => {
    const parts: string[] = [];
    let met = true;
    for (const kind of kinds) {
      const here: string[] = [];
      for (const n of at.filter((c) => conns.includes(c))) {
        const a = get(fig, n, SUBJECT, kind);
        const b = get(fig, n, peer, kind);
        if (!a || !b) {
          met = false;
          here.push(`${n}: not measured`);
          continue;
        }
        const r = a.value / b.value;
        met &&= ok(r, n);
        here.push(`${n}: ${fmt(a.value)} vs ${fmt(b.value)} ${a.unit} = ${round(r, 2)}×`);
      }
      if (here.length) parts.push(`${kind.name} backends: ${here.join(", ")}`);
    }
    if (parts.length) out.push({ aim, met, detail: parts.join("; ") });
  };
  judge("requests/s ≥ 1.0× the Node pipe at every connection count", "rps", "node net+pipe", conns, (r) => r >= 1);
  judge("CPU per request ≤ 1.05× the Node pipe's at every connection count", "cpu", "node net+pipe", conns, (r) => r <= 1.05);
  judge("requests/s ≥ 0.8× HAProxy tcp at 64 and 1,000 connections, ≥ 0.9× at 5,000", "rps", "haproxy", conns, (r, n) => r >= (n >= 5000 ? 0.9 : 0.8));
  judge("p99 latency at 1,000 connections ≤ 2× HAProxy tcp's", "p99", "haproxy", [1000], (r) => r <= 2);
  judge("memory per connection at 1,000 connections ≤ the Node pipe's", "mem", "node net+pipe", [1000], (r) => r <= 1);
  return out;
}

/** `--profile`: our proxy under `node --cpu-prof` at 1,000 connections, and where its time goes. */
async function profile(): Promise<number> {
  const { topSelfTime } = await import("../lib/profile");
  const kind = BACKEND_KINDS[0]!;
  const backends = await startBackends(kind);
  try {
    for (const mode of ["splice", "green"]) {
      const dir = resolve(repoDir, "bench", "out", "profiles", `lb-${mode}`);
      rmSync(dir, { recursive: true, force: true });
      mkdirSync(dir, { recursive: true });
      const file = join(dir, "measured.cpuprofile");
      // hub-proxy.ts profiles from SIGUSR2 to SIGINT (bench/lib/profile-hook.ts): the measured run only.
      const proc = start(node("bench/lb/hub-proxy.ts", mode, String(LISTEN), ...kind.ports.map(String)), { BENCH_PROFILE: file });
      await listening(LISTEN, proc);
      await warmUp(1000, 1, LISTEN);
      await settle(LISTEN, kind.ports);
      process.kill(proc.pid!, "SIGUSR2");
      const r = await wrk(1000, 5, LISTEN);
      process.kill(proc.pid!, "SIGINT");
      await new Promise((res) => proc.once("exit", res));
      console.log(`\nhub (${mode}) at 1,000 conns: ${Math.round(r.rps)} req/s under the profiler; self time of the measured run:`);
      if (existsSync(file)) for (const line of topSelfTime(file, 25)) console.log(`  ${line}`);
      else console.log("  (no profile written)");
    }
  } finally {
    for (const b of backends) await stop(b);
  }
  return 0;
}
