// The soak (chapter 14, `npm run test:soak`): the load balancer under a steady, moderate load on loopback for a
// bounded time, its resident memory sampled every second, and its heap after a full collection compared at the
// start and the end. Not part of the vitest suite: one run takes two minutes. `.ci/run` runs it, and its verdict
// counts in CI's closing line.
//
//   npm run test:soak                         # 120 s at 300 connections/s; writes bench/results/soak.json
//   npm run test:soak -- --seconds 10         # a short run, to try things out (never saved)
//   npm run test:soak -- --rate 100 --no-save
//
// A run: backends in this process; the balancer as a process of its own (`npm run lb`'s program, with --expose-gc
// and a preload that answers SIGUSR2 with its heap after two full collections; V8's default young generation, below);
// a load of short TCP connections, each sending a request and reading the answer, at a fixed rate with a cap on those
// in flight; the balancer's RSS (its process tree) every second. Verdict, each printed with its figure:
//   - RSS slope over the last minute (least squares; the last half of a shorter run) ≤ SLOPE_BOUND KiB/s;
//   - heap in use after a full collection at the end ≤ the start + HEAP_BOUND;
//   - at most 0.1% of the requests failed, and SIGTERM ended the balancer with exit code 0.
// It exits 1 when a check fails, and writes its checks to .course/soak-result.json for tools/test-summary.ts.
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { connect, createServer, type Server, type Socket } from "node:net";
import { loadavg, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { machine, measuredAt, round, savedResult } from "../../bench/lib/report";
import { previousRun } from "../../tools/lib/bench-tables";
import { memKiB } from "../../bench/lib/proc";
import { descendants, spawnGroup } from "../../tools/lib/process-group";
import { freePort } from "../support/ports";

const ROOT = resolve(import.meta.dirname, "..", "..");

const { values } = parseArgs({
  options: {
    seconds: { type: "string", default: "120" },
    rate: { type: "string", default: "300" },
    workers: { type: "string" },
    "no-save": { type: "boolean", default: false },
    help: { type: "boolean", short: "h", default: false },
  },
});
if (values.help) {
  console.log("usage: npm run test:soak -- [--seconds N (5–600, default 120)] [--rate N connections/s (default 300)] [--workers N] [--no-save]");
  process.exit(0);
}
const SECONDS = Number(values.seconds);
const RATE = Number(values.rate);
if (!(Number.isInteger(SECONDS) && SECONDS >= 5 && SECONDS <= 600)) throw new Error(`--seconds is a whole number from 5 to 600, not ${values.seconds}`);
if (!(RATE > 0 && RATE <= 5000)) throw new Error(`--rate is a number of connections a second from 1 to 5000, not ${values.rate}`);

/** Connections in flight at most: the load is open (a fixed rate) up to this cap. */
const CONCURRENCY = 32;
/** Load before the first heap reading: the JIT, the pools and the listen queue settle. */
const WARMUP = Math.min(10, Math.floor(SECONDS / 6));
/**
 * The RSS slope allowed over the last minute, KiB/s. A healthy Node process moves its RSS by a few MiB as V8 grows and
 * shrinks its heap, which a least-squares slope over 60 samples flattens, but not always to a few KiB/s: in 24 runs
 * of the soak on this kind of machine (5 and 6 December 2026, fresh clones in `.ci/run` and a checkout, no leak) it
 * ran from −8.4 to 25.3 KiB/s, 20 of them under 10, and the bound of 16 it had before failed one. A leak of 200 bytes
 * per connection at 300 connections a second grows ~58 KiB/s; the bound sits about halfway between. A smaller leak in
 * the JavaScript heap is the heap check's (HEAP_BOUND over the ~33,000 connections of a run: about 64 bytes each).
 */
const SLOPE_BOUND = 40;
/** The heap after a full collection may end this much above its start (a few caches filled once). */
const HEAP_BOUND = 2 * 1024 * 1024;

interface Sample {
  /** Seconds since the load started. */
  readonly t: number;
  readonly rssKiB: number;
  /** Requests answered in the second before. */
  readonly requests: number;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A backend answering every request with a fixed 64-byte answer once the client half-closes. */
async function backend(): Promise<{ server: Server; port: number }> {
  const answer = Buffer.alloc(64, "x");
  const server = createServer({ allowHalfOpen: true }, (c) => {
    c.on("data", () => {});
    c.on("end", () => c.end(answer));
    c.on("error", () => {});
  });
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  return { server, port: (server.address() as { port: number }).port };
}

async function accepting(port: number, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const ok = await new Promise<boolean>((r) => {
      const s: Socket = connect({ host: "127.0.0.1", port }, () => {
        s.destroy();
        r(true);
      });
      s.on("error", () => r(false));
    });
    if (ok) return true;
    await sleep(100);
  }
  return false;
}

/** One request: connect, send, half-close, read the answer; true when 64 bytes came back within 5 s. */
function request(port: number): Promise<boolean> {
  return new Promise((ok) => {
    const s = connect({ host: "127.0.0.1", port, allowHalfOpen: true });
    let got = 0;
    const timer = setTimeout(() => s.destroy(), 5000);
    s.on("connect", () => s.end("GET / soak\r\n"));
    s.on("data", (d: Buffer) => (got += d.length));
    s.on("close", () => {
      clearTimeout(timer);
      ok(got === 64);
    });
    s.on("error", () => {});
  });
}

// ---------------------------------------------------------------------------------------------------------------
// the run

const started = Date.now();
const loadAtStart = loadavg()[0]!;
const dir = mkdtempSync(join(tmpdir(), "soak-"));
const backends = [await backend(), await backend()];
const port = await freePort();
const adminPort = await freePort();
const config = {
  listeners: {
    soak: {
      protocol: "tcp",
      listen: `127.0.0.1:${port}`,
      backends: backends.map((b, i) => ({ name: `b${i + 1}`, address: `127.0.0.1:${b.port}` })),
      health: { kind: "haproxy", inter: 1000 },
    },
  },
  admin: { listen: `127.0.0.1:${adminPort}` },
};
const configFile = join(dir, "lb.json");
writeFileSync(configFile, JSON.stringify(config, null, 2));

// The balancer's program as `npm run lb` runs it, with the two flags the heap reading needs, but with V8's default
// young generation, not the larger one of its Node flags (solutions/14-capstone/node-flags.ts): that one's pages come
// and go by a megabyte within a minute, which put the RSS slope of three runs at 3.4, 12.9 and 15.5 KiB/s, against
// 1.9 with the default, too near the bound of 16 KiB/s of that time for a leak to stand out. The flag sizes the
// heap; what the soak looks for is memory the code keeps.
const cli = resolve(ROOT, "solutions/14-capstone/cli.ts");
const argv = ["--expose-gc", "--import", "tsx", "--import", "./test/soak/heap-hook.ts", cli, "--config", configFile, ...(values.workers ? ["--workers", values.workers] : [])];
const group = spawnGroup(process.execPath, argv, { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"], deadlineMs: (SECONDS + 90) * 1000 });
const lb = group.child;
let output = "";
const heapLines: string[] = [];
lb.stdout!.on("data", (d: Buffer) => (output += d));
lb.stderr!.on("data", (d: Buffer) => {
  output += d;
  for (const line of d.toString().split("\n")) if (line.startsWith("soak-heap ")) heapLines.push(line);
});
const exited = new Promise<number | string>((ok) => lb.once("exit", (code, signal) => ok(code ?? signal ?? "?")));

/** The heap in use after two full collections, summed over the balancer's processes, in bytes. */
async function heap(): Promise<number> {
  const pids = [lb.pid!, ...descendants(lb.pid!)];
  heapLines.length = 0;
  for (const pid of pids) {
    try {
      process.kill(pid, "SIGUSR2");
    } catch {
      // gone
    }
  }
  for (let i = 0; i < 50 && heapLines.length < pids.length; i++) await sleep(100);
  let total = 0;
  for (const line of heapLines) {
    const bytes = Number(line.split(" ")[2]);
    if (!Number.isFinite(bytes)) throw new Error(`the balancer cannot report its heap: ${line}`);
    total += bytes;
  }
  if (heapLines.length === 0) throw new Error("the balancer did not report its heap (is test/soak/heap-hook.ts preloaded?)");
  return total;
}

const checks: { name: string; ok: boolean; detail: string }[] = [];
const samples: Sample[] = [];
let ok = 0;
let failed = 0;
let heapStart = NaN;
let heapEnd = NaN;
let code: number | string = "not stopped";
try {
  if (!(await accepting(port, 30_000))) throw new Error(`the balancer did not listen on 127.0.0.1:${port} within 30 s: ${output.trim().split("\n").slice(-5).join(" | ")}`);
  console.log(`soak: ${SECONDS} s at ${RATE} connections/s (at most ${CONCURRENCY} in flight) through the balancer (pid ${lb.pid}); RSS every second; heap after a full GC at ${WARMUP} s and at the end`);

  // The load: every 10 ms, the connections due by now, while fewer than CONCURRENCY are in flight.
  let inFlight = 0;
  let due = 0;
  let answeredThisSecond = 0;
  const t0 = Date.now();
  const load = setInterval(() => {
    due = Math.min(due + RATE / 100, CONCURRENCY); // never owe more than the cap: an open load, not a backlog
    while (due >= 1 && inFlight < CONCURRENCY) {
      due--;
      inFlight++;
      void request(port).then((good) => {
        inFlight--;
        if (good) {
          ok++;
          answeredThisSecond++;
        } else failed++;
      });
    }
  }, 10);
  const sample = (): void => {
    samples.push({ t: Math.round((Date.now() - t0) / 1000), rssKiB: memKiB(lb.pid!, "VmRSS"), requests: answeredThisSecond });
    answeredThisSecond = 0;
  };
  sample();
  for (let s = 1; s <= SECONDS; s++) {
    await sleep(t0 + s * 1000 - Date.now());
    sample();
    if (s === WARMUP) heapStart = await heap();
    if (s % 10 === 0 || s === SECONDS) process.stdout.write(`  ${s} s: RSS ${(samples.at(-1)!.rssKiB / 1024).toFixed(1)} MiB, ${ok} answered, ${failed} failed\n`);
  }
  clearInterval(load);
  for (let i = 0; i < 100 && inFlight > 0; i++) await sleep(100);
  await sleep(1000); // connections closing, timers of the last ones
  heapEnd = await heap();
  lb.kill("SIGTERM");
  code = await Promise.race([exited, sleep(30_000).then(() => "still running 30 s after SIGTERM")]);
} catch (e) {
  checks.push({ name: "the soak ran", ok: false, detail: (e as Error).message });
} finally {
  group.kill();
  for (const b of backends) b.server.close();
  rmSync(dir, { recursive: true, force: true });
}

/** Least-squares slope of y over x. */
function slope(xs: readonly number[], ys: readonly number[]): number {
  const n = xs.length;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += (xs[i]! - mx) * (ys[i]! - my);
    den += (xs[i]! - mx) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

const tail = samples.filter((s) => s.t >= Math.max(SECONDS - 60, SECONDS / 2));
const rssSlope = tail.length >= 3 ? slope(tail.map((s) => s.t), tail.map((s) => s.rssKiB)) : NaN;
const MiB = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(2)} MiB`;
if (samples.length > 0) {
  checks.push({
    name: `RSS slope over the last ${tail.length >= 60 ? "minute" : `${tail.length} s`} ≤ ${SLOPE_BOUND} KiB/s`,
    ok: rssSlope <= SLOPE_BOUND,
    detail: `${rssSlope.toFixed(2)} KiB/s (least squares over ${tail.length} samples; RSS ${(samples[0]!.rssKiB / 1024).toFixed(1)} → ${(samples.at(-1)!.rssKiB / 1024).toFixed(1)} MiB)`,
  });
  checks.push({
    name: `heap after a full GC at the end ≤ the start + ${MiB(HEAP_BOUND)}`,
    ok: heapEnd - heapStart <= HEAP_BOUND,
    detail: `${MiB(heapStart)} at ${WARMUP} s, ${MiB(heapEnd)} at the end (${heapEnd >= heapStart ? "+" : "−"}${MiB(Math.abs(heapEnd - heapStart))})`,
  });
  checks.push({ name: "at most 0.1% of the requests failed", ok: failed <= (ok + failed) / 1000, detail: `${ok} answered, ${failed} failed` });
  checks.push({ name: "SIGTERM ends the balancer with exit code 0", ok: code === 0, detail: `exit ${code}` });
}

console.log("");
for (const c of checks) console.log(`  ${c.ok ? "passed" : "FAILED"}  ${c.name}: ${c.detail}`);
const passed = checks.filter((c) => c.ok).length;
const bad = checks.length - passed;
if (bad > 0 && output.trim()) console.log(`\nthe balancer's last lines:\n${output.trim().split("\n").slice(-10).map((l) => `  ${l}`).join("\n")}`);

mkdirSync(resolve(ROOT, ".course"), { recursive: true });
writeFileSync(resolve(ROOT, ".course", "soak-result.json"), `${JSON.stringify({ passed, failed: bad, checks }, null, 2)}\n`);

// A full run is a result like the benchmarks': committed, drawn on chapter 14's page.
const save = SECONDS >= 120 && !values["no-save"] && samples.length > 0;
if (save) {
  const every10 = samples.filter((s) => s.t % 10 === 0);
  const rows = [
    ...every10.map((s) => ({ case: "resident memory (RSS)", system: `${String(s.t).padStart(3)} s`, value: round(s.rssKiB / 1024, 1), unit: "MiB", better: "lower" })),
    ...every10.filter((s) => s.t > 0).map((s) => ({ case: "requests answered", system: `${String(s.t).padStart(3)} s`, value: s.requests, unit: "requests/s", better: "higher" })),
    { case: "heap after a full GC", system: `${String(WARMUP).padStart(3)} s`, value: round(heapStart / 2 ** 20, 2), unit: "MiB", better: "lower" },
    { case: "heap after a full GC", system: `${String(SECONDS).padStart(3)} s`, value: round(heapEnd / 2 ** 20, 2), unit: "MiB", better: "lower" },
  ];
  const results = {
    suite: "soak",
    title: "The load balancer under a steady load for two minutes: resident memory every second, heap after a full GC (chapter 14)",
    subject: "load balancer",
    date: new Date().toISOString(),
    machine: machine({}, loadAtStart),
    reps: 1,
    rows,
    aims: checks.map((c) => ({ aim: c.name, met: c.ok, detail: c.detail })),
    notes: [
      measuredAt(ROOT, ["solutions", "test/soak"]) ?? "no commit recorded",
      `load: up to ${RATE} TCP connections a second (each a request and a 64-byte answer), at most ${CONCURRENCY} in flight, for ${SECONDS} s; two backends in the runner's process; ${ok} answered (${Math.round(ok / SECONDS)} a second), ${failed} failed${values.workers ? `; the balancer with --workers ${values.workers}` : ""}`,
      "one run (no reps): a soak is about the shape of the line, not a median",
    ],
    load: { seconds: SECONDS, rate: RATE, concurrency: CONCURRENCY, warmup: WARMUP, requests: ok, failed, workers: values.workers ? Number(values.workers) : null },
    series: samples,
  };
  const file = resolve(ROOT, "bench", "results", "soak.json");
  // The run this one replaces, as every suite's result keeps it: the reports mark a check whose verdict moved.
  const old = savedResult(file);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify({ ...results, ...(old ? { previous: previousRun(old) } : {}) }, null, 2)}\n`);
  console.log("\nwrote bench/results/soak.json (chapter 14's plot and table read it; then run npm run bench:tables)");
} else console.log(`\nnot saved (${SECONDS < 120 ? "a run shorter than 120 s" : values["no-save"] ? "--no-save" : "no samples"})`);

console.log(`\nsoak: ${passed} passed, ${bad} failed in ${((Date.now() - started) / 1000).toFixed(0)} s`);
process.exit(bad > 0 || checks.length === 0 ? 1 : 0);
