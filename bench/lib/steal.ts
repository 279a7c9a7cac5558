// The share of the machine taken from a measurement, which every suite's harness reads: by the hypervisor, and by
// processes that are not the benchmark's.
//
// On a virtual machine the host runs other guests on the same physical cores. The time it takes from ours shows in
// /proc/stat as "steal", and while it is high the same work costs more: in one run of the obs suite, measurements of
// identical code fell into a fast and a slow group, and the slow ones were those taken while steal was high (up to a
// third of the CPUs' time against a few percent). Other programs on this machine do the same from inside: a type
// check run during the workers suite took 29.5% of the machine from one measurement, which served about a third fewer
// requests/s than the same system's other reps. A measurement taken then measures the neighbours, not the code, so
// the suites read both over each measured run, take such a measurement again once the machine is quiet, and say so in
// the results.
import { readFileSync } from "node:fs";
import { listProcesses, type Proc } from "../../tools/lib/process-group";
import { median } from "./report";

/** Cumulative CPU time, in clock ticks: the whole machine's (all cores), its stolen part, and each other process's. */
export interface MachineTime {
  readonly steal: number;
  readonly total: number;
  /**
   * The CPU time so far of each process that is not the benchmark's (key: pid and start time), its own and its reaped
   * children's; null where the processes could not be listed (not Linux).
   */
  readonly others: ReadonlyMap<string, number> | null;
}

/** What the share taken needs of a process (tools/lib/process-group.ts reads them from /proc/<pid>/stat). */
export type ProcessTime = Pick<Proc, "pid" | "ppid" | "start" | "ticks">;

/** Above this share of the machine's time taken from the measured run, a measurement is taken again. */
export const STEAL_LIMIT = 0.05;
/** At most this many more tries; then the try with the least taken is kept, and the notes say it was over the limit. */
export const STEAL_RETRIES = 2;
/** Before a try is taken again, the machine is given up to this long to become quiet (below STEAL_LIMIT over a second). */
export const QUIET_WAIT_MS = 60_000;

/**
 * The benchmark is the process that first loaded this module and everything it starts: the variable passes its pid
 * to the programs it starts, so that a client the harness starts (the io suite's echo client) counts the server
 * beside it as the benchmark's, not as a neighbour.
 */
const ROOT_VARIABLE = "BENCH_ROOT_PID";
process.env[ROOT_VARIABLE] ??= String(process.pid);
const benchmarkRoot = (): number => Number(process.env[ROOT_VARIABLE]);

/**
 * The processes that are neither the benchmark's (`root` and its descendants) nor the kernel's own threads (pid 2
 * and its children, which do the benchmark's network work among others'), by key, with their CPU time.
 */
export function othersOf(processes: readonly ProcessTime[], root: number): Map<string, number> {
  const parent = new Map(processes.map((p) => [p.pid, p.ppid]));
  const others = new Map<string, number>();
  for (const p of processes) {
    if (p.pid === 2 || p.ppid === 2) continue;
    let ours = false;
    for (let q: number | undefined = p.pid, depth = 0; q !== undefined && q > 1 && depth < 256; q = parent.get(q), depth++) {
      if (q === root) {
        ours = true;
        break;
      }
    }
    if (!ours) others.set(`${p.pid}:${p.start}`, p.ticks);
  }
  return others;
}

/**
 * Reads the first line of /proc/stat and the other processes' times; null where /proc/stat is missing or has no
 * steal column (old kernels).
 */
export function machineTime(
  read: () => string = () => readFileSync("/proc/stat", "utf8"),
  processes: () => readonly ProcessTime[] = listProcesses,
  root: number = benchmarkRoot(),
): MachineTime | null {
  let text: string;
  try {
    text = read();
  } catch {
    return null;
  }
  const line = text.split("\n", 1)[0] ?? "";
  // "cpu  user nice system idle iowait irq softirq steal guest guest_nice": guest time is already counted in user.
  const fields = line.trim().split(/\s+/);
  if (fields[0] !== "cpu" || fields.length < 9) return null;
  const ticks = fields.slice(1, 9).map(Number);
  if (ticks.some((t) => !Number.isFinite(t))) return null;
  const listed = processes();
  return { steal: ticks[7]!, total: ticks.reduce((a, b) => a + b, 0), others: listed.length > 0 ? othersOf(listed, root) : null };
}

/**
 * The other processes' CPU time between two readings. A process gone by the second reading was most likely reaped
 * by one still there, whose reaped-children time now holds its whole life: what it had at the first reading is
 * taken off, so that only the time inside the window counts.
 */
