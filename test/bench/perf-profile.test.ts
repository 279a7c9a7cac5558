// bench/lib/perf-profile.ts and `npm run bench:cpu`: `perf script`'s samples read right, each put in the one part it
// belongs to (a system call's kernel time, the JavaScript that asked for it, the collector, Node's native reads, a
// native program's own code), the parts turned into microseconds per request and gathered into the cpu suite's
// coarser groups; load-tool.ts's `--system`; and the refusals of bench:cpu and of `npm run bench cpu` before they start
// anything.
import { type ChildProcess, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cpuSystems, cpuTable, runKey } from "../../bench/cpu/driver";
import type { PerfRun } from "../../bench/cpu/record";
import { freshRun, suiteSystem } from "../../bench/lib/load-tool";
import { groupOf, GROUPS, jsFrame, parsePerfScript, PERF_MAP_FLAGS, PerfMap, profileLines, samplePart, summarizeSamples, withPerfMap } from "../../bench/lib/perf-profile";
import { ROOT } from "../../tools/lib/manifest";

const K = "[kernel.kallsyms]";
const NODE = "/usr/bin/node";
const MAP = "/tmp/perf-4242.map";
const LIBC = "/usr/lib/x86_64-linux-gnu/libc.so.6";

/** A command of the repository run as npm runs it (through tsx), with `env` added. */
const tsx = (args: string[], env: Record<string, string>) =>
  spawnSync(process.execPath, ["--import", "tsx", ...args], { cwd: ROOT, encoding: "utf8", env: { ...process.env, ...env } });

/** One sample as `perf script -F tid,ip,sym,dso` prints it: the thread, then its frames from the running one outward. */
const sample = (tid: number, frames: readonly [string, string][]): string =>
  `${String(tid).padStart(8)} \n${frames.map(([sym, dso], i) => `\t${(0x7f00 + i).toString(16).padStart(16)} ${sym} (${dso})`).join("\n")}\n`;

// Chains as perf recorded them from chapter 11's proxy (shortened outward, the file names of this course kept).
const WRITE_FRAMES: [string, string][] = [
  ["tcp_sendmsg_locked", K],
  ["ksys_write", K],
  ["do_syscall_64", K],
  ["entry_SYSCALL_64_after_hwframe", K],
  ["__GI___libc_write", LIBC],
  ["non-virtual thunk to node::LibuvStreamWrap::DoTryWrite(uv_buf_t**, unsigned long*)", NODE],
  ["node::StreamBase::WriteBuffer", NODE],
  ["JS:*writeOrBuffer node:internal/streams/writable:548:23", MAP],
  ["JS:*sendall file:///course/solutions/05-green-sockets/node-socket.ts:1:2714", MAP],
];
const WRITE = sample(4242, WRITE_FRAMES);
const SYSCALL_ENTRY = sample(4242, [
  ["__raw_callee_save_pvm_irq_enable", K],
  ["do_syscall_64", K],
  ["entry_SYSCALL_64_after_hwframe", K],
  ["read", NODE],
]);
const READ_NATIVE = sample(4242, [
  ["node::StreamBase::CallJSOnreadMethod", NODE],
  ["node::EmitToJSStreamListener::OnStreamRead", NODE],
  ["uv__read", NODE],
  ["uv__io_poll", NODE],
  ["uv_run", NODE],
]);
const EPOLL = sample(4242, [["ep_poll", K], ["do_epoll_wait", K], ["do_syscall_64", K], ["epoll_wait", LIBC], ["uv__io_poll", NODE]]);
const FAULT = sample(4242, [["clear_page_erms", K], ["do_user_addr_fault", K], ["exc_page_fault", K], ["asm_exc_page_fault", K], ["Builtins_KeyedStoreIC", NODE]]);
const SOFTIRQ = sample(4242, [["net_rx_action", K], ["__do_softirq", K], ["irq_exit_rcu", K]]);
// A builtin the hub's loop called to resume a thread: the hub's time.
const HUB = sample(4242, [
  ["Builtins_ResumeGeneratorTrampoline", NODE],
  ["Builtins_GeneratorPrototypeNext", NODE],
  ["JS:*#advance file:///course/solutions/02-hub/hub.ts:1:9120", MAP],
  ["JS:*#loop file:///course/solutions/02-hub/hub.ts:1:2698", MAP],
]);
// A compiled regular expression inside chapter 07's serializer.
const REGEXP = sample(4242, [["RegExp:^[\\t\\x20-\\x7e\\x80-\\xff]*$", MAP], ["JS:*fieldLines file:///course/solutions/07-http/serialize.ts:1:1611", MAP]]);
// A scavenge on a helper thread, and one the event loop ran in the middle of chapter 11's code.
const GC_HELPER = sample(4250, [["v8::internal::Scavenger::ScavengeObject<v8::internal::FullHeapObjectSlot>", NODE], ["v8::internal::ScavengerCollector::JobTask::Run", NODE]]);
const GC_MAIN = sample(4242, [["memcpy", LIBC], ["v8::internal::Heap::Scavenge", NODE], ["Builtins_CEntry", NODE], ["JS:*attempt file:///course/solutions/11-http-proxy/exchange.ts:1:2736", MAP]]);
const COMPILE = sample(4251, [["v8::internal::compiler::Scheduler::Run", NODE], ["v8::internal::OptimizingCompileDispatcher::CompileTask::Run", NODE]]);
const LIBC_ONLY = sample(4242, [["__memmove_avx_unaligned_erms", LIBC], ["[unknown]", "[unknown]"]]);
const HAPROXY = sample(5001, [["memcpy", LIBC], ["htx_xfer_blks", "/usr/sbin/haproxy"]]);

