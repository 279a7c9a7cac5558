// `npm run bench:instructions -- [case …] [--systems a,b] [--scale K]`: what one more connection or request costs our
// proxies and their Node peers, in user-space instructions counted by valgrind's callgrind (tools/lib/callgrind.ts).
//
// The benchmark suites time the same code side by side and report ratios, but on a shared host the times of
// identical code fall into fast and slow groups from rep to rep (bench/README.md, "Noise"). An instruction count is
// the same from run to run whatever the host is doing, so a change to the byte path can be judged on a single run
// of each side. What it does not see: the kernel's part (system calls are counted as the instructions that make
// them), waiting, and how the work spreads over the two cores. It complements the suites; it does not replace them.
//
// Each system runs under callgrind twice, behind the lb suite's fixed backends (bench/lb/backend.ts), with the same
// load at two sizes (tools/instructions/client.ts); the difference between the two counts, divided by the difference
// in size, leaves out start-up and compilation. For course authors: figures go in bench/README.md.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { instructionsIn, marginal, type Marginal } from "./lib/callgrind";
import { ROOT } from "./lib/manifest";

const LISTEN = 9350;
const BACKENDS = [9351, 9352, 9353];
const node = (...args: string[]): string[] => [process.execPath, "--import", "tsx", ...args];

interface System {
  readonly name: string;
  readonly argv: readonly string[];
}

interface Case {
  readonly id: string;
  readonly about: string;
  /** "connection" or "request": what one unit of the load is. */
  readonly unit: "connection" | "request";
  readonly systems: readonly System[];
  /** The client's load at size `k`: connections, requests on each, connections open at once. */
  readonly load: (k: number) => { connections: number; requests: number; concurrency: number };
  /** The two sizes compared (k = 1 and k = 3 of `load`), scaled by --scale. */
  readonly unitsAt: (k: number) => number;
}

const L4 = (mode: "splice" | "green"): string[] => node("bench/lb/hub-proxy.ts", mode, String(LISTEN), ...BACKENDS.map(String));
const PIPE = node("bench/lb/node-pipe.ts", String(LISTEN), ...BACKENDS.map(String));

export const CASES: readonly Case[] = [
  {
    id: "lb-connection",
    about: "chapter 08's proxy: a connection opened, one request and its response relayed, the connection closed",
    unit: "connection",
    systems: [{ name: "hub (splice)", argv: L4("splice") }, { name: "node net+pipe", argv: PIPE }],
    load: (k) => ({ connections: 2000 * k, requests: 1, concurrency: 20 }),
    unitsAt: (k) => 2000 * k,
  },
  {
    id: "lb-request",
    about: "chapter 08's proxy: a request and its response relayed on a kept-alive connection (50 connections)",
    unit: "request",
    systems: [{ name: "hub (splice)", argv: L4("splice") }, { name: "node net+pipe", argv: PIPE }],
    load: (k) => ({ connections: 50, requests: 200 * k, concurrency: 50 }),
    unitsAt: (k) => 50 * 200 * k,
  },
  {
    id: "l7-request",
    about: "chapter 11's HTTP proxy: a request parsed, forwarded on a pooled backend connection, its response relayed (50 kept-alive client connections)",
    unit: "request",
    systems: [
      { name: "hub http proxy", argv: node("bench/l7/hub-http-proxy.ts", String(LISTEN), ...BACKENDS.map(String)) },
      { name: "node http-proxy keep-alive", argv: node("bench/l7/node-http-proxy.ts", "keep-alive", String(LISTEN), ...BACKENDS.map(String)) },
    ],
    load: (k) => ({ connections: 50, requests: 100 * k, concurrency: 50 }),
    unitsAt: (k) => 50 * 100 * k,
  },
];

/** Each step's time limit under callgrind, which runs a program 20 to 50 times slower. */
const STEP_MS = 600_000;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Resolves once something accepts on `port`; throws after `ms`. */
async function listening(port: number, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect({ host: "127.0.0.1", port }, () => (s.destroy(), resolve(true)));
      s.on("error", () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`${what} did not listen on port ${port} within ${ms / 1000} s`);
    await sleep(250);
  }
}

/** Waits for `child` to exit; kills it after `ms`. */
function exited(child: ChildProcess, ms: number): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve(child.exitCode);
    const timer = setTimeout(() => child.kill("SIGKILL"), ms);
    child.once("exit", (code) => (clearTimeout(timer), resolve(code)));
  });
}

