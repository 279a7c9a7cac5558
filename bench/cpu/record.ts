// One measured wrk run of a program under Linux perf (chapters 08, 11 and 13): perf samples every thread of the
// program 999 times a second with call chains while /proc counts its CPU, then the samples are put in parts
// (lib/perf-profile.ts). `npm run bench:cpu` (run.ts) prints one such run; the cpu suite (driver.ts) saves reps of them.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { lastLines } from "../lib/load-tool";
import { type CpuProfile, parsePerfScript, PerfMap, summarizeSamples } from "../lib/perf-profile";
import { cpuPer, cpuTimes, sleep } from "../lib/proc";
import { machineTime, stolen } from "../lib/steal";
import { wrk, type WrkResult } from "../lib/wrk";
import { descendants } from "../../tools/lib/process-group";

/** How often perf samples each thread, per second: odd, so that it does not beat with the programs' own timers. */
export const FREQUENCY = 999;
export const PERF_INSTALL = "apt-get update && apt-get install -y linux-perf";
/** The perf to run: $PERF names another (a versioned binary, a build of one's own). */
export const PERF = process.env.PERF || "perf";

/** perf's version line ("perf version 6.1.x"), asked once; null when there is no perf to ask. */
let version: string | null | undefined;
const perfVersionLine = (): string | null => {
  if (version === undefined) {
    const r = spawnSync(PERF, ["--version"], { encoding: "utf8" });
    version = r.status === 0 ? r.stdout.trim() || "perf" : null;
  }
  return version;
};

/** What keeps perf from watching another process here, or null. */
export function perfMissing(): string | null {
  if (perfVersionLine() === null) return `Linux perf (${PERF}) is not installed; install it with: ${PERF_INSTALL}`;
  const paranoid = Number(readFileSync("/proc/sys/kernel/perf_event_paranoid", "utf8"));
  if (paranoid > 1 && process.getuid?.() !== 0) {
    return `perf may not watch another process here (kernel.perf_event_paranoid is ${paranoid}): run as root, or first: sysctl kernel.perf_event_paranoid=1`;
  }
  return null;
}

/** perf's version line, for a saved result's record of its tools. */
export const perfVersion = (): string => perfVersionLine() ?? "perf";

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

/** One run: wrk's figures, the program's CPU per request from /proc (µs), its samples by part, the machine's steal. */
export interface PerfRun {
  readonly wrk: WrkResult;
  readonly cpu: { readonly cpu: number; readonly user: number; readonly kernel: number };
  readonly profile: CpuProfile;
  readonly steal: number;
}

/** Reads each Node program's perf map (/tmp/perf-PID.map) once, as `parsePerfScript` asks for it; null for any other file. */
function perfMaps(): (dso: string) => PerfMap | null {
  const maps = new Map<string, PerfMap | null>();
  return (dso) => {
    if (!maps.has(dso)) maps.set(dso, /^\/tmp\/perf-\d+\.map$/.test(dso) && existsSync(dso) ? new PerfMap(readFileSync(dso, "utf8")) : null);
    return maps.get(dso)!;
  };
}

/**
 * One measured wrk run of `conns` connections for `seconds` against `port`, perf recording the program `pid` and its
 * descendants meanwhile; null when no request completed (nothing to divide by).
 */
export async function recordUnderLoad(pid: number, run: { port: number; conns: number; seconds: number }): Promise<PerfRun | null> {
  const dir = mkdtempSync(join(tmpdir(), "hub-perf-"));
  try {
    const data = join(dir, "perf.data");
    const perf = spawn(PERF, ["record", "-F", String(FREQUENCY), "-g", "-o", data, "-p", [pid, ...descendants(pid)].join(",")], { stdio: ["ignore", "ignore", "pipe"] });
    let said = "";
    perf.stderr!.on("data", (d: Buffer) => (said = (said + d.toString()).slice(-2000)));
    await sleep(500); // perf attaches to each thread before the measured run begins
    if (perf.exitCode !== null) throw new Error(`perf record failed (exit ${perf.exitCode}): ${lastLines(said)}`);
    const before = cpuTimes(pid);
    const machine0 = machineTime();
    const result = await wrk(run.conns, run.seconds, run.port);
    const steal = stolen(machine0, machineTime());
    const after = cpuTimes(pid);
    await stopPerf(perf, () => said);
    if (result.requests === 0) return null;
    const script = spawnSync(PERF, ["script", "-i", data, "-F", "tid,ip,sym,dso"], { encoding: "utf8", maxBuffer: 1 << 30 });
    if (script.status !== 0) throw new Error(`perf script failed: ${lastLines(script.stderr)}`);
    return { wrk: result, cpu: cpuPer(before, after, result.requests), profile: summarizeSamples(parsePerfScript(script.stdout, perfMaps()), pid), steal };
  } finally {
    rmSync(dir, { recursive: true, force: true });
    // Node writes the names of its compiled code here while it runs; nothing else reads them once perf has.
    rmSync(`/tmp/perf-${pid}.map`, { force: true });
  }
}
