// `npm run bench:instructions -- [case …] [--systems a,b] [--reps N] [--scale K] [--port P]`: what one more connection
// or request costs our proxies and their Node peers, what observing (metrics, tracing) adds to a request of the HTTP
// proxy, and one more round trip our echo server and Node's, in user-space instructions counted by valgrind's
// callgrind (callgrind.ts).
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
// the range.
// A run of every case and system at the default load, with 3 pairs or more, is saved to bench/results/instructions.json
// like a suite's (the "instructions" suite of tools/lib/bench-tables.ts): bench/README.md's and the chapters' tables and
// figures of it are generated, and go stale when the code counted changes.
import { spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { connect } from "node:net";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { node, repoDir, sleep, start, stop } from "../lib/proc";
import { finish, fmt, measuredAt, median, spread } from "../lib/report";
import type { Case as SuiteCase, Row, Suite } from "../lib/suite";
import { UsageError, usageMessage, wholeNumber } from "../lib/usage";
import { instructionsIn, marginal } from "./callgrind";

/** The proxy listens here and the backends on the next three ports (--port moves them, to run two trees at once). */
let LISTEN = 9350;
let BACKENDS = [9351, 9352, 9353];

interface System {
  readonly name: string;
  /** The command line, made when the system starts (the ports are known then). */
  readonly argv: () => readonly string[];
}

interface Case {
  readonly id: string;
  readonly about: string;
  /** What one unit of the load is: a connection, a request, or an echo server's round trip. */
  readonly unit: "connection" | "request" | "round trip";
  readonly systems: readonly System[];
  /** The client's load at size `k`, 1 and 3 times --scale compared: connections, requests on each, open at once. */
  readonly load: (k: number) => Load;
}

interface Load {
  readonly connections: number;
  /** Requests (round trips, for an echo server) on each connection. */
  readonly requests: number;
  readonly concurrency: number;
  /** The client speaks to an echo server: 64-byte lines, as the io suite's client sends. */
  readonly echo?: boolean;
}

/** How many units of `c` a load of size `k` is: its connections, or the requests on all of them. */
const unitsAt = (c: Case, k: number): number => {
  const l = c.load(k);
  return c.unit === "connection" ? l.connections : l.connections * l.requests;
};

/** A size times --scale, as the whole number of connections or requests the client takes. */
const whole = (x: number): number => Math.max(1, Math.round(x));

const ports = (): string[] => [String(LISTEN), ...BACKENDS.map(String)];

/** The obs suite's names for bench/obs/hub-obs-proxy.ts's modes, so the counts read beside its tables. */
const OBS_MODES = { plain: "metrics off", metrics: "metrics on", "trace-off": "tracing off", "trace-on": "tracing on" } as const;

const L7_SYSTEMS: readonly System[] = [
  { name: "hub http proxy", argv: () => node("bench/l7/hub-http-proxy.ts", ...ports()) },
  { name: "node http-proxy keep-alive", argv: () => node("bench/l7/node-http-proxy.ts", "keep-alive", ...ports()) },
];
const SPLICE: System = { name: "hub (splice)", argv: () => node("bench/lb/hub-proxy.ts", "splice", ...ports()) };
const PIPE: System = { name: "node net+pipe", argv: () => node("bench/lb/node-pipe.ts", ...ports()) };

export const CASES: readonly Case[] = [
  {
    id: "lb-connection",
    about: "chapter 08's proxy: a connection opened, one request and its response relayed, the connection closed",
    unit: "connection",
    systems: [SPLICE, PIPE],
    load: (k) => ({ connections: whole(2000 * k), requests: 1, concurrency: 20 }),
  },
  {
    id: "lb-request",
    about: "chapter 08's proxy: a request and its response relayed on a kept-alive connection (50 connections)",
    unit: "request",
    systems: [SPLICE, PIPE],
    load: (k) => ({ connections: 50, requests: whole(200 * k), concurrency: 50 }),
  },
  {
    id: "l7-request",
    about: "chapter 11's HTTP proxy: a request parsed, forwarded on a pooled backend connection, its response relayed (50 kept-alive client connections)",
    unit: "request",
    systems: L7_SYSTEMS,
    load: (k) => ({ connections: 50, requests: whole(100 * k), concurrency: 50 }),
  },
  {
    id: "l7-request-1000",
    about: "l7-request's proxy and requests on 1,000 kept-alive client connections, the l7 suite's middle count: what one more request costs when many connections are open (their parsers, sockets and threads all in use)",
    unit: "request",
    systems: L7_SYSTEMS,
    load: (k) => ({ connections: 1000, requests: whole(5 * k), concurrency: 1000 }),
  },
  {
    id: "obs-request",
    about: "chapter 13's observed HTTP proxy (the obs suite's program, on chapter 14's listener): a request as l7-request's, with no metrics, with metrics, with tracing started and stopped, with tracing on",
    unit: "request",
    systems: (["plain", "metrics", "trace-off", "trace-on"] as const).map((mode) => ({
      name: OBS_MODES[mode],
      // Its metrics listener on the port after the backends' (only metrics mode opens it).
      argv: () => node("bench/obs/hub-obs-proxy.ts", mode, String(LISTEN), String(LISTEN + 4), ...BACKENDS.map(String)),
    })),
    // Twice l7-request's requests: at that size one garbage collection more or less moved a pair by a sixth, more
    // than the metrics add to a request (bench/README.md, "Instruction counts").
    load: (k) => ({ connections: 50, requests: whole(200 * k), concurrency: 50 }),
  },
  {
    id: "io-echo",
    about: "chapter 05's echo server (recvLine, sendall, a green thread per client) beside the plainest Node echo: a 64-byte line sent back, on 500 connections as in the io suite",
    unit: "round trip",
    systems: [
      { name: "hub echo", argv: () => node("bench/io/hub-echo.ts", String(LISTEN)) },
      { name: "node echo", argv: () => node("bench/io/node-echo.ts", String(LISTEN)) },
    ],
    load: (k) => ({ connections: 500, requests: whole(40 * k), concurrency: 500, echo: true }),
  },
];

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

/** Runs the client's load through the proxy on LISTEN; throws what the client said when it failed. */
async function load(l: Load): Promise<void> {
  const args = [String(LISTEN), String(l.connections), String(l.requests), String(l.concurrency), ...(l.echo ? ["echo"] : [])];
  const client = start(node("bench/instructions/client.ts", ...args), {}, STEP_MS);
  let out = "";
  client.stdout!.on("data", (d: Buffer) => (out += d));
  client.stderr!.on("data", (d: Buffer) => (out += d));
  const code = await exited(client, STEP_MS);
  if (code !== 0 || !out.includes("done")) throw new Error(`the client failed (exit ${code}): ${out.trim()}`);
}

/** The instructions `system` ran, from its start to its stop, with the load at size `k` in between. */
async function countOnce(c: Case, system: System, k: number): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), "hub-callgrind-"));
  const proxy = start(["valgrind", "--tool=callgrind", `--callgrind-out-file=${join(dir, "callgrind.out.%p")}`, ...system.argv()], {}, 3 * STEP_MS);
  let log = "";
  proxy.stdout!.resume();
  proxy.stderr!.on("data", (d: Buffer) => (log = (log + d).slice(-4000)));
  try {
    await listening(LISTEN, 120_000, system.name, proxy);
    await load(c.load(k));
    proxy.kill("SIGINT"); // Node exits on SIGINT; callgrind then writes its counts
    const code = await exited(proxy, STEP_MS);
    const files = readdirSync(dir).filter((f) => f.startsWith("callgrind.out.")).map((f) => join(dir, f));
    if (!files.length) throw new Error(`${system.name}: callgrind wrote no counts (exit ${code}):\n${log.trim()}`);
    return instructionsIn(files);
  } finally {
    await stop(proxy, "SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  }
}

/** What a saved run's table calls case `c`'s figure, and its unit: "lb-connection", "instructions/connection". */
const unitOf = (c: Case): string => `instructions/${c.unit}`;

/** The saved result: a suite of these cases, no aims (the suites judge the goals), the HTTP proxy as its subject. */
const SAVED: Suite = {
  name: "instructions",
  title: "instructions: what one more connection, request or round trip costs, counted by callgrind",
  cases: CASES.map((c): SuiteCase => ({ id: c.id, name: c.id, unit: unitOf(c), quantity: "instructions", better: "lower", n: unitsAt(c, 1) })),
  systems: [],
  subject: "hub http proxy",
  aims: () => [],
};

const USAGE = `usage: npm run bench:instructions -- [case …] [--systems a,b] [--reps N] [--scale K] [--port P] [--no-save]
  case        ${CASES.map((c) => c.id).join(", ")} (all by default)
  --systems   only these systems, comma-separated (each case names its own)
  --reps N    pairs of runs per system (default 3): the median per unit, with the range of the pairs
  --scale K   K times the load at both sizes (default 1); a larger load averages more garbage collections in
  --port P    the proxy on P, the backends on P+1 to P+3, obs-request's metrics listener on P+4 (default 9350)
  --no-save   do not write bench/results/instructions.json (a run of some cases or systems, fewer than 3 pairs or
              another --scale is never saved)`;

async function main(): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      allowPositionals: true,
      options: {
        systems: { type: "string" },
        reps: { type: "string", default: "3" },
        scale: { type: "string", default: "1" },
        port: { type: "string", default: "9350" },
        "no-save": { type: "boolean", default: false },
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
  let reps: number, port: number;
  try {
    if (!(scale > 0)) throw new UsageError(`--scale must be a positive number, not "${values.scale}"`);
    reps = wholeNumber("--reps", values.reps);
    port = wholeNumber("--port", values.port, 1024, 65530); // the backends and a metrics listener take the four ports above it
  } catch (e) {
    console.error(`${usageMessage(e)}\n${USAGE}`);
    return 2;
  }
  LISTEN = port;
  BACKENDS = [port + 1, port + 2, port + 3];
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
  const partial = positionals.length > 0 || wanted !== undefined || reps < 3 || scale !== 1;
  const loadAtStart = loadavg()[0]!;
  const started = Date.now();
  const measured = measuredAt(repoDir, ["solutions", "bench/instructions", "bench/lb", "bench/l7", "bench/obs", "bench/io", "bench/lib"]);
  const rows: Row[] = [];
  const backend = start(node("bench/lb/backend.ts", ...BACKENDS.map(String)));
  backend.stdout!.resume();
  backend.stderr!.resume();
  try {
    for (const port of BACKENDS) await listening(port, 30_000, "the backends (bench/lb/backend.ts)", backend);
    for (const c of cases) {
      console.log(`\n${c.id}: ${c.about}; instructions per ${c.unit} (callgrind, user space), the difference between ${fmt(unitsAt(c, scale))} and ${fmt(unitsAt(c, 3 * scale))} ${c.unit}s`);
      const results: { system: string; per: number[] }[] = [];
      for (const system of c.systems.filter((s) => !wanted || wanted.includes(s.name))) {
        const per: number[] = [];
        for (let rep = 1; rep <= reps; rep++) {
          process.stderr.write(`  ${system.name}, pair ${rep} of ${reps} … `);
          const small = await countOnce(c, system, scale);
          const large = await countOnce(c, system, 3 * scale);
          const m = marginal({ size: unitsAt(c, scale), instructions: small }, { size: unitsAt(c, 3 * scale), instructions: large });
          process.stderr.write(`${fmt(m.perUnit)} per ${c.unit} (${fmt(small)} and ${fmt(large)} in all)\n`);
          per.push(m.perUnit);
        }
        results.push({ system: system.name, per });
        rows.push({ case: c.id, system: system.name, unit: unitOf(c), better: "lower", ...spread(per) });
      }
      const first = results[0];
      for (const { system, per } of results) {
        const ratio = first && first.system !== system ? `   ${first.system} ÷ this: ${(median(first.per) / median(per)).toFixed(2)}×` : "";
        console.log(`  ${system.padEnd(28)} ${fmt(median(per)).padStart(9)} per ${c.unit} (${fmt(Math.min(...per))}–${fmt(Math.max(...per))})${ratio}`);
      }
    }
  } finally {
    await stop(backend);
  }
  const notes = [
    ...(measured ? [measured] : []),
    "user-space instructions of the program under valgrind's callgrind, from its start to its stop, once with the load at one size and " +
      "once at three times it, behind the lb suite's fixed backends; the difference between the two counts ÷ the difference in units " +
      `(${cases.map((c) => `${c.id}: ${fmt(unitsAt(c, scale))} and ${fmt(unitsAt(c, 3 * scale))} ${c.unit}s`).join("; ")}); ` +
      "each rep is one such pair, taken one after another for each system (the counts barely move with the host)",
  ];
  const valgrind = spawnSync("valgrind", ["--version"], { encoding: "utf8" }).stdout.trim();
  const why = values["no-save"] ? "--no-save" : partial ? "a run of some cases or systems, fewer than 3 pairs or another --scale" : null;
  finish(SAVED, { reps, rows, notes, versions: { valgrind }, loadAtStart, started, repoDir, notSaved: why });
  return 0;
}

process.exitCode = await main();
