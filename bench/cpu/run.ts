// `npm run bench:cpu -- [options] -- <program…>` (chapters 08, 11 and 13): where a proxy's CPU goes under a load, from
// Linux perf's samples, in microseconds per request: each system call's kernel time, and the user-space code by part
// (our chapters, Node's streams, the collector, the event loop), beside wrk's figures. Not a suite and never saved: the
// measurement behind lb/README.md's "Where the CPU goes, by perf". Any program can be measured (HAProxy, nginx); a Node
// one runs with --perf-basic-prof added, so that its compiled JavaScript has names. Starts the lb suite's fixed backends
// (ports 9101–9103), then for each rep the program afresh, the suites' 1 s warm-up, and one measured wrk run, over
// which perf samples the program's threads (999 times a second, with call chains) and /proc counts its CPU. Parts:
// lib/perf-profile.ts; the frame of options and reps: lib/load-tool.ts.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BACKENDS, lastLines, LOAD_OPTIONS, runLoadTool, SYSTEM_USAGE } from "../lib/load-tool";
import { parsePerfScript, profileLines, summarizeSamples, withPerfMap } from "../lib/perf-profile";
import { cpuPer, cpuTimes, sleep } from "../lib/proc";
import { fmt } from "../lib/report";
import { wrk } from "../lib/wrk";
import { descendants } from "../../tools/lib/process-group";

/** How often perf samples each thread, per second: odd, so that it does not beat with the programs' own timers. */
const FREQUENCY = 999;
const PERF_INSTALL = "apt-get update && apt-get install -y linux-perf";
/** The perf to run: $PERF names another (a versioned binary, a build of one's own). */
const PERF = process.env.PERF || "perf";

/** What keeps perf from watching another process here, or null. */
function perfMissing(): string | null {
  if (spawnSync(PERF, ["--version"]).status !== 0) return `Linux perf (${PERF}) is not installed; install it with: ${PERF_INSTALL}`;
  const paranoid = Number(readFileSync("/proc/sys/kernel/perf_event_paranoid", "utf8"));
  if (paranoid > 1 && process.getuid?.() !== 0) {
    return `perf may not watch another process here (kernel.perf_event_paranoid is ${paranoid}): run as root, or first: sysctl kernel.perf_event_paranoid=1`;
  }
  return null;
}

/** Stops perf (on SIGINT it writes its file and ends by the same signal) and waits; throws with what it said if it failed. */
async function stopPerf(perf: ChildProcess, said: () => string): Promise<void> {
  const ended = new Promise<boolean>((resolve) => perf.once("exit", (code, signal) => resolve(code === 0 || signal === "SIGINT")));
  if (perf.exitCode === null && perf.signalCode === null) perf.kill("SIGINT");
  else if (perf.exitCode !== 0) throw new Error(`perf record failed (exit ${perf.exitCode ?? perf.signalCode}): ${lastLines(said())}`);
  const ok = await Promise.race([ended, sleep(30_000).then(() => null)]);
  if (ok === null) {
    perf.kill("SIGKILL");
    throw new Error("perf did not stop within 30 s of being told to");
  }
  if (!ok) throw new Error(`perf record failed: ${lastLines(said())}`);
}

runLoadTool({
  name: "bench:cpu",
  usage: `usage: npm run bench:cpu -- ${LOAD_OPTIONS} (--system NAME | [--port P] -- <command…>)
  ${SYSTEM_USAGE}.
  A command starts a program listening on 127.0.0.1:P (default 9200); a Node program gets --perf-basic-prof. The lb
  suite's fixed backends listen on ${BACKENDS.join(", ")} unless --no-backends. Needs Linux perf (${PERF_INSTALL};
  $PERF names another perf binary).
  For example, chapter 11's proxy and HAProxy as the l7 suite runs them:
    npm run bench:cpu -- --system "hub http proxy on 64 acceptors"
    npm run bench:cpu -- --system "haproxy http"`,
  defaultConns: 64,
  needs: perfMissing,
  command: withPerfMap,
  async measure(program, { port, conns, seconds }) {
    const pid = program.pid!;
    const dir = mkdtempSync(join(tmpdir(), "hub-perf-"));
    try {
      const data = join(dir, "perf.data");
      const perf = spawn(PERF, ["record", "-F", String(FREQUENCY), "-g", "-o", data, "-p", [pid, ...descendants(pid)].join(",")], { stdio: ["ignore", "ignore", "pipe"] });
      let said = "";
      perf.stderr!.on("data", (d: Buffer) => (said = (said + d.toString()).slice(-2000)));
      await sleep(500); // perf attaches to each thread before the measured run begins
      if (perf.exitCode !== null) throw new Error(`perf record failed (exit ${perf.exitCode}): ${lastLines(said)}`);
      const before = cpuTimes(pid);
      const result = await wrk(conns, seconds, port);
      const after = cpuTimes(pid);
      await stopPerf(perf, () => said);
      if (result.requests === 0) return "no request completed";
      const script = spawnSync(PERF, ["script", "-i", data, "-F", "tid,ip,sym,dso"], { encoding: "utf8", maxBuffer: 1 << 30 });
      if (script.status !== 0) throw new Error(`perf script failed: ${lastLines(script.stderr)}`);
      const profile = summarizeSamples(parsePerfScript(script.stdout), pid);
      const cpu = cpuPer(before, after, result.requests);
      const head =
        `${fmt(result.rps)} requests/s, p99 ${fmt(result.p99)} ms | CPU per request ${fmt(cpu.cpu)} µs (user ${fmt(cpu.user)}, ` +
        `kernel ${fmt(cpu.kernel)}) | ${profile.samples.toLocaleString("en-US")} samples, ${fmt((100 * profile.mainThread) / Math.max(1, profile.samples))}% ` +
        `on the main thread${result.errors ? ` | ${result.errors}` : ""}`;
      return [head, ...profileLines(profile, cpu.cpu)].join("\n");
    } finally {
      rmSync(dir, { recursive: true, force: true });
      // Node writes the names of its compiled code here while it runs; nothing else reads them once perf has.
      rmSync(`/tmp/perf-${pid}.map`, { force: true });
    }
  },
});
