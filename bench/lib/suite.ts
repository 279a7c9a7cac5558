// The contract a benchmark suite fulfils (chapter 8): bench/run.ts runs any suite in bench/suites/ that exports one,
// so `npm run bench io` and `npm run bench lb` reuse the runner, the statistics, the table and the JSON.

export type Better = "lower" | "higher";

/** One thing measured, on every system. */
export interface Case {
  /** Short id passed to the measuring process (`switch-sleep`). */
  readonly id: string;
  /** What the table and the JSON call it (`switch (sleep(0) ping-pong)`). */
  readonly name: string;
  readonly unit: string;
  /** What the unit measures, for a ratio's meaning: "time" gives "hub time / eventlet time". */
  readonly quantity: string;
  readonly better: Better;
  /** Size of one measured run: threads, switches or timers. */
  readonly n: number;
}

/** One system compared; each measurement is one run of `command` in a fresh process. */
export interface System {
  readonly name: string;
  /** Why this system cannot run here and how to install it, or null when it can. Checked once per run. */
  missing(): string | null;
  /**
   * The argv of a fresh process that measures `c` once at size `n` and prints, as its last stdout line,
   * `{"value": number}` in the case's unit (see bench/lib/child.ts for the Node side).
   */
  command(c: Case, n: number): readonly string[];
  /** Like `command`, and writes a CPU profile of the measured run to `file`; absent when it cannot (`--profile`). */
  profile?(c: Case, n: number, file: string): readonly string[];
  /** A line for the machine description (peer version), or undefined. */
  version?(): string | undefined;
  /** How long one measurement may take before it is killed and reported as failed (300 s when absent). */
  readonly deadlineMs?: number;
}

/** A row of the results: the median of the reps, with their spread. */
export interface Row {
  case: string;
  system: string;
  value: number;
  unit: string;
  min: number;
  max: number;
  /** Every rep's figure, in the order the reps ran; absent where a row is one reading (a profile's share). */
  samples?: number[];
  better: Better;
}

export interface Ratio {
  case: string;
  vs: string;
  ratio: number;
  meaning: string;
}

export interface Aim {
  aim: string;
  met: boolean;
  detail: string;
  /** False where this run lacked the aim's figures (a run with --only or --systems); absent where it had them. */
  measured?: false;
}

export interface Suite {
  readonly name: string;
  /** One line for the table's title. */
  readonly title: string;
  readonly cases: readonly Case[];
  readonly systems: readonly System[];
  /** The system whose ratios to every other system are reported ("hub"). */
  readonly subject: string;
  /**
   * The row a peer's ratio is taken against, where that is not the subject's own: the instruction counts set a
   * system's every-thread figure against the subject's every-thread figure, not its main thread's. Null: no ratio.
   */
  readonly subjectFor?: (peer: string) => string | null;
  /** Paths (from the repository root) of the code measured, so a run can say if they had uncommitted changes. */
  readonly sources?: readonly string[];
  /** The suite's aims, each naming the figure that decides it, judged on the rows of this run. */
  aims(rows: readonly Row[]): Aim[];
  /**
   * `--lab`: the suite measures the learner's own code (labs/) beside the course's, with systems named "your <the
   * system each mirrors>" (bench/lib/lab.ts): `systems` for run.ts to add, where the suite has no driver of its own;
   * `about` says whose code they run. Such a run is never saved.
   */
  readonly lab?: { readonly systems?: readonly System[]; readonly about: string };
}
