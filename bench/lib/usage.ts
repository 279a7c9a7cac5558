// Mistakes on `npm run bench`'s command line (every suite): an option that selects nothing, or names a system the
// suite does not have, stops the run at once with a sentence saying what the option takes, instead of running nothing
// and judging every aim "not measured", or failing later with a TypeError.

/** The command line run.ts hands a suite that drives itself (io, and the proxy suites through proxy-bench.ts). */
export interface DriverOptions {
  readonly reps?: string;
  readonly quick?: boolean;
  readonly only?: string;
  readonly systems?: string;
  readonly "no-save"?: boolean;
  readonly profile?: boolean;
  /** The proxy suites' backend kinds to measure with, by id, comma-separated (a partial run, not saved). */
  readonly backends?: string;
  /** The learner's own code beside the course's (bench/lib/lab.ts), in the suites that measure it. */
  readonly lab?: boolean;
}

/** A mistake in the options: run.ts prints the message alone (no stack trace) and exits with status 2. */
export class UsageError extends Error {}

/**
 * For a command's `catch`: the message of a mistake in the options, to print without a stack trace before exiting
 * with status 2. Anything else is not the user's mistake and is thrown on.
 */
export function usageMessage(e: unknown): string {
  if (!(e instanceof UsageError)) throw e;
  return e.message;
}

/** The comma-separated names of `--systems`, or undefined without it; throws on a name the suite does not have. */
export function wantedSystems(option: string | undefined, known: readonly string[]): string[] | undefined {
  if (option === undefined) return undefined;
  const wanted = option.split(",").map((s) => s.trim());
  const unknown = wanted.filter((s) => !known.includes(s));
  if (unknown.length) throw new UsageError(`--systems: no system named ${quoted(unknown)}; this suite's systems are ${quoted(known)}`);
  return wanted;
}

/** Throws when `--only` left nothing to measure; `takes` says what it matches in this suite. */
export function checkSelected(only: string | undefined, count: number, takes: string): void {
  if (only !== undefined && count === 0) throw new UsageError(`--only "${only}" selects nothing: ${takes}`);
}

/**
 * An option's value as a whole number from `min` to `max`; a UsageError that names the option otherwise. Every count
 * on the benchmarks' command lines goes through it (reps, ports, connections, descriptors), so "2.5", "" and "many"
 * are refused with the same sentence everywhere instead of being rounded, read as 0 or read as NaN.
 */
export function wholeNumber(option: string, text: string | undefined, min = 1, max = Number.MAX_SAFE_INTEGER): number {
  const n = text === undefined || text.trim() === "" ? Number.NaN : Number(text);
  if (!Number.isInteger(n) || n < min || n > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `of at least ${min}` : `from ${min} to ${max}`;
    throw new UsageError(`${option} must be a whole number ${range}, not "${text ?? ""}"`);
  }
  return n;
}

export const quoted = (names: readonly (string | number)[]): string => names.map((n) => `"${n}"`).join(", ");
