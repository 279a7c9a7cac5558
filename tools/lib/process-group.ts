// Runs a program in its own process group with a deadline, and kills everything it started: the group, and the
// descendants that left it. Shared by the grader, the notebook runner under Jupyter, the cast recorder and the
// benchmarks — every place where a program we start must not outlive its time limit, nor leave anything behind.
//
// A process group is not enough on its own: a program can start a child with `detached: true` (setsid), which puts
// the child in a group and session of its own, out of reach of `kill(-pgid)`. So the helper also walks the parent
// chain in /proc (Linux) just before each kill, and every second while the program runs, so a descendant whose parent
// already exited (and which was re-parented to init) is still known. Every process started from the program also
// inherits a random marker in its environment (GROUP_MARKER), so one that was started and orphaned between two looks
// is found too. The kill repeats until a look finds nobody left: a process may start a child between the look and the
// kill. Elsewhere (macOS) the group kill alone applies.
// `Offspring` is that search without the group, for a program that must stay in the terminal's process group (the
// watch's vitest reads keys from it): `npm run watch`'s supervisor ends with it what a stopped run had started.
// Simplification: a production grader would run each program in a PID namespace or a cgroup and kill that; both
// need privileges a learner's machine may not grant.
import { spawn, type ChildProcess, type SpawnOptions } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";

/** The environment variable whose value marks every process started from one group. */
export const GROUP_MARKER = "HUB_PROCESS_GROUP";

export interface GroupOptions extends Omit<SpawnOptions, "detached"> {
  /** Kill everything after this many milliseconds. */
  readonly deadlineMs?: number;
  /** Called once when the deadline kills the program, before the kill. */
  readonly onDeadline?: () => void;
  /** How often to note the program's descendants while it runs (0: only at kill time). Default 1000 ms. */
  readonly trackEveryMs?: number;
}

export interface ProcessGroup {
  readonly child: ChildProcess;
  /** True once the deadline has killed the program. */
  readonly timedOut: boolean;
  /**
   * Sends `signal` (SIGKILL by default) to the group and to every descendant seen, including those that left the
   * group. Safe to call at any time, any number of times.
   */
  kill(signal?: NodeJS.Signals): void;
}

/** A live process, as /proc/<pid>/stat describes it. */
export interface Proc {
  readonly pid: number;
  readonly ppid: number;
  readonly pgid: number;
  /** Start time in clock ticks since boot: with the pid, it names one process even if the pid is reused. */
  readonly start: string;
  /** CPU time so far, in clock ticks: its own (utime, stime) and its reaped children's (cutime, cstime). */
  readonly ticks: number;
}

function readProc(pid: number): Proc | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name, in parentheses, may contain spaces: fields are counted after its closing ")".
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    if (f[0] === "Z" || f[0] === "X") return null; // a zombie is dead already; only its parent can reap it
    const ticks = Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]);
    return { pid, ppid: Number(f[1]), pgid: Number(f[2]), start: f[19]!, ticks };
  } catch {
    return null; // gone, or no /proc here
  }
}

/**
 * `base` with `token` added to the marker: a process may be inside several groups at once (the grader's, then a group
 * one of the lab's tests starts), and each of them must still find it.
 */
export function withMarker(base: NodeJS.ProcessEnv, token: string): NodeJS.ProcessEnv {
  const tokens = base[GROUP_MARKER] ? base[GROUP_MARKER].split(",") : [];
  return { ...base, [GROUP_MARKER]: [...tokens, token].join(",") };
}

function hasMarker(pid: number, token: string): boolean {
  try {
    const entry = readFileSync(`/proc/${pid}/environ`, "latin1").split("\0").find((e) => e.startsWith(`${GROUP_MARKER}=`));
    return entry !== undefined && entry.slice(GROUP_MARKER.length + 1).split(",").includes(token);
  } catch {
    return false; // another user's process, or gone
  }
}

/** Every live process (zombies aside), read from /proc; empty without /proc. */
export function listProcesses(): Proc[] {
  let names: string[];
  try {
    names = readdirSync("/proc");
  } catch {
    return [];
  }
  const list: Proc[] = [];
  for (const d of names) {
    if (!/^\d+$/.test(d)) continue;
    const p = readProc(Number(d));
    if (p) list.push(p);
  }
  return list;
}

/**
 * Every live process whose parent chain leads to `pid` (not `pid` itself), plus, when a marker's `token` is given,
 * every process whose environment carries it (withMarker) and their descendants; read from /proc, empty without /proc.
 * `pid` null: the marker's alone (the process is gone, and its pid may name another one by now).
 */
export function descendants(pid: number | null, token?: string): number[] {
  const kids = new Map<number, number[]>();
  const roots = pid === null ? [] : [pid];
  for (const p of listProcesses()) {
    kids.set(p.ppid, [...(kids.get(p.ppid) ?? []), p.pid]);
    if (token && p.pid !== pid && p.pid !== process.pid && hasMarker(p.pid, token)) roots.push(p.pid);
  }
  const out = new Set<number>();
  const visit = (p: number): void => {
    for (const k of kids.get(p) ?? []) {
      if (out.has(k)) continue;
      out.add(k);
      visit(k);
    }
  };
  for (const r of roots) {
    if (r !== pid) out.add(r);
    visit(r);
  }
  return [...out];
}

