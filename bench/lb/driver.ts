// The lb suite's driver (chapter 08; chapters 09–14 reuse it): L4 proxies side by side under wrk, on loopback.
//
// For every rep, connection count and system (reps interleaved, systems rotated each rep): start the proxy fresh,
// warm it up for 1 s, run `wrk -t1 -cN -d5s --timeout 5s --latency` through it, read the CPU time and peak memory of
// the proxy's process tree from /proc before and after, stop it. The backends run for the whole suite; a "direct"
// system points wrk straight at one backend, which shows they are not the bottleneck.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { finish, measuredAt, median, round } from "../lib/report";
import type { Aim, Case, Row, Suite } from "../lib/suite";
import { cpuMicros, listening, memKiB, node, NOFILE, repoDir, sleep, start, stop } from "../lib/proc";
import { wrk } from "../lib/wrk";

export interface DriverOptions {
  readonly reps?: string;
  readonly quick?: boolean;
  readonly only?: string;
  readonly systems?: string;
  readonly "no-save"?: boolean;
  readonly profile?: boolean;
}

const LISTEN = 9200; // the proxy under test
const BACKENDS = [9101, 9102, 9103];
const CONNS = [64, 1000, 5000];

/** One proxy (or none) to put between wrk and the backends. */
interface ProxySystem {
  readonly name: string;
  /** Why it cannot run here, with the install command; null when it can. */
  missing(): string | null;
  /** The command line, given a scratch directory for its config; `null` for "no proxy". */
  argv(dir: string): string[] | null;
  version?(): string;
}

const probe = (argv: string[]): string | null => {
  const r = spawnSync(argv[0]!, argv.slice(1), { encoding: "utf8" });
  return r.status === 0 ? `${r.stdout}${r.stderr}`.trim().split("\n")[0]! : null;
};

function haproxyConfig(dir: string, nbthread: number | null): string {
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
      ...BACKENDS.map((p, i) => `  server b${i + 1} 127.0.0.1:${p}`),
      "",
    ].join("\n"),
  );
  return file;
}

