// How fast this machine was when a run ended: the time two fixed pieces of work take, recorded with every result.
//
// The same code measured on different days of this machine has run at very different speeds. On 7 December the io,
// l7 and workers suites measured node:http and HAProxy at about two thirds to half of their requests/s of the day
// before (node:http 37,500 req/s at 64 connections, against 47,650 to 65,370; HAProxy tcp with one thread 27,760 and
// 26,110 in two runs, against 50,190 to 54,750 in the four before), while node http-proxy, which spends its time in
// JavaScript, kept its figures. No steal showed, and in the run at fb20a77 no other process either
// (bench/lib/steal.ts): the host's load on what the cores share does not show as steal. Ratios within one run stay
// fair, since every system of a run meets the same machine; figures of runs made on different days do not compare.
// So each result records these references, one of JavaScript and one of the kernel's loopback path, and the tables
// print them beside the load; it records the kernel's mitigations of CPU flaws too, which set what a system call costs.
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";

/**
 * The work, run by a fresh Node process (no JIT state from the run). JavaScript: objects, strings and a Map, which
 * exercise the collector's young generation, and a sort. Loopback: 2,000 round trips of 64 bytes over one TCP
 * connection to itself, one in flight, which is mostly system calls and the kernel's network stack. Each is timed
 * ten times; it prints the least of each, in milliseconds, as JSON. A string, not a function's source, so that no
 * compiler's helper leaks in.
 */
const WORK = `
const net = require("node:net");
function javascript() {
  let best = Infinity;
  for (let run = 0; run < 10; run++) {
    const t0 = performance.now();
    let map = new Map();
    let sum = 0;
    for (let i = 0; i < 200000; i++) {
      const o = { id: i, key: "k" + i, tags: [i & 7, i & 15] };
      map.set(o.key, o);
      sum += o.key.length + o.tags.length;
      if (map.size === 5000) map = new Map();
    }
    const xs = Array.from({ length: 100000 }, (_, i) => (i * 7919) % 100003);
    xs.sort((a, b) => a - b);
    if (sum + xs[0] < 0) throw new Error("unreachable");
    best = Math.min(best, performance.now() - t0);
  }
  return best;
}
async function loopback() {
  const server = net.createServer((s) => { s.setNoDelay(true); s.on("data", (d) => s.write(d)); });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  const c = net.connect(server.address().port, "127.0.0.1");
  c.setNoDelay(true);
  await new Promise((r) => c.on("connect", r));
  const message = Buffer.alloc(64, 1);
  let best = Infinity;
  for (let run = 0; run < 10; run++) {
    const t0 = performance.now();
    for (let i = 0; i < 2000; i++) {
      c.write(message);
      await new Promise((r) => c.once("data", r));
    }
    best = Math.min(best, performance.now() - t0);
  }
  c.destroy();
  server.close();
  return best;
}
const js = javascript();
loopback().then((ms) => console.log(JSON.stringify({ javascript: js, loopback: ms })));
`;

/** Milliseconds each reference took just now (the least of ten), to a tenth. */
export interface ReferenceWork {
  readonly javascriptMs: number;
  readonly loopbackMs: number;
}

/** Runs the reference work; null where it could not run or printed something else. */
export function referenceWork(run: (code: string) => { status: number | null; stdout: string } = runNode): ReferenceWork | null {
  const r = run(WORK);
  let parsed: unknown;
  try {
    parsed = JSON.parse(r.stdout.trim());
  } catch {
    return null;
  }
  const { javascript, loopback } = (parsed ?? {}) as { javascript?: unknown; loopback?: unknown };
  const ok = (x: unknown): x is number => typeof x === "number" && Number.isFinite(x) && x > 0;
  if (r.status !== 0 || !ok(javascript) || !ok(loopback)) return null;
  return { javascriptMs: tenth(javascript), loopbackMs: tenth(loopback) };
}

/**
 * The kernel's mitigations of CPU flaws in force (/sys/devices/system/cpu/vulnerabilities), as "name: how" for each
 * one mitigated, joined by "; ": they change what a system call costs (page-table isolation switches page tables on
 * every entry to the kernel), so two runs of one machine that differ here do not compare. Null where the kernel does
 * not say, or mitigates nothing.
 */
export function cpuMitigations(dir = "/sys/devices/system/cpu/vulnerabilities"): string | null {
  let names: string[];
  try {
    names = readdirSync(dir).sort();
  } catch {
    return null;
  }
  const mitigated = names.flatMap((name) => {
    try {
      const text = readFileSync(`${dir}/${name}`, "utf8").trim();
      return text.startsWith("Mitigation: ") ? [`${name}: ${text.slice("Mitigation: ".length).split(";")[0]!.trim()}`] : [];
    } catch {
      return [];
    }
  });
  return mitigated.length ? mitigated.join("; ") : null;
}

const tenth = (x: number): number => Math.round(x * 10) / 10;
const runNode = (code: string) => spawnSync(process.execPath, ["-e", code], { encoding: "utf8", timeout: 60_000 });