describe("reading perf script", () => {
  it("takes each sample's thread and its frames, symbols with spaces and parentheses included", () => {
    const samples = parsePerfScript(WRITE + "\n" + GC_HELPER + "\n" + HAPROXY);
    expect(samples.map((s) => s.tid)).toEqual([4242, 4250, 5001]);
    expect(samples[0]!.frames).toHaveLength(9);
    expect(samples[0]!.frames[5]).toEqual({ sym: "non-virtual thunk to node::LibuvStreamWrap::DoTryWrite(uv_buf_t**, unsigned long*)", dso: NODE });
    expect(samples[2]!.frames[1]).toEqual({ sym: "htx_xfer_blks", dso: "/usr/sbin/haproxy" });
    expect(parsePerfScript("")).toEqual([]);
  });

  it("names V8's compiled functions and their files", () => {
    expect(jsFrame("JS:*attempt file:///course/solutions/11-http-proxy/exchange.ts:1:2736")).toEqual({ name: "attempt", url: "file:///course/solutions/11-http-proxy/exchange.ts" });
    expect(jsFrame("JS:~ node:internal/timers:438:28")).toEqual({ name: "(anonymous)", url: "node:internal/timers" });
    expect(jsFrame("Builtins_GeneratorPrototypeNext")).toBeNull();
  });
});

describe("the part a sample counts in", () => {
  const part = (text: string): string => samplePart(parsePerfScript(text)[0]!);

  it("puts kernel time with the system call it served, or with the way into the kernel", () => {
    expect(part(WRITE)).toBe("kernel: socket writes (write, sendto)");
    expect(part(EPOLL)).toBe("kernel: epoll");
    expect(part(FAULT)).toBe("kernel: page faults");
    expect(part(SYSCALL_ENTRY)).toBe("kernel: entering and leaving system calls");
    expect(part(SOFTIRQ)).toBe("kernel: interrupts and scheduling");
  });

  it("charges user-space code to the nearest JavaScript that called it, by chapter", () => {
    expect(part(HUB)).toBe("the hub (chapters 02–04)");
    expect(part(REGEXP)).toBe("HTTP parser and messages (chapter 07)");
    // The write's user-space side, had the sample been taken there: Node's stream code asked for it.
    expect(part(sample(4242, WRITE_FRAMES.slice(4)))).toBe("socket writes (Node's stream plumbing)");
  });

  it("keeps the collector and the compiler apart, on any thread, and native work with no JavaScript above it", () => {
    expect(part(GC_HELPER)).toBe("garbage collector");
    expect(part(GC_MAIN)).toBe("garbage collector");
    expect(part(COMPILE)).toBe("V8's compiler");
    expect(part(READ_NATIVE)).toBe("socket reads (Node's C++ and libuv)");
    expect(part(LIBC_ONLY)).toBe("C library");
    expect(part(HAPROXY)).toBe("native code (haproxy)");
  });
});

