// Mistakes on `npm run bench`'s command line (every suite): an option that selects nothing, or names a system the
// suite does not have, stops the run at once with a sentence saying what the option takes, instead of running nothing
// and judging every aim "not measured", or failing later with a TypeError.

/** A mistake in the options: run.ts prints the message alone (no stack trace) and exits with status 2. */
export class UsageError extends Error {}

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

export const quoted = (names: readonly (string | number)[]): string => names.map((n) => `"${n}"`).join(", ");
