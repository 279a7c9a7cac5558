// Instruction counts from valgrind's callgrind, for `npm run bench:instructions` (run.ts).
//
// A benchmark's times move with the host: on this kind of machine, reps of the same code fall into fast and slow
// groups, the user-space and the kernel part alike, with no steal. An instruction count does not: callgrind counts
// the instructions a process ran in user space, the same for the same program and inputs whatever else the machine
// is doing. Run at two sizes of the same load, the difference divided by the difference in size is what one more
// connection or request costs, start-up and compilation left out.
//
// callgrind writes a file per thread (--separate-threads=yes), and the count kept is the main thread's: the one
// where Node runs the JavaScript, its event loop and the system calls a request makes. V8's background threads
// (its optimizing compiler, the collector's helpers) and the thread of the module loader's hooks (tsx compiling
// TypeScript) do work whose amount and timing vary from run to run, so their share of a pair's difference swung by
// thousands of instructions a request either way while the main thread's held within 2% (bench/README.md).
import { readFileSync } from "node:fs";
import { basename, join } from "node:path";

/** How a count starts its program: callgrind, with a file per thread. */
export const CALLGRIND = ["valgrind", "--tool=callgrind", "--separate-threads=yes"] as const;

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

/**
 * The thread an output file of a run with --separate-threads counts, from its name (`callgrind.out.<pid>-<thread>`,
 * thread 1 the main one); null for any other file, such as the empty one under the plain name that the run leaves.
 */
export function threadOf(file: string): number | null {
  const m = /\.\d+-(\d+)$/.exec(basename(file));
  return m ? Number(m[1]) : null;
}

/** One run's counts: its main thread's, the one kept, and every thread's together. */
export interface ThreadCounts {
  readonly main: number;
  readonly all: number;
}

/** The counts of one run's output files; throws when no file counts the main thread. */
export function threadCounts(files: readonly string[]): ThreadCounts {
  const threads = files.filter((f) => threadOf(f) !== null);
  const main = threads.filter((f) => threadOf(f) === 1);
  if (main.length !== 1) {
    throw new Error(`no file counts the main thread among ${files.map((f) => basename(f)).join(", ") || "no files"} (callgrind runs with --separate-threads=yes)`);
  }
  return { main: instructionsIn(main), all: instructionsIn(threads) };
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

/**
 * Node flags every counted program gets.
 *
 * A fixed hash seed: V8 picks its seed at random at start-up and searches for primes from it, a search of random
 * length (`detail::sprp`: 4 to 16 million instructions in one run or another), which landed in a pair's difference as
 * up to 800 instructions a request. With the seed fixed, two starts of `node -e 1` counted 509,368,967 and
 * 509,370,142 instructions, the search the same 8,261,982 in both.
 *
 * The young generation at its largest from the start: V8 grows its semi-spaces (1 MB at first) by the rate the
 * program allocates in wall-clock time, and under callgrind, which runs it 20 to 50 times slower, that rate never
 * earns a larger one. The HTTP proxy counted with metrics on, 50 requests in flight, collected its young generation
 * every 61 requests or so under callgrind, copying 2,209 bytes a request that were still in flight; run natively
 * with the suite's flags it did so about every 600 requests, 285 bytes a request. So the counts charged every request
 * with collections a program at full speed does not make. A minimum as large as the program's maximum (V8 holds the
 * minimum to the maximum: 16 MB by default, 32 with chapter 14's NODE_FLAGS) counts the young generation each
 * program settles into under a sustained load.
 */
export const COUNTED_NODE_FLAGS = ["--hash-seed=1", "--min-semi-space-size=32"] as const;

/**
 * Node's flags for one count: COUNTED_NODE_FLAGS, and for a breakdown --perf-basic-prof, so that V8's perf map names
 * the compiled JavaScript. That flag also turns V8's own log on, an isolate-…-v8.log in the working folder (the
 * course's root) for every process counted: --logfile puts it in `scratch`, the count's folder, removed after it.
 */
export const countedFlags = (breakdown: boolean, scratch: string): string[] =>
  breakdown ? [...COUNTED_NODE_FLAGS, "--perf-basic-prof", `--logfile=${join(scratch, "v8.log")}`] : [...COUNTED_NODE_FLAGS];

/** A Node program's command line with `flags` given to Node itself (after the executable, before the script). */
export function withNodeFlags(argv: readonly string[], flags: readonly string[]): string[] {
  if (argv[0] !== process.execPath) throw new Error(`not a Node command line: ${argv.join(" ")}`);
  return [argv[0], ...flags, ...argv.slice(1)];
}