describe("a run's profile", () => {
  it("counts the samples by part and by JavaScript function, and says each part's microseconds per request", () => {
    const samples = parsePerfScript([WRITE, WRITE, HUB, GC_HELPER].join("\n"));
    const p = summarizeSamples(samples, 4242);
    expect(p).toEqual({
      samples: 4,
      parts: [
        ["kernel: socket writes (write, sendto)", 2],
        ["garbage collector", 1],
        ["the hub (chapters 02–04)", 1],
      ],
      functions: [["#advance (02-hub/hub.ts)", 1]],
      mainThread: 3,
    });
    // 40 µs of CPU per request: half of the samples, 20 µs.
    const lines = profileLines(p, 40);
    expect(lines[0]).toMatch(/^ {2}part +µs\/request +share$/);
    expect(lines[1]).toMatch(/^ {2}kernel: socket writes \(write, sendto\) +20\.0 +50\.0%$/);
    expect(lines[2]).toMatch(/^ {2}garbage collector +10\.0 +25\.0%$/);
    expect(lines.at(-1)).toBe("  heaviest JavaScript functions, µs/request with the V8 code and libc they called: #advance (02-hub/hub.ts) 10.0");
    expect(profileLines(summarizeSamples([], 1), 40)).toEqual(["  perf recorded no sample of the program"]);
  });

  it("names a Node program's compiled code for perf, and leaves any other program as it is", () => {
    expect(withPerfMap(["node", "--import", "tsx", "p.ts"], "/scratch")).toEqual(["node", ...PERF_MAP_FLAGS, "--logfile=/scratch/v8.log", "--import", "tsx", "p.ts"]);
    expect(withPerfMap(["haproxy", "-f", "x.cfg"], "/scratch")).toEqual(["haproxy", "-f", "x.cfg"]);
  });

  it("runs Node with its perf map written, V8's log in the scratch folder: none in its working folder, none on its stdout", () => {
    const cwd = mkdtempSync(join(tmpdir(), "perf-map-"));
    const scratch = mkdtempSync(join(tmpdir(), "perf-log-"));
    try {
      const [node, ...flags] = withPerfMap([process.execPath, "-e", "console.log('hello')"], scratch);
      const r = spawnSync(node!, flags, { cwd, encoding: "utf8" });
      expect(r.status, r.stderr).toBe(0);
      const map = `/tmp/perf-${r.pid}.map`;
      expect(existsSync(map), `${map}: the names perf reads`).toBe(true);
      rmSync(map, { force: true });
      // --perf-basic-prof alone leaves isolate-0x…-PID-v8.log in the working folder, one per process measured.
      expect(readdirSync(cwd)).toEqual([]);
      expect(readdirSync(scratch)).toEqual([expect.stringMatching(new RegExp(`^isolate-0x[0-9a-f]+-${r.pid}-v8\\.log$`))]);
      expect(r.stdout, "the program's own output only").toBe("hello\n");
    } finally {
      rmSync(cwd, { recursive: true, force: true });
      rmSync(scratch, { recursive: true, force: true });
    }
  });
});

