// What a Node program's garbage collector costs under a load, and where its CPU goes by thread (`npm run bench:gc`,
// for the proxies of chapters 08, 11 and 14). V8's sampling profiler, which the suites' --profile runs use, sees the
// main thread only: the part of a collection that V8 hands to its helper threads is in none of its samples, so a
// profile can show a few per cent of "garbage collection" where the process spends a quarter of its CPU on it. Two
// readings that do not depend on the profiler: each thread's CPU time from /proc (the event loop's thread against
// all the others), and the lines `node --trace-gc` prints, one per collection, read here.
import { readFileSync } from "node:fs";
import { basename } from "node:path";
import { cpuPer, type CpuTimes } from "./proc";
import { fmt } from "./report";
import { UsageError } from "./usage";

/** /proc counts CPU time in ticks of USER_HZ, 100 a second on Linux (proc.ts reads processes with the same). */
const CLK_TCK = 100;

// #region trace
/** One collection, as one `--trace-gc` line tells it. Sizes are the heap's, in MiB (V8's "MB" is 2^20 bytes). */
export interface GcEvent {
  /** "Scavenge" (the young generation), "Mark-Compact" (the whole heap), or another of V8's kinds. */
  readonly kind: string;
  /** When, in ms since the program's V8 isolate started. */
  readonly at: number;
  readonly before: number;
  readonly after: number;
  /** How long the program stood still for it, in ms: the main thread's part, not its helpers'. */
  readonly pause: number;
  /** For a full collection: the ms of incremental marking the main thread did before it, in small steps. */
  readonly marking: number;
}