function nginxConfig(dir: string): string {
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
${BACKENDS.map((p) => `    server 127.0.0.1:${p};`).join("\n")}
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
    argv: () => node("bench/lb/hub-proxy.ts", "splice", String(LISTEN), ...BACKENDS.map(String)),
  },
  {
    name: "hub (green pipe)",
    missing: () => (existsSync(resolve(repoDir, "solutions/08-tcp-proxy/pipe.ts")) ? null : "solutions/08-tcp-proxy is not written yet"),
    argv: () => node("bench/lb/hub-proxy.ts", "green", String(LISTEN), ...BACKENDS.map(String)),
  },
  { name: "node net+pipe", missing: () => null, argv: () => node("bench/lb/node-pipe.ts", String(LISTEN), ...BACKENDS.map(String)) },
  {
    name: "haproxy",
    missing: () => (probe(["haproxy", "-v"]) ? null : `not installed here; install it with: ${HAPROXY_INSTALL}`),
    argv: (dir) => ["haproxy", "-db", "-f", haproxyConfig(dir, null)],
    version: () => probe(["haproxy", "-v"]) ?? "",
  },
  {
    name: "haproxy nbthread 1",
    missing: () => (probe(["haproxy", "-v"]) ? null : `not installed here; install it with: ${HAPROXY_INSTALL}`),
    argv: (dir) => ["haproxy", "-db", "-f", haproxyConfig(dir, 1)],
  },
  {
    name: "nginx stream",
    missing: () =>
      !probe(["nginx", "-v"])
        ? `not installed here; install it with: ${NGINX_INSTALL}`
        : existsSync("/usr/lib/nginx/modules/ngx_stream_module.so")
          ? null
          : `nginx has no stream module here; install it with: ${NGINX_INSTALL}`,
    argv: (dir) => ["nginx", "-c", nginxConfig(dir), "-p", dir, "-e", join(dir, "error.log")],
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

const caseOf = (f: (typeof figures)[number], conns: number): Case => ({
  id: `${f.id}-${conns}`,
  name: `${f.label} @ ${conns.toLocaleString("en-US")} conns`,
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
async function settle(port: number): Promise<void> {
  const backends = BACKENDS.map((p) => `dport = :${p}`).join(" or ");
  for (let i = 0; i < 100; i++) {
    const queued = ss("-tln", `( sport = :${port} )`).reduce((n, l) => n + Number(l.trim().split(/\s+/)[1] ?? 0), 0);
    const open = port === BACKENDS[0] ? 0 : ss("-tn", "state", "established", `( ${backends} )`).length;
    if (queued === 0 && open <= 2) return;
    await sleep(100);
  }
}

/** One measurement: a fresh proxy, 1 s of warm-up, the measured wrk run. */
async function measure(system: ProxySystem, conns: number, seconds: number): Promise<Record<Figure, number> & { errors: string }> {
  const dir = mkdtempSync(join(tmpdir(), "lb-bench-"));
  const argv = system.argv(dir);
  const proc = argv ? start(argv) : null;
  let stderr = "";
  proc?.stderr!.on("data", (d: Buffer) => (stderr += d));
  try {
    await listening(argv ? LISTEN : BACKENDS[0]!, proc).catch((e: Error) => {
      throw new Error(`${e.message}: ${stderr.trim().split("\n").slice(-3).join(" | ")}`);
    });
    const port = argv ? LISTEN : BACKENDS[0]!;
    const idle = proc ? memKiB(proc.pid!, "VmRSS") : 0;
    await wrk(conns, 1, port); // warm-up: connections made, JIT warm
    await settle(port); // the warm-up's closed connections must not be the measured run's first work
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
  const reps = options.quick ? 1 : Number(options.reps ?? 3);
  const seconds = options.quick ? 2 : 5;
  const conns = CONNS.filter((n) => !options.only || String(n) === options.only);
  const wanted = options.systems?.split(",").map((s) => s.trim());
  const partial = options.quick || options.only !== undefined || options.systems !== undefined || reps < 3;
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

  const loadAtStart = loadavg()[0]!;
  const measured = measuredAt(repoDir, ["solutions/08-tcp-proxy", "bench/lb"]);
  if (measured) notes.push(measured);
  const backends = start(node("bench/lb/backend.ts", ...BACKENDS.map(String)));
  const samples = new Map<string, Record<Figure, number>[]>();
  const started = Date.now();
  try {
    for (const p of BACKENDS) await listening(p, backends);
    const total = reps * conns.length * systems.length;
    let done = 0;
    console.error(`bench lb: ${conns.length} connection counts × ${systems.length} systems × ${reps} reps, ${seconds} s each`);
    for (let rep = 0; rep < reps; rep++) {
      for (const n of conns) {
        for (let k = 0; k < systems.length; k++) {
          const s = systems[(k + rep) % systems.length]!;
          done++;
          process.stderr.write(`  [${done}/${total}] rep ${rep + 1} ${n} conns, ${s.name} … `);
          try {
            const m = await measure(s, n, seconds);
            const key = `${s.name}\u0000${n}`;
            samples.set(key, [...(samples.get(key) ?? []), m]);
            process.stderr.write(`${Math.round(m.rps)} req/s, p99 ${m.p99} ms, ${m.cpu.toFixed(1)} µs/req${m.errors ? `, ${m.errors}` : ""}\n`);
            if (m.errors) notes.push(`rep ${rep + 1}, ${n} conns, ${s.name}: ${m.errors}`);
          } catch (e) {
            const msg = `rep ${rep + 1}, ${n} conns, ${s.name} failed: ${(e as Error).message}`;
            notes.push(msg);
            process.stderr.write(`failed\n  ${msg}\n`);
          }
        }
      }
    }
  } finally {
    await stop(backends);
  }

  const cases: Case[] = [];
  const rows: Row[] = [];
  for (const f of figures) {
    for (const n of conns) {
      const c = caseOf(f, n);
      cases.push(c);
      for (const s of systems) {
        const xs = (samples.get(`${s.name}\u0000${n}`) ?? []).map((m) => m[f.id]).filter((x) => Number.isFinite(x));
        if (!xs.length) continue;
        const digits = (x: number): number => Number(x.toPrecision(4));
        rows.push({ case: c.name, system: s.name, value: digits(median(xs)), unit: c.unit, min: digits(Math.min(...xs)), max: digits(Math.max(...xs)), better: c.better });
      }
    }
  }
  const suite: Suite = { name: "lb", title: "lb: L4 proxies side by side under wrk", cases, systems: [], subject: SUBJECT, aims: (r) => aims(r, conns) };
  // wrk -v prints its version and exits with status 1, so probe() cannot be used here.
  const wrkVersion = `${spawnSync("wrk", ["-v"], { encoding: "utf8" }).stdout ?? ""}`.trim().split("\n")[0] ?? "";
  const versions: Record<string, string> = { wrk: wrkVersion.split(" [")[0] || "wrk" };
  for (const s of systems) {
    const v = s.version?.();
    if (v) versions[s.name] = v;
  }
  finish(suite, { reps, rows, notes, versions, loadAtStart, started, repoDir, notSaved: save ? null : options["no-save"] ? "--no-save" : "a partial or quick run" });
  return 0;
}

function aims(rows: readonly Row[], conns: readonly number[]): Aim[] {
  const get = (fig: Figure, n: number, system: string): Row | undefined => {
    const name = caseOf(figures.find((f) => f.id === fig)!, n).name;
    return rows.find((r) => r.case === name && r.system === system);
  };
  const out: Aim[] = [];
  const judge = (aim: string, fig: Figure, peer: string, ok: (ratio: number) => boolean): void => {
    const parts: string[] = [];
    let met = true;
    for (const n of conns) {
      const a = get(fig, n, SUBJECT);
      const b = get(fig, n, peer);
      if (!a || !b) {
        met = false;
        parts.push(`${n}: not measured`);
        continue;
      }
      const r = a.value / b.value;
      met &&= ok(r);
      parts.push(`${n}: ${round(r, 2)}×`);
    }
    out.push({ aim, met, detail: parts.join(", ") });
  };
  judge("requests/s ≥ 0.85× HAProxy tcp mode at every connection count", "rps", "haproxy", (r) => r >= 0.85);
  judge("CPU per request ≤ 1.3× HAProxy's", "cpu", "haproxy", (r) => r <= 1.3);
  judge("requests/s at most 10% below the minimal Node proxy", "rps", "node net+pipe", (r) => r >= 0.9);
  return out;
}

/** `--profile`: our proxy under `node --cpu-prof` at 1,000 connections, and where its time goes. */
async function profile(): Promise<number> {
  const { topSelfTime } = await import("../lib/profile");
  const backends = start(node("bench/lb/backend.ts", ...BACKENDS.map(String)));
  try {
    for (const p of BACKENDS) await listening(p, backends);
    for (const mode of ["splice", "green"]) {
      const dir = resolve(repoDir, "bench", "out", "profiles", `lb-${mode}`);
      rmSync(dir, { recursive: true, force: true });
      mkdirSync(dir, { recursive: true });
      const file = join(dir, "measured.cpuprofile");
      // hub-proxy.ts profiles from SIGUSR2 to SIGINT (bench/lib/profile-hook.ts): the measured run only.
      const proc = start(node("bench/lb/hub-proxy.ts", mode, String(LISTEN), ...BACKENDS.map(String)), { BENCH_PROFILE: file });
      await listening(LISTEN, proc);
      await wrk(1000, 1, LISTEN);
      await settle(LISTEN);
      process.kill(proc.pid!, "SIGUSR2");
      const r = await wrk(1000, 5, LISTEN);
      process.kill(proc.pid!, "SIGINT");
      await new Promise((res) => proc.once("exit", res));
      console.log(`\nhub (${mode}) at 1,000 conns: ${Math.round(r.rps)} req/s under the profiler; self time of the measured run:`);
      if (existsSync(file)) for (const line of topSelfTime(file, 25)) console.log(`  ${line}`);
      else console.log("  (no profile written)");
    }
  } finally {
    await stop(backends);
  }
  return 0;
}