describe("V8's perf map", () => {
  // As V8 wrote it in a run of chapter 11's proxy: the loader's start-up code first, then, once the collector had
  // freed it, the optimized `flush` at the same address. perf named the samples there after the first.
  const TSX = "JS:~<static_initializer> /course/node_modules/tsx/dist/register-B1c7OH6V.cjs:17:59";
  const FLUSH = "JS:*flush file:///course/solutions/11-http-proxy/body.ts:1:391";
  const WRITABLE = "JS:*writeOrBuffer node:internal/streams/writable:548:23";
  const map = new PerfMap([`7f0000 100 ${TSX}`, `7f0200 40 ${WRITABLE}`, `7f0000 200 ${FLUSH}`, "not a line", ""].join("\n"));

  it("names an address after the newest code whose range holds it", () => {
    expect(map.nameAt(0x7f0050)).toBe(FLUSH); // both hold it: the newer
    expect(map.nameAt(0x7f0150)).toBe(FLUSH); // only the newer, longer one
    expect(map.nameAt(0x7f0210)).toBe(WRITABLE);
    expect(map.nameAt(0x7f0240)).toBeUndefined(); // each range ends before start + size
    expect(map.nameAt(0x7eff00)).toBeUndefined();
  });

  it("names perf's frames from the map, and so charges the sample to the code that ran", () => {
    const text = `    4242 \n\t          7f0050 ${TSX} (${MAP})\n\t          7f0210 ${WRITABLE} (${MAP})\n\t          7f9999 uv_run (${NODE})\n`;
    const [s] = parsePerfScript(text, (dso) => (dso === MAP ? map : null));
    expect(s!.frames.map((f) => f.sym)).toEqual([FLUSH, WRITABLE, "uv_run"]);
    expect(groupOf(samplePart(s!))).toBe("our code: the HTTP proxy (chapter 11)");
    // With perf's own names, the same sample went to a library that ran only as the program started.
    expect(groupOf(samplePart(parsePerfScript(text)[0]!))).toBe("Node's other JavaScript, libraries");
  });
});

