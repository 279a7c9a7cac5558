// The options `npm run bench:alloc` takes beside the ones every load tool shares (lib/load-tool.ts, which refuses any
// other): read and taken out of argv first. Only before the program's command: after `--`, an argument is the
// program's, whatever it looks like.
import { UsageError, wholeNumber } from "../lib/usage";

export interface AllocOptions {
  /** What is still alive halfway through the run, per connection, instead of what a request allocates. */
  readonly kept: boolean;
  /** How many files and functions the breakdown lists. */
  readonly top: number;
  /** Where to write the heap profile of each rep, for Chrome DevTools' Memory tab (the callers of each allocation); null: nowhere. */
  readonly profile: string | null;
}

export const ALLOC_USAGE = "[--kept] [--top N] [--profile FILE]";

/** The value after `name` (removed with it), or null when `name` is not there; throws a UsageError when it has none. */
function take(argv: string[], name: string, value: boolean): string | null {
  const end = argv.indexOf("--");
  const at = argv.indexOf(name);
  if (at < 0 || (end >= 0 && at > end)) return null;
  if (!value) {
    argv.splice(at, 1);
    return name;
  }
  const given = argv[at + 1];
  if (given === undefined || given === "--" || given.startsWith("--")) throw new UsageError(`${name} needs a value`);
  argv.splice(at, 2);
  return given;
}

/** Reads bench:alloc's own options out of `argv`, leaving the shared ones and the command. */
export function takeAllocOptions(argv: string[]): AllocOptions {
  const kept = take(argv, "--kept", false) !== null;
  const top = take(argv, "--top", true);
  const profile = take(argv, "--profile", true);
  return { kept, top: top === null ? 12 : wholeNumber("--top", top, 1), profile };
}
