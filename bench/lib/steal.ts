// The hypervisor's share of the machine during a measurement, which every suite's harness reads.
//
// On a virtual machine the host runs other guests on the same physical cores. The time it takes from ours shows in
// /proc/stat as "steal", and while it is high the same work costs more: in one run of the obs suite, measurements of
// identical code fell into a fast and a slow group, and the slow ones were those taken while steal was high (up to a
// third of the CPUs' time against a few percent). A measurement taken then measures the neighbours, not the code, so
// the suites read steal over each measured run, take such a measurement again, and say so in the results.
import { readFileSync } from "node:fs";
import { median } from "./report";

/** Cumulative CPU time of the whole machine, all cores, in clock ticks: the part stolen and the total. */
export interface MachineTime {
  readonly steal: number;
  readonly total: number;
}

/** Above this share of the CPUs' time stolen during the measured run, a measurement is taken again. */
export const STEAL_LIMIT = 0.05;
/** At most this many more tries; then the try with the least steal is kept, and the notes say it was over the limit. */
export const STEAL_RETRIES = 2;

/** Reads the first line of /proc/stat; null where there is none (not Linux) or it has no steal column (old kernels). */
export function machineTime(read: () => string = () => readFileSync("/proc/stat", "utf8")): MachineTime | null {
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
  return { steal: ticks[7]!, total: ticks.reduce((a, b) => a + b, 0) };
}

/** The share (0 to 1) of the machine's CPU time stolen between two readings; NaN when either is missing. */
export function stolen(before: MachineTime | null, after: MachineTime | null): number {
  if (before === null || after === null) return NaN;
  const total = after.total - before.total;
  return total > 0 ? (after.steal - before.steal) / total : NaN;
}

/**
 * Keeps count over a run: `measure` takes a measurement again while the hypervisor stole more than STEAL_LIMIT of
 * the machine during it (at most STEAL_RETRIES more tries, keeping the one with the least steal), and `note` sums it
 * up for the run's notes. A quick run (`again: false`) takes what it gets.
 */
export class StealTally {
  readonly #kept: number[] = [];
  #retried = 0;
  #overLimit = 0;

  constructor(readonly again = true) {}

  /** `onRetry` is told each try that is taken again, before the next one starts. */
  async measure<M extends { readonly steal: number }>(once: () => Promise<M>, onRetry?: (m: M) => void): Promise<M> {
    let kept = await once();
    let latest = kept;
    for (let retry = 0; this.again && kept.steal > STEAL_LIMIT && retry < STEAL_RETRIES; retry++) {
      onRetry?.(latest);
      this.#retried++;
      latest = await once();
      if (latest.steal < kept.steal) kept = latest;
    }
    if (this.again && kept.steal > STEAL_LIMIT) this.#overLimit++;
    this.#kept.push(kept.steal);
    return kept;
  }

  /** How many measurements were taken again, and the steal of the ones kept; null when steal could not be read. */
  note(): string | null {
    const known = this.#kept.filter((x) => Number.isFinite(x));
    if (known.length === 0) return null;
    const parts = [
      `the hypervisor's steal (/proc/stat) during the measured runs kept: median ${percent(median(known))}, at most ${percent(Math.max(...known))}`,
      `${this.#retried} measurement${this.#retried === 1 ? "" : "s"} taken again for steal above ${percent(STEAL_LIMIT)}`,
    ];
    if (this.#overLimit > 0) parts.push(`${this.#overLimit} kept above it after ${STEAL_RETRIES} more tries (the try with the least steal)`);
    return parts.join("; ");
  }
}

/** For a measurement's progress line: "steal 3.2%". */
export const stealText = (share: number): string => (Number.isFinite(share) ? `steal ${percent(share)}` : "steal unknown");

const percent = (x: number): string => `${(x * 100).toFixed(1)}%`;
