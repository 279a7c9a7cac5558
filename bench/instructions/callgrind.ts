// Instruction counts from valgrind's callgrind, for `npm run bench:instructions` (run.ts).
//
// A benchmark's times move with the host: on this kind of machine, reps of the same code fall into fast and slow
// groups, the user-space and the kernel part alike, with no steal. An instruction count does not: callgrind counts
// the instructions a process ran in user space, the same for the same program and inputs whatever else the machine
// is doing. Run at two sizes of the same load, the difference divided by the difference in size is what one more
// connection or request costs, start-up and compilation left out.
import { readFileSync } from "node:fs";

/** The instructions a callgrind output file counts (its `summary:` line, or `totals:`); null when it has neither. */
export function totalInstructions(text: string): number | null {
  const m = /^(?:summary|totals):\s+(\d+)/m.exec(text);
  return m ? Number(m[1]) : null;
}

/** The sum over callgrind's output files (one, or one per thread or dump); throws when one holds no count. */
export function instructionsIn(files: readonly string[]): number {
  let sum = 0;
  for (const f of files) {
    const n = totalInstructions(readFileSync(f, "utf8"));
    if (n === null) throw new Error(`${f}: no "summary:" or "totals:" line (is it a callgrind output file?)`);
    sum += n;
  }
  return sum;
}

/** One system's counts at two sizes of the load, and what one more unit of it costs. */
export interface Marginal {
  readonly small: { readonly size: number; readonly instructions: number };
  readonly large: { readonly size: number; readonly instructions: number };
  /** (large − small) ÷ (its size − small's size): instructions per connection or request. */
  readonly perUnit: number;
}

export function marginal(small: { size: number; instructions: number }, large: { size: number; instructions: number }): Marginal {
  if (!(large.size > small.size)) throw new Error(`the large run (${large.size}) must be larger than the small one (${small.size})`);
  return { small, large, perUnit: (large.instructions - small.instructions) / (large.size - small.size) };
}