/** True while `pid` runs (a zombie does not count). */
export function isAlive(pid: number): boolean {
  if (readProc(pid)) return true;
  try {
    readdirSync("/proc");
    return false; // /proc exists and has no live process by that pid
  } catch {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  }
}

/** Sleeps synchronously, so that a kill can run in an "exit" handler. */
const pause = (ms: number): void => void Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

const signalPid = (pid: number, signal: NodeJS.Signals): void => {
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
};

/**
 * Everything one process started, noted while it runs and killed together: its descendants by the parent chain, and
 * every process that inherited its marker (started with `env()`), so that one orphaned between two looks, or after
 * the process died, is found too. The pid and start time of each noted process guard against a reused pid.
 */
export class Offspring {
  readonly token = randomBytes(12).toString("hex");
  /** The adopted process, and its start time while it ran (null: it had ended already when adopted). */
  #root: { pid: number; start: string | null } | null = null;
  readonly #seen = new Map<number, string>();

  /**
   * The process started with `env()`, its descendants looked for from now on: by its parent chain while it runs,
   * by the marker alone once it has ended (its pid may then name another process, whose children are not ours).
   */
  adopt(pid: number | undefined): void {
    this.#root = pid === undefined ? null : { pid, start: readProc(pid)?.start ?? null };
  }

  /** The environment to start the process with: `base` and this marker. */
  env(base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
    return withMarker(base, this.token);
  }

  /** Notes the descendants alive now; returns how many live ones it found. */
  note(): number {
    if (this.#root === null) return 0;
    const running = this.#root.start !== null && readProc(this.#root.pid)?.start === this.#root.start;
    let found = 0;
    for (const pid of descendants(running ? this.#root.pid : null, this.token)) {
      const p = readProc(pid);
      if (p) (this.#seen.set(pid, p.start), found++);
    }
    return found;
  }

  /** Sends `signal` to every descendant noted that still runs, and to a group it leads; returns how many it sent to. */
  signal(signal: NodeJS.Signals): number {
    let sent = 0;
    for (const [pid, start] of this.#seen) {
      const p = readProc(pid);
      if (!p || p.start !== start) {
        this.#seen.delete(pid);
        continue;
      }
      if (p.pgid === pid) signalPid(-pid, signal); // it made a group of its own: that group goes too
      signalPid(pid, signal);
      sent++;
    }
    return sent;
  }

  /**
   * Notes the descendants (before the kill: once a parent dies, its children's chain to the root is gone), then
   * signals them, and `also` (the root's group, say) first. A SIGKILL is repeated until a look finds nobody left:
   * a process may start a child between the look and the kill. Returns how many processes the first round signalled.
   */
  kill(signal: NodeJS.Signals = "SIGKILL", also?: (signal: NodeJS.Signals) => void): number {
    this.note();
    also?.(signal);
    const first = this.signal(signal);
    if (signal !== "SIGKILL") return first;
    for (let round = 0; round < 20 && this.note() > 0; round++) {
      pause(10);
      also?.(signal);
      this.signal(signal);
    }
    return first;
  }
}

/** The kills of every group still running: nothing we started outlives this process either. */
const running = new Set<() => void>();
let exitHook = false;

/** Starts `command args` in a process group of its own (detached), killed with all it started at the deadline. */
export function spawnGroup(command: string, args: readonly string[], options: GroupOptions = {}): ProcessGroup {
  const { deadlineMs, onDeadline, trackEveryMs = 1000, ...spawnOptions } = options;
  const offspring = new Offspring();
  const child = spawn(command, args, { ...spawnOptions, env: offspring.env(spawnOptions.env ?? process.env), detached: true });
  const pgid = child.pid;
  offspring.adopt(pgid);
  let timedOut = false;
  let finished = false;

  const killGroup = (signal: NodeJS.Signals): void => {
    if (pgid !== undefined) signalPid(-pgid, signal); // an empty group is gone already
  };
  const kill = (signal: NodeJS.Signals = "SIGKILL"): void => void offspring.kill(signal, killGroup);

  const tracker = trackEveryMs > 0 && pgid !== undefined ? setInterval(() => offspring.note(), trackEveryMs) : undefined;
  tracker?.unref();
  const timer = deadlineMs === undefined ? undefined : setTimeout(() => {
    timedOut = true;
    onDeadline?.();
    kill("SIGKILL");
  }, deadlineMs);
  const onExit = (): void => kill("SIGKILL");
  running.add(onExit);
  if (!exitHook) {
    exitHook = true; // one listener for all groups, however many run at once
    process.once("exit", () => running.forEach((k) => k()));
  }

  const finish = (): void => {
    if (finished) return;
    finished = true;
    clearTimeout(timer);
    clearInterval(tracker);
    running.delete(onExit);
    // Whatever the program left running (workers, a detached child) ends with it.
    kill("SIGKILL");
  };
  child.once("exit", finish);
  child.once("error", finish);

  return {
    child,
    get timedOut() {
      return timedOut;
    },
    kill,
  };
}