function othersBetween(before: ReadonlyMap<string, number>, after: ReadonlyMap<string, number>): number {
  let sum = 0;
  for (const [key, ticks] of after) sum += ticks - (before.get(key) ?? 0);
  for (const [key, ticks] of before) if (!after.has(key)) sum -= ticks;
  return Math.max(0, sum);
}

/**
 * The share (0 to 1) of the machine's CPU time taken from the benchmark between two readings: stolen by the
 * hypervisor, and used by other processes (where they could be listed); NaN when either reading is missing.
 */
export function stolen(before: MachineTime | null, after: MachineTime | null): number {
  if (before === null || after === null) return NaN;
  const total = after.total - before.total;
  if (!(total > 0)) return NaN;
  const others = before.others && after.others ? othersBetween(before.others, after.others) : 0;
  return Math.min(1, (after.steal - before.steal + others) / total);
}

/**
 * Waits until the machine spends less than STEAL_LIMIT of a second on others; false when it was still busy after
 * QUIET_WAIT_MS.
 */
export async function untilQuiet(): Promise<boolean> {
  for (const deadline = Date.now() + QUIET_WAIT_MS; Date.now() < deadline; ) {
    const before = machineTime();
    await new Promise((r) => setTimeout(r, 1000));
    if (!(stolen(before, machineTime()) > STEAL_LIMIT)) return true;
  }
  return false;
}

/**
 * Keeps count over a run: `measure` takes a measurement again while more than STEAL_LIMIT of the machine was taken
 * from it (at most STEAL_RETRIES more tries, each once the machine is quiet, keeping the one with the least taken),
 * and `note` sums it up for the run's notes. A machine still busy after a minute's wait is taken as it is for the
 * rest of the run (its measurements kept without more tries, and the notes say from when): waiting and trying again
 * through every measurement of a suite would multiply its hour for nothing. A quick run (`again: false`) takes what
 * it gets.
 */
export class StealTally {
  readonly #kept: number[] = [];
  #retried = 0;
  #overLimit = 0;
  /** The measurement (1, 2, …) after whose wait the machine was found busy still; null while it has been quiet. */
  #busyFrom: number | null = null;

  /** `quiet` is what a retry waits for first, true once the machine is quiet (tests give one that does not wait). */
  constructor(
    readonly again = true,
    private readonly quiet: () => Promise<boolean> = untilQuiet,
  ) {}

  /** `onRetry` is told each try that is taken again, before the next one starts. */
  async measure<M extends { readonly steal: number }>(once: () => Promise<M>, onRetry?: (m: M) => void): Promise<M> {
    let kept = await once();
    let latest = kept;
    for (let retry = 0; this.again && this.#busyFrom === null && kept.steal > STEAL_LIMIT && retry < STEAL_RETRIES; retry++) {
      onRetry?.(latest);
      if (!(await this.quiet())) {
        this.#busyFrom = this.#kept.length + 1;
        process.stderr.write(`the machine stayed busy for ${QUIET_WAIT_MS / 1000} s: this and later measurements are kept as they come … `);
        break;
      }
      this.#retried++;
      latest = await once();
      if (latest.steal < kept.steal) kept = latest;
    }
    if (this.again && kept.steal > STEAL_LIMIT) this.#overLimit++;
    this.#kept.push(kept.steal);
    return kept;
  }

  /** How many measurements were taken again, and the share taken from the ones kept; null when it could not be read. */
  note(): string | null {
    const known = this.#kept.filter((x) => Number.isFinite(x));
    if (known.length === 0) return null;
    const parts = [
      `the share of the machine taken from the measured runs kept, by the hypervisor's steal (/proc/stat) and by processes other than the benchmark's (/proc/<pid>/stat): median ${percent(median(known))}, at most ${percent(Math.max(...known))}`,
      `${this.#retried} measurement${this.#retried === 1 ? "" : "s"} taken again, once the machine was quiet, for more than ${percent(STEAL_LIMIT)} taken`,
    ];
    if (this.#overLimit > 0) parts.push(`${this.#overLimit} kept above it (the try with the least taken)`);
    if (this.#busyFrom !== null) {
      parts.push(`from measurement ${this.#busyFrom} on, after the machine stayed busy through a wait of ${QUIET_WAIT_MS / 1000} s, none was taken again`);
    }
    return parts.join("; ");
  }
}

/** For a measurement's progress line: "others 3.2%" (the hypervisor's steal and other processes). */
export const stealText = (share: number): string => (Number.isFinite(share) ? `others ${percent(share)}` : "others unknown");

const percent = (x: number): string => `${(x * 100).toFixed(1)}%`;
