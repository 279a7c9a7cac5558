// bench/lib/gc-trace.ts and `npm run bench:gc`: `node --trace-gc`'s lines read right, a run's collections added up
// (what was allocated between them, what survived a scavenge), a process's CPU split between its main thread and the
// others from /proc, and the tool's arguments checked before it starts anything.
import { spawn, spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { gcLine, type GcEvent, parseGcLine, summarize, threadCpu, withTraceGc } from "../../bench/lib/gc-trace";
import { ROOT } from "../../tools/lib/manifest";

// Lines as Node 20 prints them (a proxy at 5,000 connections).
const SCAVENGE = "[13180:0x107cd150]     8594 ms: Scavenge 149.6 (233.9) -> 133.3 (233.9) MB, 18.06 / 0.00 ms  (average mu = 0.989, current mu = 0.992) allocation failure; ";
const FULL = "[13180:0x107cd150]     4584 ms: Mark-Compact 154.1 (203.0) -> 58.9 (201.4) MB, 8.77 / 0.02 ms  (+ 23.5 ms in 95 steps since start of marking, biggest step 4.3 ms, walltime since start of marking 86 ms) (average mu = 0.983, current mu = 0.987) finalize incremental marking via stack guard; GC in old space requested";

const ev = (kind: string, before: number, after: number, pause = 1): GcEvent => ({ kind, at: 0, before, after, pause, marking: 0 });

describe("reading node --trace-gc", () => {
  it("takes each collection's kind, heap before and after, pause and incremental marking", () => {
    expect(parseGcLine(SCAVENGE)).toEqual({ at: 8594, kind: "Scavenge", before: 149.6, after: 133.3, pause: 18.06, marking: 0 });
    expect(parseGcLine(FULL)).toEqual({ at: 4584, kind: "Mark-Compact", before: 154.1, after: 58.9, pause: 8.77, marking: 23.5 });
    expect(parseGcLine(FULL.replace("Mark-Compact", "Mark-Compact (reduce)"))?.kind).toBe("Mark-Compact (reduce)");
    expect(parseGcLine("ready")).toBeNull();
    expect(parseGcLine("")).toBeNull();
  });

  it("adds a run's collections up: growth between them is allocation, and a scavenge keeps what grew the heap after it", () => {
    // 10 MiB after the collection before the run; +20 allocated, 2 kept; +20, 4 kept; a full collection frees 10.
    const s = summarize([ev("Scavenge", 30, 12, 2), ev("Scavenge", 32, 16, 4), ev("Mark-Compact", 20, 10, 6)], ev("Scavenge", 15, 10));
    expect(s).toEqual({ scavenges: 2, full: 1, paused: 12, medianScavenge: 2, marking: 0, allocated: 44, survived: 6 / 40 });
    // Without a collection before the run the first one's growth is unknown: it counts from the first.
    const alone = summarize([ev("Scavenge", 30, 12), ev("Scavenge", 32, 16)], null);
    expect(alone.allocated).toBe(20);
    expect(alone.survived).toBe(4 / 20);
    expect(summarize([ev("Scavenge", 30, 12)], null).allocated).toBeNull();
    expect(summarize([], null)).toMatchObject({ scavenges: 0, full: 0, paused: 0, allocated: null, survived: null });
  });

  it("says a run's CPU per request by thread, then what the collector did", () => {
    const cpu = { main: { cpu: 103.9, user: 69.4, kernel: 34.5 }, others: { cpu: 30.96, user: 26.3, kernel: 4.66 } };
    const gc = { scavenges: 37, full: 2, paused: 885, medianScavenge: 20.3, marking: 16.4, allocated: 872.5, survived: 0.395 };
    expect(gcLine(cpu, gc, 42_780, 5)).toBe(
      "CPU per request 135 µs: event-loop thread 104 (user 69.4, kernel 34.5), other threads 31 (user 26.3, kernel 4.66) | " +
        "GC: 37 scavenges (median pause 20.3 ms), 2 full (+ 16.4 ms of incremental marking); the event loop paused 17.7% of the run; " +
        "20.9 KiB allocated per request, 39.5% of the young generation's survived its scavenge",
    );
  });
});

describe("a process's CPU by thread", () => {
  it("counts the main thread's apart from the others', those of a thread that has ended too", async () => {
    // 300 ms of CPU on the main thread, then 300 ms in a worker thread that ends; the program then waits to be read.
    // Counted in CPU time, not on the clock: on a busy machine a loop of 300 ms of wall time gets less of the CPU
    // (a fresh clone's run once read 210 ms). While one thread burns, the other waits, so the process's count is its.
    const burn = "(ms) => { const t = process.cpuUsage(); for (;;) { const d = process.cpuUsage(t); if (d.user + d.system >= ms * 1000) break; } }";
    const script = `(${burn})(300);
new (require("node:worker_threads").Worker)("(${burn})(300)", { eval: true })
  .on("exit", () => { console.log("done"); process.stdin.on("data", () => process.exit(0)); });`;
    const child = spawn(process.execPath, ["-e", script], { stdio: ["pipe", "pipe", "inherit"] });
    try {
      await new Promise<void>((resolve) => child.stdout!.once("data", () => resolve()));
      const cpu = threadCpu(child.pid!);
      // /proc counts in ticks of 10 ms; the loops run 300 ms of CPU each, whatever else the machine does.
      expect(cpu.main.user + cpu.main.kernel).toBeGreaterThanOrEqual(250_000);
      expect(cpu.others.user + cpu.others.kernel).toBeGreaterThanOrEqual(250_000);
    } finally {
      child.stdin!.write("x");
      child.kill();
    }
  }, 20_000);
});

describe("npm run bench:gc", () => {
  const run = (...args: string[]) => spawnSync(process.execPath, ["--import", "tsx", "bench/gc/run.ts", ...args], { cwd: ROOT, encoding: "utf8" });
  const hasSs = spawnSync("ss", ["-V"]).status === 0;

  it("adds --trace-gc to a Node command, and refuses any other", () => {
    expect(withTraceGc(["node", "--import", "tsx", "p.ts"])).toEqual(["node", "--trace-gc", "--import", "tsx", "p.ts"]);
    expect(withTraceGc([process.execPath, "p.js"])).toEqual([process.execPath, "--trace-gc", "p.js"]);
    expect(() => withTraceGc(["haproxy", "-f", "x.cfg"])).toThrow('the command must start a Node program (node …), not "haproxy"');
  });

  it("says what is wrong with its arguments, and how to call it, before it starts anything", () => {
    const bad = run("--conns", "many", "--", "node", "x.js");
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('--conns must be a whole number of at least 1, not "many"');
    expect(bad.stderr).toContain("usage: npm run bench:gc");
    const notNode = run("--", "haproxy", "-f", "x.cfg");
    expect(notNode.status).toBe(2);
    expect(notNode.stderr).toContain("the command must start a Node program");
    const none = run();
    expect(none.status).toBe(2);
    expect(none.stdout).toContain("--trace-gc is added");
  }, 30_000);

  // The tool asks `ss` whether the port is free before it starts the program (as bench:queue does).
  it.runIf(hasSs || process.env.CI === "true")("says why a program it started was not measured, with what the program printed", () => {
    expect(hasSs, "ss (Debian: apt-get install iproute2) is not installed").toBe(true);
    const dies = run("--no-backends", "--port", "9399", "--", process.execPath, "-e", "console.error('no such config'); process.exit(3)");
    expect(dies.status).toBe(1);
    expect(dies.stderr).toContain("bench:gc: the program did not listen on 127.0.0.1:9399: exited with code 3 (it said: no such config)");
  }, 30_000);
});