describe("the cpu suite's groups", () => {
  const group = (text: string): string => groupOf(samplePart(parsePerfScript(text)[0]!));

  it("gathers every part in one group of the table, our chapters each on its own", () => {
    expect(group(WRITE)).toBe("kernel: socket writes");
    expect(group(SYSCALL_ENTRY)).toBe("kernel: entering and leaving system calls");
    expect([EPOLL, FAULT, SOFTIRQ].map(group)).toEqual(Array(3).fill("kernel: epoll, connections, page faults, the rest"));
    expect(group(HUB)).toBe("our code: the hub (chapters 02–04)");
    expect(group(REGEXP)).toBe("our code: HTTP parser and messages (chapter 07)");
    expect(groupOf("chapter 09")).toBe("our code: other chapters");
    expect(groupOf("observability (chapter 13)")).toBe("our code: observability (chapter 13)");
    expect(group(sample(4242, WRITE_FRAMES.slice(4)))).toBe("Node's socket and stream code (JavaScript, C++, libuv's reads)");
    expect(group(READ_NATIVE)).toBe("Node's socket and stream code (JavaScript, C++, libuv's reads)");
    expect([GC_HELPER, GC_MAIN].map(group)).toEqual(["garbage collector", "garbage collector"]);
    expect(group(COMPILE)).toBe("V8's compiler");
    expect(group(LIBC_ONLY)).toBe("C library");
    expect(group(HAPROXY)).toBe("the program's own native code");
    expect(groupOf("other Node internals")).toBe("Node's other JavaScript, libraries");
    // Each chapter the suite's systems run has a row of its own.
    for (const g of GROUPS.filter((x) => /^our code: .*\(chapters? \d/.test(x))) expect(groupOf(g.slice("our code: ".length))).toBe(g);
  });
});

describe("the cpu suite's table", () => {
  /** A run of `cpu` µs a request whose samples fell in `parts` (part, samples). */
  const run = (rps: number, cpu: number, parts: [string, number][]): PerfRun => ({
    wrk: { rps, p50: 1, p99: 2, requests: rps * 5, errors: "" },
    cpu: { cpu, user: cpu / 2, kernel: cpu / 2 },
    profile: { samples: parts.reduce((sum, [, n]) => sum + n, 0), parts, functions: [], mainThread: 0 },
    steal: 0,
  });
  const runs = new Map<string, PerfRun[]>([
    [runKey("ours", 64), [
      run(1000, 40, [["kernel: socket writes (write, sendto)", 50], ["the HTTP proxy (chapter 11)", 25], ["the hub (chapters 02–04)", 25]]),
      run(1200, 60, [["kernel: socket writes (write, sendto)", 75], ["the HTTP proxy (chapter 11)", 25]]),
      run(1100, 50, [["kernel: socket writes (write, sendto)", 100]]),
    ]],
    [runKey("theirs", 64), [run(3000, 20, [["kernel: socket writes (write, sendto)", 60], ["native code (haproxy)", 40]])]],
  ]);
  const { cases, rows } = cpuTable(runs, ["ours", "theirs", "absent"], [64]);
  const row = (c: string, system: string) => rows.find((r) => r.case === `${c} @ 64 conns` && r.system === system);

  it("has the run's figures and each part in µs per request, the median of the reps with each rep kept", () => {
    expect(cases.map((c) => c.name).slice(0, 5)).toEqual(["requests/s @ 64 conns", "CPU per request @ 64 conns", "user-space CPU per request @ 64 conns", "kernel CPU per request @ 64 conns", "kernel: socket writes @ 64 conns"]);
    expect(row("requests/s", "ours")).toMatchObject({ value: 1100, min: 1000, max: 1200, samples: [1000, 1200, 1100], unit: "req/s", better: "higher" });
    // A part's share of a rep's samples times that rep's CPU per request.
    expect(row("kernel: socket writes", "ours")).toMatchObject({ value: 45, samples: [20, 45, 50], unit: "µs/req", better: "lower" });
    expect(row("our code: every chapter", "ours")!.samples).toEqual([20, 15, 0]);
  });

  it("counts a part a rep did not sample as 0, and gives no row where no rep of a system sampled it", () => {
    expect(row("our code: the HTTP proxy (chapter 11)", "ours")!.samples).toEqual([10, 15, 0]);
    expect(row("our code: the HTTP proxy (chapter 11)", "theirs")).toBeUndefined();
    expect(row("the program's own native code", "theirs")).toMatchObject({ value: 8 });
    expect(row("the program's own native code", "ours")).toBeUndefined();
    expect(rows.filter((r) => r.system === "absent")).toEqual([]);
  });
});

describe("the cpu suite's systems", () => {
  it("gives each system a folder of its own, so the two HAProxy systems run their own configurations, and leaves out one that cannot run", () => {
    const dir = mkdtempSync(join(tmpdir(), "hub-cpu-systems-test-"));
    try {
      const { systems, skipped } = cpuSystems(["hub (splice on 64 acceptors)", "haproxy http", "haproxy"], dir);
      expect(systems[0]).toMatchObject({ name: "hub (splice on 64 acceptors)", pooled: false });
      if (spawnSync("haproxy", ["-v"]).error) {
        // Not installed here: both are left out, each saying how to install it.
        expect(systems).toHaveLength(1);
        expect(skipped).toEqual([expect.stringMatching(/^haproxy http: .*apt-get install -y haproxy.*: skipped$/), expect.stringMatching(/^haproxy: .*: skipped$/)]);
        return;
      }
      expect(skipped).toEqual([]);
      const [http, tcp] = systems.slice(1).map((s) => s.argv[s.argv.indexOf("-f") + 1]!);
      expect(http).not.toBe(tcp);
      expect(readFileSync(http!, "utf8")).toContain("mode http");
      expect(readFileSync(tcp!, "utf8")).toContain("mode tcp");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("--system: a suite's system as the suite starts it", () => {
  it("gives its command line against the fixed backends and its suite's port, and refuses a name no suite has", () => {
    const dir = mkdtempSync(join(tmpdir(), "hub-system-test-"));
    try {
      const { argv, port } = suiteSystem("hub http proxy on 64 acceptors", dir);
      expect(argv.slice(-6)).toEqual(["--acceptors", "64", String(port), "9101", "9102", "9103"]);
      expect(argv).toContain("bench/l7/hub-http-proxy.ts");
      expect(suiteSystem("hub (splice on 64 acceptors)", dir).port).not.toBe(port); // the lb suite's port
      expect(() => suiteSystem("nope", dir)).toThrow(/--system must name a system of the lb, l7 or obs suite \(.*"haproxy http".*"metrics on".*\), not "nope"/);
      expect(() => suiteSystem("direct (no proxy)", dir)).toThrow("there is no program to measure");
      // The line the suite waits for before its warm-up, where it waits for one: our programs on 64 descriptors print
      // it once their copies exist.
      expect(suiteSystem("hub (splice on 64 acceptors)", dir).readyLine?.test("listening\nready\n")).toBe(true);
      expect(suiteSystem("hub (splice)", dir).readyLine).toBeUndefined();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("waits for a program's ready line, and says what the program said when it ends without one", async () => {
    const run = freshRun(
      { argv: [process.execPath, "-e", "console.log('starting'); console.error('no config'); process.exit(3)"], port: 9399, conns: 1, pooled: true, readyLine: /^ready$/m },
      async () => "measured",
    );
    await expect(run).rejects.toThrow(/^the program exited with code 3 \(it said: starting \| no config\)$/);
  });

  it("starts the warm-up only after the ready line, measures the program while it runs, and stops it after", async () => {
    const dir = mkdtempSync(join(tmpdir(), "fresh-run-"));
    const path = process.env.PATH;
    try {
      // A stand-in for wrk, first on the PATH: it notes whether the program had said it was ready when the warm-up began.
      const ready = join(dir, "ready");
      const warmUps = join(dir, "warm-ups");
      writeFileSync(join(dir, "wrk"), `#!/bin/sh\nif [ -e '${ready}' ]; then echo after >> '${warmUps}'; else echo before >> '${warmUps}'; fi\n`, { mode: 0o755 });
      process.env.PATH = `${dir}:${path}`;
      // Listens at once and says it is ready 300 ms later, as our programs on 64 descriptors do once their copies exist.
      const program = `require("net").createServer((s) => s.destroy()).listen(9398, "127.0.0.1", () => setTimeout(() => {
        require("fs").writeFileSync(${JSON.stringify(ready)}, ""); console.log("ready"); }, 300))`;
      let measured: ChildProcess | undefined;
      const running = await freshRun({ argv: [process.execPath, "-e", program], port: 9398, conns: 1, pooled: true, readyLine: /^ready$/m }, async (p) => {
        measured = p;
        return p.exitCode === null && p.signalCode === null;
      });
      expect(running).toBe(true);
      expect(readFileSync(warmUps, "utf8")).toBe("after\n");
      expect(measured!.exitCode !== null || measured!.signalCode !== null).toBe(true);
    } finally {
      process.env.PATH = path;
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("npm run bench:cpu", () => {
  const run = (args: string[], env: Record<string, string> = {}) => tsx(["bench/cpu/run.ts", ...args], env);

  it("says what is wrong with its arguments, and how to call it, before it starts anything", () => {
    const both = run(["--system", "haproxy http", "--", "node", "x.js"]);
    expect(both.status).toBe(2);
    expect(both.stderr).toContain("give --system or a command, not both");
    expect(both.stderr).toContain("usage: npm run bench:cpu");
    const moved = run(["--system", "hub http proxy", "--port", "9300"]);
    expect(moved.status).toBe(2);
    expect(moved.stderr).toContain("--port cannot move a suite's system");
    const bad = run(["--seconds", "0", "--", "node", "x.js"]);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('--seconds must be a whole number of at least 1, not "0"');
    const none = run([]);
    expect(none.status).toBe(2);
    expect(none.stdout).toContain("Needs Linux perf");
  }, 30_000);

  it("says how to install perf where it is missing, before it starts anything", () => {
    const missing = run(["--", "node", "x.js"], { PERF: "/nonexistent/perf" });
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain("bench:cpu: Linux perf (/nonexistent/perf) is not installed; install it with: apt-get update && apt-get install -y linux-perf");
  }, 30_000);
});

describe("npm run bench cpu", () => {
  const run = (args: string[], env: Record<string, string> = {}) => tsx(["bench/run.ts", "cpu", ...args], env);

  it("refuses what it cannot do, and says how to install perf where it is missing, before it starts anything", () => {
    const only = run(["--only", "5000"]);
    expect(only.status).toBe(2);
    expect(only.stderr).toContain('it takes one connection count ("64", "1000")');
    const profiled = run(["--profile"]);
    expect(profiled.status).toBe(2);
    expect(profiled.stderr).toContain("the cpu suite is a profile already");
    const missing = run(["--quick"], { PERF: "/nonexistent/perf" });
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain("bench cpu: Linux perf (/nonexistent/perf) is not installed; install it with: apt-get update && apt-get install -y linux-perf");
  }, 30_000);
});