/** Runs the client's load through the proxy on LISTEN; throws what the client said when it failed. */
async function load(l: { connections: number; requests: number; concurrency: number }): Promise<void> {
  const [command, ...args] = node("tools/instructions/client.ts", String(LISTEN), String(l.connections), String(l.requests), String(l.concurrency));
  const client = spawn(command!, args, { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  client.stdout!.on("data", (d: Buffer) => (out += d));
  client.stderr!.on("data", (d: Buffer) => (out += d));
  const code = await exited(client, STEP_MS);
  if (code !== 0 || !out.includes("done")) throw new Error(`the client failed (exit ${code}): ${out.trim()}`);
}

/** The instructions `system` ran, from its start to its stop, with the load at size `k` in between. */
async function countOnce(c: Case, system: System, k: number): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), "hub-callgrind-"));
  const proxy = spawn("valgrind", ["--tool=callgrind", `--callgrind-out-file=${join(dir, "callgrind.out.%p")}`, ...system.argv], {
    cwd: ROOT,
    stdio: ["ignore", "ignore", "pipe"],
  });
  let log = "";
  proxy.stderr!.on("data", (d: Buffer) => (log = (log + d).slice(-4000)));
  try {
    await listening(LISTEN, 120_000, system.name);
    await load(c.load(k));
    proxy.kill("SIGINT"); // Node exits on SIGINT; callgrind then writes its counts
    const code = await exited(proxy, STEP_MS);
    const files = readdirSync(dir).filter((f) => f.startsWith("callgrind.out.")).map((f) => join(dir, f));
    if (!files.length) throw new Error(`${system.name}: callgrind wrote no counts (exit ${code}):\n${log.trim()}`);
    return instructionsIn(files);
  } finally {
    if (proxy.exitCode === null && proxy.signalCode === null) proxy.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  }
}

const fmt = (n: number): string => Math.round(n).toLocaleString("en-US");

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { systems: { type: "string" }, scale: { type: "string", default: "1" } },
  });
  const unknown = positionals.filter((p) => !CASES.some((c) => c.id === p));
  if (unknown.length) {
    console.error(`no case ${unknown.join(", ")}; the cases: ${CASES.map((c) => c.id).join(", ")}`);
    return 2;
  }
  const scale = Number(values.scale);
  if (!(scale > 0)) {
    console.error(`--scale must be a positive number, got ${values.scale}`);
    return 2;
  }
  if (spawnSync("valgrind", ["--version"]).status !== 0) {
    console.error("valgrind is not installed here; install it with: apt-get install -y valgrind");
    return 2;
  }
  const wanted = values.systems?.split(",").map((s) => s.trim());
  const backend = spawn(process.execPath, ["--import", "tsx", "bench/lb/backend.ts", ...BACKENDS.map(String)], { cwd: ROOT, stdio: "ignore" });
  try {
    for (const port of BACKENDS) await listening(port, 30_000, "the backends (bench/lb/backend.ts)");
    for (const c of CASES.filter((x) => !positionals.length || positionals.includes(x.id))) {
      console.log(`\n${c.id}: ${c.about}; instructions per ${c.unit} (callgrind, user space), the difference between ${fmt(c.unitsAt(scale))} and ${fmt(c.unitsAt(3 * scale))} ${c.unit}s`);
      const results: { system: string; m: Marginal }[] = [];
      for (const system of c.systems.filter((s) => !wanted || wanted.includes(s.name))) {
        process.stderr.write(`  ${system.name} … `);
        const small = await countOnce(c, system, scale);
        const large = await countOnce(c, system, 3 * scale);
        const m = marginal({ size: c.unitsAt(scale), instructions: small }, { size: c.unitsAt(3 * scale), instructions: large });
        process.stderr.write(`${fmt(m.perUnit)} per ${c.unit}\n`);
        results.push({ system: system.name, m });
      }
      const first = results[0];
      for (const { system, m } of results) {
        const ratio = first && first.system !== system ? `  (${first.system} ÷ this: ${(first.m.perUnit / m.perUnit).toFixed(2)}×)` : "";
        console.log(`  ${system.padEnd(28)} ${fmt(m.perUnit).padStart(9)} per ${c.unit}   (${fmt(m.small.instructions)} at ${fmt(m.small.size)}, ${fmt(m.large.instructions)} at ${fmt(m.large.size)})${ratio}`);
      }
    }
  } finally {
    backend.kill();
  }
  return 0;
}

process.exitCode = await main();
