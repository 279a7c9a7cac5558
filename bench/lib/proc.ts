// Process plumbing of the suites that start servers (lb, io): start one fresh with a raised fd limit in its own
// process group, wait until it listens, read the CPU time and memory of its process tree from /proc, stop it.
import { type ChildProcess, spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { connect } from "node:net";
import { resolve } from "node:path";
import { type ProcessGroup, spawnGroup } from "../../tools/lib/process-group";

export const repoDir = resolve(import.meta.dirname, "..", "..");
/** File descriptors each started server may open: the hard limit here (5,000 proxied connections need > 10,000). */
export const NOFILE = 20000;
const CLK_TCK = 100;

/** The first line a program prints for `argv` when it exits 0 (`haproxy -v`: a peer's version), or null when it cannot run. */
export const probe = (argv: readonly string[]): string | null => {
  const r = spawnSync(argv[0]!, argv.slice(1), { encoding: "utf8" });
  return r.status === 0 ? `${r.stdout}${r.stderr}`.trim().split("\n")[0]! : null;
};

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function children(): Map<number, number[]> {
  const out = new Map<number, number[]>();
  for (const d of readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      const list = out.get(ppid) ?? [];
      list.push(Number(d));
      out.set(ppid, list);
    } catch {
      // the process ended while we looked
    }
  }
  return out;
}

function tree(pid: number): number[] {
  const kids = children();
  const out: number[] = [];
  const visit = (p: number): void => {
    out.push(p);
    for (const k of kids.get(p) ?? []) visit(k);
  };
  visit(pid);
  return out;
}

/**
 * CPU time of every process in the tree (all their threads: V8's GC helpers, libuv's pool), in µs: `user` in the
 * programs' own code (JavaScript, V8, Node, libc), `kernel` in their system calls — for a proxy on loopback, mostly
 * TCP: each write(2) carries its bytes through the loopback device into the receiving socket.
 */
export function cpuTimes(pid: number): CpuTimes {
  let user = 0;
  let kernel = 0;
  for (const p of tree(pid)) {
    try {
      const stat = readFileSync(`/proc/${p}/stat`, "utf8");
      const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      user += Number(f[11]); // field 14: utime
      kernel += Number(f[12]); // field 15: stime
    } catch {
      // gone
    }
  }
  return { user: (user * 1e6) / CLK_TCK, kernel: (kernel * 1e6) / CLK_TCK };
}

export interface CpuTimes {
  readonly user: number;
  readonly kernel: number;
}

/** The CPU spent between two readings of cpuTimes per unit of work (a request, a round trip), in µs: all, user, kernel. */
export function cpuPer(before: CpuTimes, after: CpuTimes, units: number): { cpu: number; user: number; kernel: number } {
  const user = (after.user - before.user) / units;
  const kernel = (after.kernel - before.kernel) / units;
  return { cpu: user + kernel, user, kernel };
}

/** Every process started here and not stopped yet: stopped too if the driver itself is interrupted. */
const live = new Map<ChildProcess, ProcessGroup>();
let handlersInstalled = false;

/**
 * Starts `argv` with a raised fd limit, in its own process group (tools/lib/process-group); `env` adds variables
 * (the profiler's file); after `deadlineMs` the program and everything it started are killed.
 */
export function start(argv: readonly string[], env: Record<string, string> = {}, deadlineMs?: number): ChildProcess {
  if (!handlersInstalled) {
    handlersInstalled = true;
    for (const signal of ["SIGINT", "SIGTERM"] as const) {
      process.on(signal, () => {
        for (const g of live.values()) g.kill("SIGKILL");
        process.exit(130);
      });
    }
  }
  const quoted = argv.map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(" ");
  const g = spawnGroup("bash", ["-c", `ulimit -n ${NOFILE} && exec ${quoted}`], {
    cwd: repoDir,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, ...env },
    deadlineMs,
  });
  live.set(g.child, g);
  g.child.once("exit", () => live.delete(g.child));
  return g.child;
}

/** Asks the program's group to stop with `signal`; kills it all 3 s later if it has not. */
export async function stop(p: ChildProcess, signal: NodeJS.Signals = "SIGTERM"): Promise<void> {
  const g = live.get(p);
  if (!g || p.exitCode !== null || p.signalCode !== null) return;
  const gone = new Promise<void>((r) => p.once("exit", () => r()));
  g.kill(signal);
  await Promise.race([gone, sleep(3000)]);
  g.kill("SIGKILL");
  await Promise.race([gone, sleep(1000)]);
}

/** Resolves once something accepts connections on `port` (10 s at most: tsx compiles the hub on start-up). */
export async function listening(port: number, p: ChildProcess | null): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (p && p.exitCode !== null) throw new Error(`exited with code ${p.exitCode}`);
    const ok = await new Promise<boolean>((r) => {
      const s = connect({ host: "127.0.0.1", port }, () => {
        s.destroy();
        r(true);
      });
      s.on("error", () => r(false));
    });
    if (ok) return;
    await sleep(50);
  }
  throw new Error(`nothing listens on 127.0.0.1:${port} after 10 s`);
}

/** A field of /proc/PID/status in KiB, summed over the tree (VmHWM: peak resident; VmRSS: resident now). */
export function memKiB(pid: number, field: "VmHWM" | "VmRSS"): number {
  let kb = 0;
  for (const p of tree(pid)) {
    try {
      const m = readFileSync(`/proc/${p}/status`, "utf8").match(new RegExp(`^${field}:\\s+(\\d+)`, "m"));
      if (m) kb += Number(m[1]);
    } catch {
      // gone
    }
  }
  return kb;
}

export const node = (script: string, ...args: string[]): string[] => [process.execPath, "--import", "tsx", script, ...args];
