// How `npm run bench:instructions` (run.ts) lays out its work: the counts a run takes, the ports each of the counts
// running at once listens on, how many run at once, and which runs are saved to bench/results/instructions.json.
//
// A count is one program's start under callgrind (half a minute, for tsx at callgrind's pace), the load, and its
// stop; a full run takes 84. Callgrind runs a program on one core, so on a machine of several cores counts run side
// by side (--jobs). The program under callgrind, 20 to 50 times slower than its client and the backends, sets the
// pace either way: counted two at a time, every system's median came within 5% of one at a time (bench/README.md).
import type { Case, Ports, System } from "./cases";

/** One run of one system under callgrind, with the load at 1 or 3 times --scale: half of a pair. */
export interface Count {
  readonly case: Case;
  readonly system: System;
  /** Which pair of the system's --reps this count belongs to, from 1. */
  readonly pair: number;
  readonly size: "small" | "large";
}

/** Every count of a run, a pair's two next to each other: each case's systems in turn, `reps` pairs each. */
export function countsOf(cases: readonly Case[], wanted: readonly string[] | undefined, reps: number): Count[] {
  return cases.flatMap((c) =>
    c.systems
      .filter((s) => !wanted || wanted.includes(s.name))
      .flatMap((system) =>
        Array.from({ length: reps }, (_, i) => (["small", "large"] as const).map((size) => ({ case: c, system, pair: i + 1, size }))).flat(),
      ),
  );
}

/** Ports a slot's program takes above --port: its listener and a metrics listener; the backends sit at 1 to 3. */
export const PORTS_PER_SLOT = 5;

/**
 * The ports of the program in slot `slot` (0 to --jobs − 1): slot 0 has --port and --port + 4 as before there were
 * slots, each further slot the next five ports up; all share the backends on --port + 1 to + 3.
 */
export function portsOf(base: number, slot: number): Ports {
  const listen = base + PORTS_PER_SLOT * slot;
  return { listen, metrics: listen + 4, backends: [base + 1, base + 2, base + 3] };
}

/** The highest --port that leaves room for `jobs` slots below 65,536. */
export const highestPort = (jobs: number): number => 65535 - PORTS_PER_SLOT * jobs + 1;

/**
 * Runs `work` on every item, at most `jobs` at once, each call given a slot (0 to jobs − 1) no other running call
 * holds. A call that throws does not stop the rest; every outcome comes back in the items' order.
 */
export async function atMost<T, R>(jobs: number, items: readonly T[], work: (item: T, slot: number) => Promise<R>): Promise<PromiseSettledResult<R>[]> {
  const out: PromiseSettledResult<R>[] = new Array(items.length);
  let next = 0;
  const worker = async (slot: number): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      try {
        out[i] = { status: "fulfilled", value: await work(items[i]!, slot) };
      } catch (reason) {
        out[i] = { status: "rejected", reason };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(jobs, items.length)) }, (_, slot) => worker(slot)));
  return out;
}

/** What a run was asked for, and how it went, as far as saving it is concerned. */
export interface RunShape {
  readonly noSave: boolean;
  /** Cases named on the command line (none: every case). */
  readonly cases: readonly string[];
  /** --systems, when given. */
  readonly systems: readonly string[] | undefined;
  readonly reps: number;
  readonly scale: number;
  /** Counts that failed, after their retry. */
  readonly failed: number;
  /** --breakdown: one pair per system, saved as the breakdown suite's result when it covers every case. */
  readonly breakdown?: boolean;
}

/**
 * Why a run is not saved, or null when it is: only a run of every case and system, 3 pairs or more, at the default
 * load and with every count taken stands for the code in bench/results/instructions.json; a breakdown (one pair) of
 * every case and system so taken, in bench/results/breakdown.json.
 */
export function whyNotSaved(run: RunShape): string | null {
  if (run.noSave) return "--no-save";
  if (run.failed > 0) return `${run.failed} count${run.failed === 1 ? "" : "s"} failed`;
  if (run.cases.length > 0 || run.systems !== undefined) return "a run of some cases or systems";
  if (run.reps < 3 && !run.breakdown) return "fewer than 3 pairs";
  if (run.scale !== 1) return "--scale other than 1";
  return null;
}
