// Finds every process a graded lab started, so that none outlives its grading. Killing the lab's process
// group is not enough: a child started with `detached: true` has a group (and session) of its own. Two ways
// to find them on Linux, from /proc: the parent chain (every process whose parent, grandparent… is the run's
// first process), and a marker in the environment (a run token every process started from the run inherits),
// which still finds a child whose parent has exited and which was handed to init. Elsewhere (no /proc) this
// finds nothing and the process-group kill is all there is.
// Simplification: a production grader would run each lab in a PID namespace or a cgroup and kill that; both
// need privileges a learner's machine may not grant.
import { existsSync, readdirSync, readFileSync } from "node:fs";

/** The environment variable whose value marks every process of one graded run. */
export const RUN_MARKER = "HUB_GRADE_RUN";

interface Proc {
  readonly pid: number;
  readonly ppid: number;
  readonly pgrp: number;
  readonly zombie: boolean;
}

function table(): Proc[] {
  if (!existsSync("/proc/self/stat")) return [];
  const out: Proc[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, "utf8");
      // "pid (comm) state ppid pgrp …": comm may hold spaces and parentheses, so read after the last ")".
      const [state, ppid, pgrp] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      out.push({ pid: Number(name), ppid: Number(ppid), pgrp: Number(pgrp), zombie: state === "Z" || state === "X" });
    } catch {
      // gone between the listing and the read
    }
  }
  return out;
}

function marked(pid: number, marker: string): boolean {
  try {
    return readFileSync(`/proc/${pid}/environ`, "latin1").split("\0").includes(marker);
  } catch {
    return false; // another user's process, or gone
  }
}

/**
 * The live processes that belong to a run: `root`'s descendants (by parent chain), the members of its
 * process group, and every process whose environment holds `RUN_MARKER=token`. Never this process.
 */
export function processesOf(root: number | undefined, token: string): number[] {
  const procs = table().filter((p) => !p.zombie && p.pid !== process.pid);
  const found = new Set<number>();
  const marker = `${RUN_MARKER}=${token}`;
  for (const p of procs) if ((root && (p.pid === root || p.pgrp === root)) || marked(p.pid, marker)) found.add(p.pid);
  // Descendants of anything found so far, to a fixed point (the table is small; this is cheap).
  for (let grew = true; grew; ) {
    grew = false;
    for (const p of procs) if (!found.has(p.pid) && found.has(p.ppid)) grew = (found.add(p.pid), true);
  }
  return [...found];
}

const pause = (ms: number): void => void Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

/**
 * Kills every process of the run, again and again until a look finds none (a process may start a child
 * between the look and the kill). Synchronous, so it can run in an "exit" handler. Returns how many were killed.
 */
export function killRun(root: number | undefined, token: string, rounds = 20): number {
  let killed = 0;
  for (let i = 0; i < rounds; i++) {
    const pids = processesOf(root, token);
    if (!pids.length) break;
    for (const pid of pids) {
      try {
        process.kill(pid, "SIGKILL");
        killed++;
      } catch {
        // already gone
      }
    }
    pause(10);
  }
  return killed;
}