// "[13180:0x107cd150]     8594 ms: Scavenge 149.6 (233.9) -> 133.3 (233.9) MB, 18.06 / 0.00 ms  (average mu = …"
// "… ms: Mark-Compact 154.1 (203.0) -> 58.9 (201.4) MB, 8.77 / 0.02 ms  (+ 23.5 ms in 95 steps since start of marking, …"
const LINE = /^\[\d+:0x[0-9a-f]+\]\s+(\d+(?:\.\d+)?) ms: (.+?) ([\d.]+) \([\d.]+\) -> ([\d.]+) \([\d.]+\) MB, ([\d.]+) \/ [\d.]+ ms(?:\s+\(\+ ([\d.]+) ms in \d+ steps)?/;

/** The collection a `--trace-gc` line reports; null for any other line. */
export function parseGcLine(line: string): GcEvent | null {
  const m = LINE.exec(line);
  if (m === null) return null;
  return { at: Number(m[1]), kind: m[2]!, before: Number(m[3]), after: Number(m[4]), pause: Number(m[5]), marking: Number(m[6] ?? 0) };
}

/** What the collections of one measured run add up to. */
export interface GcSummary {
  readonly scavenges: number;
  /** Every collection that was not a scavenge (Mark-Compact and its variants). */
  readonly full: number;
  /** The main thread's pauses, in ms: all collections, and the scavenges' median. */
  readonly paused: number;
  readonly medianScavenge: number;
  /** The full collections' incremental marking, in ms of the main thread. */
  readonly marking: number;
  /** The heap's growth between collections, in MiB: what the program allocated (null without a collection before the run). */
  readonly allocated: number | null;
  /** Of what was allocated before each scavenge, the share still alive after it (copied or promoted); null without one. */
  readonly survived: number | null;
}

/**
 * The collections of a run, `events` in order, with `before` the last one ahead of the run (null if none): its heap
 * after that collection is where the first growth is counted from.
 */
export function summarize(events: readonly GcEvent[], before: GcEvent | null): GcSummary {
  let scavenges = 0, paused = 0, marking = 0, allocated = 0, young = 0, kept = 0;
  const scavengePauses: number[] = [];
  let previous = before;
  for (const e of events) {
    paused += e.pause;
    marking += e.marking;
    if (e.kind === "Scavenge") {
      scavenges++;
      scavengePauses.push(e.pause);
    }
    if (previous !== null) {
      const grown = e.before - previous.after;
      allocated += grown;
      if (e.kind === "Scavenge" && grown > 0) {
        young += grown;
        kept += e.after - previous.after;
      }
    }
    previous = e;
  }
  scavengePauses.sort((a, b) => a - b);
  const counted = before !== null || events.length > 1;
  return {
    scavenges,
    full: events.length - scavenges,
    paused,
    medianScavenge: scavengePauses.length ? scavengePauses[(scavengePauses.length - 1) >> 1]! : 0,
    marking,
    allocated: counted ? allocated : null,
    survived: young > 0 ? Math.max(0, kept) / young : null,
  };
}

/** Whether the command starts Node (`node`, `node20`, or Node's full path), so that Node's own flags can go after it. */
export const startsNode = (argv: readonly string[]): boolean => argv[0] !== undefined && /^node(?:\d+)?$/.test(basename(argv[0]));

/** The command with --trace-gc after Node's own path; a command that does not start Node is refused. */
export function withTraceGc(argv: readonly string[]): string[] {
  if (!startsNode(argv)) throw new UsageError(`the command must start a Node program (node …), not ${JSON.stringify(argv[0] ?? "")}`);
  const [exe, ...rest] = argv;
  return [exe!, "--trace-gc", ...rest];
}
// #endregion

// #region threads
/** CPU time of one process split by thread, in µs: its main thread (a Node program's event loop) and all the others. */
export interface ThreadCpu {
  readonly main: CpuTimes;
  readonly others: CpuTimes;
}

/** The same between two readings, per unit of work (proc.ts's cpuPer for each part). */
export interface ThreadCpuPer {
  readonly main: ReturnType<typeof cpuPer>;
  readonly others: ReturnType<typeof cpuPer>;
}

/** utime and stime of a /proc stat file, in µs. */
function statCpu(path: string): CpuTimes {
  const stat = readFileSync(path, "utf8");
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return { user: (Number(f[11]) * 1e6) / CLK_TCK, kernel: (Number(f[12]) * 1e6) / CLK_TCK }; // fields 14 and 15
}

/**
 * Reads process `pid` from /proc: the whole process, whose counts keep the time of threads that have ended, less its
 * main thread, is "the others".
 */
export function threadCpu(pid: number): ThreadCpu {
  const all = statCpu(`/proc/${pid}/stat`);
  const main = statCpu(`/proc/${pid}/task/${pid}/stat`);
  return { main, others: { user: all.user - main.user, kernel: all.kernel - main.kernel } };
}

/** Each part's CPU between two readings, per unit of work, in µs. */
export function threadCpuPer(a: ThreadCpu, b: ThreadCpu, units: number): ThreadCpuPer {
  return { main: cpuPer(a.main, b.main, units), others: cpuPer(a.others, b.others, units) };
}
// #endregion

// #region report
/** One run's line: the CPU per request by thread, then what the collector did. `seconds` is the run's length. */
export function gcLine(cpu: ThreadCpuPer, gc: GcSummary, requests: number, seconds: number): string {
  const { main, others } = cpu;
  const threads = `CPU per request ${fmt(main.cpu + others.cpu)} µs: event-loop thread ${fmt(main.cpu)} (user ${fmt(main.user)}, kernel ${fmt(main.kernel)}), other threads ${fmt(others.cpu)} (user ${fmt(others.user)}, kernel ${fmt(others.kernel)})`;
  const share = (ms: number) => `${fmt((100 * ms) / (seconds * 1000))}%`;
  let collections = `GC: ${gc.scavenges} scavenge${gc.scavenges === 1 ? "" : "s"}`;
  if (gc.scavenges > 0) collections += ` (median pause ${fmt(gc.medianScavenge)} ms)`;
  collections += `, ${gc.full} full`;
  if (gc.marking > 0) collections += ` (+ ${fmt(gc.marking)} ms of incremental marking)`;
  collections += `; the event loop paused ${share(gc.paused)} of the run`;
  if (gc.allocated !== null && requests > 0) collections += `; ${fmt((gc.allocated * 1024) / requests)} KiB allocated per request`;
  if (gc.survived !== null) collections += `, ${fmt(100 * gc.survived)}% of the young generation's survived its scavenge`;
  return `${threads} | ${collections}`;
}
// #endregion
