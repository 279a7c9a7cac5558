// What a Node program allocates per request under a load (or keeps alive per connection), by file and by function,
// from V8's sampling heap profiler:
// `npm run bench:alloc` (bench/alloc/run.ts; chapters 08, 11 and 14). The profiler runs in the program, started and
// stopped by signals (alloc-hook.mjs, preloaded with `--import`); this reads what it wrote.
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { startsNode } from "./gc-trace";
import { sleep } from "./proc";
import { UsageError } from "./usage";

// #region hook
const HOOK = resolve(fileURLToPath(new URL(".", import.meta.url)), "alloc-hook.mjs");

/** The command with the hook preloaded after Node's own path; a command that does not start Node is refused. */
export function withAllocHook(argv: readonly string[]): string[] {
  if (!startsNode(argv)) throw new UsageError(`the command must start a Node program (node …), not ${JSON.stringify(argv[0] ?? "")}`);
  const [exe, ...rest] = argv;
  return [exe!, "--import", HOOK, ...rest];
}

/**
 * The hook's files for the program `pid`: the mark that it samples, the profile (written whole, by a rename), and the
 * mark this side leaves before it starts the sampling when only what stays alive is to be counted.
 */
export const hookFiles = (pid: number): { started: string; profile: string; kept: string } => ({
  started: join(tmpdir(), `bench-alloc-${pid}.started`),
  profile: join(tmpdir(), `bench-alloc-${pid}.json`),
  kept: join(tmpdir(), `bench-alloc-${pid}.kept`),
});

/** Waits up to `ms` for a file the hook writes; throws, saying which, if it does not come. */
async function written(file: string, what: string, ms: number): Promise<void> {
  for (let waited = 0; !existsSync(file); waited += 20) {
    if (waited >= ms) throw new Error(`the program did not ${what} within ${ms / 1000} s: was it started with the hook (alloc-hook.mjs)?`);
    await sleep(20);
  }
}

/**
 * Starts the program's sampling (SIGUSR2) and returns once it samples. `keptOnly`: the profile will hold only the objects
 * still alive when it is taken (after a full collection), not everything allocated since.
 */
export async function startSampling(pid: number, keptOnly = false): Promise<void> {
  const { started, profile, kept } = hookFiles(pid);
  rmSync(started, { force: true });
  rmSync(profile, { force: true });
  if (keptOnly) writeFileSync(kept, "");
  else rmSync(kept, { force: true });
  process.kill(pid, "SIGUSR2");
  await written(started, "start its heap profiler", 10_000);
}

/** Stops it (SIGUSR2 again) and returns the profile it wrote, removing the hook's files. */
export async function stopSampling(pid: number): Promise<HeapProfile> {
  const { started, profile, kept } = hookFiles(pid);
  process.kill(pid, "SIGUSR2");
  try {
    // A profile of a few seconds at a sample a KiB is tens of MB of JSON: give its writing time.
    await written(profile, "write its heap profile", 60_000);
    return JSON.parse(readFileSync(profile, "utf8")) as HeapProfile; // whole: the hook renames it into place
  } finally {
    for (const f of [started, profile, kept]) rmSync(f, { force: true });
  }
}
// #endregion

// #region breakdown
/** V8's sampling heap profile, as far as this reads it: a tree of call frames, each with the bytes sampled in it. */
export interface HeapProfile {
  readonly head: ProfileNode;
}
interface ProfileNode {
  readonly callFrame: { readonly functionName: string; readonly url: string };
  readonly selfSize: number;
  readonly children: readonly ProfileNode[];
}

/** Bytes of one place per request (or per connection), and its share of everything sampled. */
export interface Place {
  readonly name: string;
  readonly bytesEach: number;
  readonly share: number;
}

export interface Breakdown {
  readonly bytesEach: number;
  readonly byFile: readonly Place[];
  readonly byFunction: readonly Place[];
}

/**
 * A frame's file as the course names it: relative to the repository (`solutions/11-http-proxy/channel.ts`), Node's
 * own by module (`node:buffer`), and frames without a script (V8's built-ins: an iterator's `next`, `Map`) together.
 */
export function fileOf(url: string, root: string): string {
  if (url === "") return "V8 built-ins";
  const path = url.startsWith("file://") ? fileURLToPath(url) : url;
  if (path.startsWith(`${root}/`)) return path.slice(root.length + 1);
  const modules = path.lastIndexOf("/node_modules/");
  return modules >= 0 ? path.slice(modules + 1) : path;
}

/** Everything the profile sampled, shared over `units` (requests, or connections), by file and by function, largest first. */
export function breakdown(profile: HeapProfile, units: number, root: string): Breakdown {
  const files = new Map<string, number>();
  const functions = new Map<string, number>();
  let total = 0;
  const add = (m: Map<string, number>, key: string, bytes: number): void => void m.set(key, (m.get(key) ?? 0) + bytes);
  const stack: ProfileNode[] = [profile.head];
  for (let node = stack.pop(); node !== undefined; node = stack.pop()) {
    stack.push(...node.children);
    if (node.selfSize === 0) continue;
    const file = fileOf(node.callFrame.url, root);
    total += node.selfSize;
    add(files, file, node.selfSize);
    add(functions, `${node.callFrame.functionName || "(anonymous)"} (${file})`, node.selfSize);
  }
  const places = (m: Map<string, number>): Place[] =>
    [...m]
      .map(([name, bytes]) => ({ name, bytesEach: bytes / units, share: total > 0 ? bytes / total : 0 }))
      .sort((a, b) => b.bytesEach - a.bytesEach || (a.name < b.name ? -1 : 1));
  return { bytesEach: total / units, byFile: places(files), byFunction: places(functions) };
}

/** What a breakdown's total says: bytes allocated a request, or (`bench:alloc --kept`) kept alive a connection. */
const TOTALS = {
  allocated: "allocated: {} bytes a request (sampled every 1 KiB, freed objects counted)",
  kept: "kept: {} bytes a connection (sampled every 1 KiB since the profiler started, still alive halfway through the run after a full collection)",
} as const;

/** The breakdown as lines: the total, then the `most` largest files and functions. */
export function breakdownLines(b: Breakdown, most = 12, total: keyof typeof TOTALS = "allocated"): string[] {
  const place = (p: Place): string => `    ${Math.round(p.bytesEach).toLocaleString("en-US").padStart(7)} B  ${(100 * p.share).toFixed(1).padStart(5)}%  ${p.name}`;
  return [
    `  ${TOTALS[total].replace("{}", Math.round(b.bytesEach).toLocaleString("en-US"))}`,
    "  by file:",
    ...b.byFile.slice(0, most).map(place),
    "  by function:",
    ...b.byFunction.slice(0, most).map(place),
  ];
}
// #endregion
