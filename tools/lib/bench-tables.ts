// Benchmark reports made from bench/results/*.json (chapters 02–09): the tables and figures between
// `<!-- bench: … -->` markers in the READMEs and chapters, and whether a result still measures the current code.
// `npm run bench:tables` writes the blocks, a course check compares them, `npm run bench:status` and the site's
// benchmarks page say which results are stale. Every figure in a report comes from here, none is typed by hand.
//
// Markers, each closed by `<!-- /bench -->`:
//   <!-- bench: hub table -->          the run (reps, commit, date, machine) and every figure: median (min–max)
//   <!-- bench: lb ratios -->          the subject ÷ each peer, per figure, with which way is better
//   <!-- bench: io aims -->            the aims as the run judged them, each naming its figure
//   <!-- bench: goals -->              every suite's aims in one table, each with its verdict and the commit measured
//   <!-- bench: lb value "requests/s @ 64 conns" haproxy -->   one median, inline ("17,810 req/s")
//   <!-- bench: lb range "requests/s @ 64 conns" haproxy -->   one median with its min–max, inline
//   <!-- bench: lb ratio "requests/s @ 64 conns" haproxy -->   one ratio, inline ("0.62×"), read as the suite's table
//                                               reads it (the subject ÷ the system, or the system ÷ a baseline subject)
//   <!-- bench: lb verdict "requests/s @ 64 conns" haproxy --> that ratio's verdict, inline ("behind in all 5 reps",
//                                               "ahead in 2 of 5 reps")
//   <!-- bench: lb prose 1a2b3c4d -->         the figures the prose around was read against (proseToRead); shows nothing
//   <!-- bench: l7 table "fixed backends" -->   a table, ratios or aims block of the figures whose name contains the text
//   <!-- bench: l7 plot "requests/s" -->        bar charts of those figures on the site's chapter page (site/src/build/bench.ts
//                                               draws them); in the markdown, a line that says so
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";

export interface BenchRow {
  readonly case: string;
  readonly system: string;
  readonly value: number;
  readonly unit?: string;
  readonly min?: number;
  readonly max?: number;
  /** Each rep's figure in the order the reps ran (results from before these were kept have none). */
  readonly samples?: readonly number[];
  readonly better?: "lower" | "higher";
}
export interface BenchAim { readonly aim: string; readonly met: boolean; readonly detail?: string }

/**
 * The run a result replaced, as far as the reports need it: when it ran, the commit it measured and how it judged
 * each aim. Kept so that a verdict that moves from run to run (an aim within its suite's noise) shows it moved.
 */
export interface PreviousRun {
  readonly date: string;
  readonly commit: string | null;
  readonly aims: readonly { readonly aim: string; readonly met: boolean }[];
}

/** A results file as the reports read it (the shape bench/README.md documents). */
export interface BenchFile {
  readonly suite: string;
  readonly title?: string;
  readonly subject?: string;
  readonly date?: string;
  readonly machine?: unknown;
  readonly reps?: number;
  readonly rows: readonly BenchRow[];
  readonly aims?: readonly BenchAim[];
  readonly notes?: readonly string[];
  /** The run this one replaced; absent where there was none, or the result predates the field. */
  readonly previous?: PreviousRun;
  /** The runs before `previous`, newest first, at most EARLIER_RUNS (bench/lib/report.ts `finish` carries them on). */
  readonly earlier?: readonly PreviousRun[];
}

/** How many runs before `previous` a result keeps: with the run itself and `previous`, its last ten verdicts. */
export const EARLIER_RUNS = 8;

/** What the reports know about a suite beyond its file: its chapter, how to lay it out, and the code it measures. */
export interface SuiteInfo {
  /** The chapter that builds what the suite measures, and that the site links to. */
  readonly chapter: string;
  /** What the suite measures, after the chapter's title ("Chapter 02 — The hub: the cost of a green thread"). */
  readonly about: string;
  /** `cases`: one line per case, a column per system (few systems); `systems`: one line per system. */
  readonly layout: "cases" | "systems";
  /**
   * Git pathspecs of the code measured: a commit touching them after the measured one makes the result stale. Only
   * code that runs while measuring (not READMEs, tests, demos, nor the runner's reporting) counts.
   */
  readonly measured: readonly string[];
  /** How to take the result again. */
  readonly command: string;
  /**
   * What the ratio columns divide: `subject` (the default) the subject by each peer ("hub ÷ eventlet"); `baseline`
   * each system by the subject, when the subject is the baseline the others are variants of ("metrics on ÷ metrics
   * off"); `none` when a ratio means nothing (shares of a profile's samples).
   */
  readonly ratios?: "subject" | "baseline" | "none";
}

const ts = (dir: string): string => `:(glob)${dir}/**/*.ts`;
/**
 * Never measured by a saved result: the chapters' demos, tests, and the programs that run a learner's code for
 * `--lab` (bench/<suite>/lab-*.ts), since a run of a lab is never saved.
 */
const NOT_MEASURED = [":(exclude,glob)**/main.ts", ":(exclude,glob)**/*.test.ts", ":(exclude,glob)bench/**/lab-*.ts"];
/** The case suites' runner, and what its measuring process (child.ts) loads: lab.ts says what a failed one threw. */
const NODE_BENCH = ["bench/run.ts", "bench/lib/usage.ts", "bench/lib/child.ts", "bench/lib/lab.ts", "bench/lib/measure.ts", "bench/lib/systems.ts"];
const SERVER_BENCH = ["bench/lib/proc.ts", "bench/lib/wrk.ts", "bench/lib/usage.ts"];
/** The proxy suites' engine, and the profiler hook our proxies import (lb, l7, obs). */
const PROXY_BENCH = [...SERVER_BENCH, "bench/lib/proxy-bench.ts", "bench/lib/accept-queue.ts", "bench/lib/profile-hook.ts", "bench/lib/haproxy.ts"];
const HUB = ["solutions/02-hub", "solutions/03-cancellation", "solutions/04-primitives"];
/** Chapter 14's listener of several descriptors, and the Node flags the balancer runs with (proxy-bench's `balancerNode`). */
const BALANCER_NODE = ["solutions/14-capstone/acceptors.ts", "solutions/14-capstone/node-flags.ts"];

const ELASTIC = [...[...HUB, "solutions/05-green-sockets", "solutions/08-tcp-proxy", "solutions/09-strategies", "solutions/10-health", "solutions/12-elastic"].map(ts), ...NOT_MEASURED];

/** What the obs suite's proxy loads: chapter 11's proxy with chapter 13's metrics and logs, and chapter 12's membership. */
const OBSERVED = [
  ...HUB, "solutions/05-green-sockets", "solutions/07-http", "solutions/08-tcp-proxy", "solutions/09-strategies", "solutions/10-health", "solutions/11-http-proxy",
  "solutions/12-elastic", "solutions/13-observability",
].map(ts);

/** What the capstone's balancer runs: every chapter it builds on (chapter 13's metrics and logs included). */
const CAPSTONE = [
  ...[...HUB, "solutions/05-green-sockets", "solutions/07-http", "solutions/08-tcp-proxy", "solutions/09-strategies", "solutions/10-health", "solutions/11-http-proxy", "solutions/12-elastic", "solutions/13-observability", "solutions/14-capstone"].map(ts),
  ...NOT_MEASURED,
];

/**
 * The programs of the lb, l7, obs and io suites that bench/instructions/run.ts counts, as those suites start them, and
 * the backends it puts behind them: the files themselves, not their suites' folders, whose drivers the counts never
 * run (test/bench/instructions-plan.test.ts checks that every file these programs load is here).
 */
export const COUNTED_PROGRAMS: readonly string[] = [
  "bench/io/hub-echo.ts", "bench/io/node-echo.ts", "bench/l7/hub-http-proxy.ts", "bench/l7/node-http-proxy.ts", "bench/l7/proxy-options.ts",
  "bench/lb/backend.ts", "bench/lb/hub-proxy.ts", "bench/lb/node-pipe.ts", "bench/obs/hub-obs-proxy.ts",
];

/** What the instructions and breakdown suites measure: the counted programs, what they load, and the counting itself. */
const COUNTED = [
  ...[...HUB, "solutions/05-green-sockets", "solutions/07-http", "solutions/08-tcp-proxy", "solutions/09-strategies", "solutions/10-health", "solutions/11-http-proxy", "solutions/12-elastic", "solutions/13-observability"].map(ts),
  ...BALANCER_NODE, ts("bench/instructions"), ...COUNTED_PROGRAMS, "bench/lib/listen-copies.ts", "bench/lib/usage.ts",
  // proxy-bench.ts: balancerNode, the command line of the l7 and obs programs counted.
  "bench/lib/proc.ts", "bench/lib/proxy-bench.ts", "bench/lib/profile-hook.ts", ...NOT_MEASURED,
];

export const BENCH_SUITES: Readonly<Record<string, SuiteInfo>> = {
  hub: {
    chapter: "02-hub", about: "the cost of a green thread", layout: "cases", command: "npm run bench hub",
    measured: [...HUB.map(ts), ts("bench/hub"), "bench/hub/eventlet_cases.py", "bench/suites/hub.ts", ...NODE_BENCH, ...NOT_MEASURED],
  },
  io: {
    chapter: "07-http", about: "echo and HTTP servers on real sockets", layout: "cases", command: "npm run bench io",
    measured: [...[...HUB, "solutions/05-green-sockets", "solutions/07-http"].map(ts), ts("bench/io"), "bench/io/eventlet_servers.py", "bench/lib/profile-hook.ts", ...SERVER_BENCH, ...NOT_MEASURED],
  },
  lb: {
    chapter: "08-tcp-proxy", about: "L4 proxies side by side under wrk", layout: "cases", command: "npm run bench lb",
    // Chapter 14's listener too: the suite measures chapter 08's splice accepting through 64 descriptors beside it.
    measured: [...[...HUB, "solutions/05-green-sockets", "solutions/08-tcp-proxy"].map(ts), "solutions/14-capstone/acceptors.ts", ts("bench/lb"), "bench/lib/listen-copies.ts", ...PROXY_BENCH, ...NOT_MEASURED],
  },
  l7: {
    chapter: "11-http-proxy", about: "HTTP proxies side by side under wrk", layout: "cases", command: "npm run bench l7",
    // Chapter 14's listener too: the suite's subject is chapter 11's proxy accepting through 64 descriptors.
    measured: [
      ...[...HUB, "solutions/05-green-sockets", "solutions/07-http", "solutions/08-tcp-proxy", "solutions/09-strategies", "solutions/10-health", "solutions/11-http-proxy"].map(ts),
      ...BALANCER_NODE, ts("bench/l7"), "bench/lb/backend.ts", "bench/lib/listen-copies.ts", ...PROXY_BENCH, ...NOT_MEASURED,
    ],
  },
  "lb-profile": {
    chapter: "13-observability", about: "where our L4 proxy's time goes, profiled under wrk", layout: "cases", ratios: "none",
    command: "npm run bench -- lb --profile --backends fixed",
    measured: [...[...HUB, "solutions/05-green-sockets", "solutions/08-tcp-proxy"].map(ts), "solutions/14-capstone/acceptors.ts", ts("bench/lb"), "bench/lib/listen-copies.ts", ...PROXY_BENCH, ...NOT_MEASURED],
  },
  "l7-profile": {
    chapter: "13-observability", about: "where our HTTP proxy's time goes, profiled under wrk", layout: "cases", ratios: "none",
    command: "npm run bench -- l7 --profile --backends fixed",
    measured: [
      ...[...HUB, "solutions/05-green-sockets", "solutions/07-http", "solutions/08-tcp-proxy", "solutions/09-strategies", "solutions/10-health", "solutions/11-http-proxy"].map(ts),
      ...BALANCER_NODE, ts("bench/l7"), "bench/lb/backend.ts", "bench/lib/listen-copies.ts", ...PROXY_BENCH, ...NOT_MEASURED,
    ],
  },
  obs: {
    chapter: "13-observability", about: "what observing costs: metrics and tracing on and off under wrk", layout: "cases", ratios: "baseline",
    command: "npm run bench obs",
    measured: [
      ...OBSERVED, ...BALANCER_NODE, ts("bench/obs"), "bench/l7/proxy-options.ts", "bench/lb/backend.ts", ...PROXY_BENCH, ...NOT_MEASURED,
    ],
  },
  workers: {
    chapter: "14-capstone", about: "the balancer on one core and on two, beside HAProxy", layout: "cases", command: "npm run bench workers",
    measured: [...CAPSTONE, ts("bench/workers"), "bench/lb/driver.ts", "bench/lb/backend.ts", ...PROXY_BENCH],
  },
  soak: {
    chapter: "14-capstone", about: "two minutes under a steady load: memory over time", layout: "systems", command: "npm run test:soak",
    measured: [...CAPSTONE, "test/soak/run.ts", "test/soak/heap-hook.ts"],
  },
  "obs-profile": {
    chapter: "13-observability", about: "where the time of an observed proxy goes, profiled under wrk", layout: "cases", ratios: "none",
    command: "npm run bench -- obs --profile",
    measured: [
      ...OBSERVED, ...BALANCER_NODE, ts("bench/obs"), "bench/l7/proxy-options.ts", "bench/lb/backend.ts", ...PROXY_BENCH, ...NOT_MEASURED,
    ],
  },
  cpu: {
    chapter: "13-observability", about: "where the proxies' CPU goes, by Linux perf", layout: "cases", ratios: "none",
    command: "npm run bench cpu",
    // The lb, l7 and obs suites' systems as those suites start them, and perf's parts (perf-profile, profile).
    measured: [
      ...[...HUB, "solutions/05-green-sockets", "solutions/07-http", "solutions/08-tcp-proxy", "solutions/09-strategies", "solutions/10-health", "solutions/11-http-proxy", "solutions/13-observability"].map(ts),
      ...BALANCER_NODE, ts("bench/cpu"), ts("bench/lb"), ts("bench/l7"), ts("bench/obs"), "bench/lib/listen-copies.ts", "bench/lib/load-tool.ts", "bench/lib/perf-profile.ts",
      "bench/lib/profile.ts", "bench/lib/gc-trace.ts", ...PROXY_BENCH, ...NOT_MEASURED,
    ],
  },
  instructions: {
    chapter: "13-observability", about: "what one more connection, request or round trip costs, in instructions counted by callgrind",
    layout: "systems", ratios: "none", command: "npm run bench:instructions",
    measured: COUNTED,
  },
  breakdown: {
    chapter: "13-observability", about: "where one more connection, request or round trip's instructions go, function by function (callgrind)",
    layout: "cases", ratios: "none", command: "npm run bench:instructions -- --breakdown",
    measured: COUNTED,
  },
  strategies: {
    chapter: "09-strategies", about: "the cost of a pick", layout: "systems", command: "npm run bench strategies",
    measured: [ts("solutions/09-strategies"), "solutions/08-tcp-proxy/balancer.ts", "solutions/05-green-sockets/random.ts", ts("bench/strategies"), "bench/suites/strategies.ts", ...NODE_BENCH, ...NOT_MEASURED],
  },
  // The seeded simulations: `npm run bench sims` runs each chapter's script and stamps the commit (bench/suites/sims.ts).
  "strategies-sim": {
    chapter: "09-strategies", about: "Linkerd's slow-backend experiment, simulated", layout: "systems",
    command: "npm run bench sims",
    measured: [ts("solutions/09-strategies"), ts("solutions/02-hub"), ...NOT_MEASURED],
  },
  "health-sim": {
    chapter: "10-health", about: "a backend down and a brownout: checks, ejection, retries and budgets, simulated", layout: "cases",
    command: "npm run bench sims",
    measured: [...[...HUB, "solutions/05-green-sockets", "solutions/08-tcp-proxy", "solutions/09-strategies", "solutions/10-health"].map(ts), ...NOT_MEASURED],
  },
  "elastic-sim": {
    chapter: "12-elastic", about: "load rises and falls, and the backend set follows, simulated", layout: "systems",
    command: "npm run bench sims",
    measured: ELASTIC,
  },
  "slow-start-sim": {
    chapter: "12-elastic", about: "the same story under each slow start, simulated", layout: "cases",
    command: "npm run bench sims",
    measured: ELASTIC,
  },
  drill: {
    chapter: "14-capstone", about: "the chaos drill, simulated", layout: "cases", command: "npm run bench sims",
    measured: CAPSTONE,
  },
};

export const RESULTS_DIR = "bench/results";
/** The files whose `<!-- bench: … -->` blocks `npm run bench:tables` writes and the course check compares. */
export const REPORT_DIRS = ["bench", "chapters"];

// ---------------------------------------------------------------------------------------------------------------
// reading

export function readBenchFile(root: string, suite: string): BenchFile {
  const file = join(root, RESULTS_DIR, `${suite}.json`);
  if (!existsSync(file)) throw new Error(`${RESULTS_DIR}/${suite}.json does not exist (run: ${BENCH_SUITES[suite]?.command ?? "npm run bench"})`);
  const data = JSON.parse(readFileSync(file, "utf8")) as BenchFile;
  if (!Array.isArray(data.rows)) throw new Error(`${RESULTS_DIR}/${suite}.json has no "rows" array`);
  return { ...data, suite: data.suite ?? suite };
}

/**
 * The files under `pathspecs` with uncommitted changes (untracked ones listed one by one), from `git status`'s
 * "XY path" lines: read untrimmed, since X may be a space; a rename gives its new path.
 */
export function uncommittedFiles(root: string, pathspecs: readonly string[]): string[] {
  const out = spawnSync("git", ["status", "--porcelain", "--untracked-files=all", "--", ...pathspecs], { cwd: root, encoding: "utf8" }).stdout ?? "";
  return out.split("\n").filter(Boolean).map((line) => line.slice(3).split(" -> ").at(-1)!);
}

/** What a results file says about the code it measured: the commit, and the files that differed from it. */
export interface MeasuredCommit {
  readonly commit: string;
  readonly dirty: boolean;
  /** The files with uncommitted changes, when the note names them all (null when it names some and "N more"). */
  readonly dirtyFiles: string[] | null;
  /**
   * Each of those files' content as measured (a git blob id, or null for a file that was deleted), when the note
   * gives it for every one of them (bench/lib/report.ts, measuredAt); null for older notes, which only name them.
   */
  readonly blobs: ReadonlyMap<string, string | null> | null;
}

/**
 * The commit a result measured, from its "measured at commit abc1234[, with uncommitted changes in a (blob 1a2b3c…),
 * b (deleted)]" note; older notes name the files without their content, or some of them and "N more".
 */
export function measuredCommit(file: Pick<BenchFile, "notes">): MeasuredCommit | null {
  for (const n of file.notes ?? []) {
    const m = /^measured at commit ([0-9a-f]{7,40})(?:, with uncommitted changes in (.+?)( and \d+ more)?)?$/.exec(n);
    if (m) {
      if (m[2] === undefined) return { commit: m[1]!, dirty: false, dirtyFiles: null, blobs: null };
      const entries = m[2].split(", ").map((e) => /^(.+) \((?:blob ([0-9a-f]{7,40})|(deleted))\)$/.exec(e));
      const complete = !m[3] && entries.every((e) => e !== null);
      const dirtyFiles = m[3] ? null : entries.map((e, i) => e?.[1] ?? m[2]!.split(", ")[i]!);
      return {
        commit: m[1]!, dirty: true, dirtyFiles,
        blobs: complete ? new Map(entries.map((e) => [e![1]!, e![2] ?? null])) : null,
      };
    }
    const bare = /^measured at commit ([0-9a-f]{7,40})/.exec(n);
    if (bare) return { commit: bare[1]!, dirty: n.includes("uncommitted"), dirtyFiles: null, blobs: null };
  }
  return null;
}

/** "Chapter 08 — A TCP proxy: L4 proxies side by side under wrk", from course.json's chapter titles. */
export function suiteTitle(suite: string, chapterTitles: Readonly<Record<string, string>>, fallback?: string): string {
  const info = BENCH_SUITES[suite];
  if (!info) return fallback?.replace(/\s*\((tracker )?issue \d+\)/g, "") ?? `The ${suite} suite`;
  const t = chapterTitles[info.chapter];
  return `Chapter ${info.chapter.slice(0, 2)}${t ? ` — ${t}` : ""}: ${info.about}`;
}

// ---------------------------------------------------------------------------------------------------------------
// staleness

export type Freshness =
  | { readonly state: "current"; readonly commit: string }
  /** `files`: the measured files that differ from the measured commit; `changes`: the commits since that touch them. */
  | { readonly state: "stale"; readonly commit: string; readonly files: readonly string[]; readonly changes: readonly string[] }
  | { readonly state: "unknown"; readonly commit?: string; readonly why: string };

/**
 * Whether the code a result measured has changed since: the suite's measured files as committed at HEAD against
 * the commit measured (comments, layout and types aside, see sameCode), with the commits between that touch them.
 * A file that had uncommitted changes when measured is judged by the content the run recorded for it instead.
 * "unknown" when the file names no commit, the checkout has no git, the commit is not in this clone's history (a
 * shallow clone), or the run had uncommitted changes in measured code that no commit holds: never a guess.
 */
export function freshness(root: string, suite: string, file: Pick<BenchFile, "notes">): Freshness {
  const info = BENCH_SUITES[suite];
  const at = measuredCommit(file);
  if (!at) return { state: "unknown", why: "the results file names no commit measured" };
  if (!info) return { state: "unknown", commit: at.commit, why: `no measured paths are defined for the suite "${suite}"` };
  const git = (...args: string[]) => spawnSync("git", args, { cwd: root, encoding: "utf8" });
  const known = git("cat-file", "-e", `${at.commit}^{commit}`);
  if (known.error || known.status !== 0) {
    return { state: "unknown", commit: at.commit, why: `commit ${at.commit} is not in this clone's history (shallow, or no git)` };
  }
  // The code is compared, not the history: a change and its revert leave a result current.
  const diff = git("diff", "--name-only", at.commit, "HEAD", "--", ...info.measured);
  if (diff.status !== 0) return { state: "unknown", commit: at.commit, why: `git diff failed: ${diff.stderr.trim()}` };
  // A file whose code is the same, its comments, layout and types aside, measures the same: mending a comment in a
  // measured file must not send every suite back to be measured again (an hour of runs for a comment).
  const differing = diff.stdout.split("\n").filter(Boolean);
  // A file that was uncommitted when measured is judged below, by the content measured.
  const stale = differing.filter((f) => !at.blobs?.has(f) && !sameAsHead(git, `${at.commit}:${f}`, f));
  if (stale.length) {
    const log = git("log", "--no-merges", "--format=%h %s", `${at.commit}..HEAD`, "--", ...stale);
    return { state: "stale", commit: at.commit, files: stale, changes: log.stdout.split("\n").filter(Boolean) };
  }
  // Uncommitted changes matter only in code that ran: a README edited during a run changed nothing it measured.
  if (at.dirty) {
    const listed = (...args: string[]): Set<string> => new Set(git(...args).stdout.split("\n").filter(Boolean));
    const measured = new Set([...listed("ls-files", "--", ...info.measured), ...differing]);
    if (at.dirtyFiles === null || at.blobs === null) {
      if (at.dirtyFiles === null || at.dirtyFiles.some((f) => measured.has(f))) {
        return { state: "unknown", commit: at.commit, why: `measured with uncommitted changes on top of ${at.commit}` };
      }
    } else {
      // The note gives each file's content as measured: compare that content, not the commit's, with HEAD's.
      const inHistory = listed("ls-tree", "-r", "--name-only", "HEAD");
      for (const f of listed("ls-tree", "-r", "--name-only", at.commit)) inHistory.add(f);
      const changed: string[] = [];
      for (const [path, blob] of at.blobs) {
        if (!measured.has(path)) {
          if (inHistory.has(path)) continue; // a file the suite does not measure
          // Neither committed nor at HEAD: whether it was measured code cannot be told from the history.
          return { state: "unknown", commit: at.commit, why: `measured with ${path}, which no commit holds` };
        }
        const same = sameAsMeasured(git, path, blob);
        if (same === null) {
          return { state: "unknown", commit: at.commit, why: `measured with uncommitted changes in ${path}, a content no commit holds` };
        }
        if (!same) changed.push(path);
      }
      if (changed.length) {
        const log = git("log", "--no-merges", "--format=%h %s", `${at.commit}..HEAD`, "--", ...changed);
        return { state: "stale", commit: at.commit, files: changed, changes: log.stdout.split("\n").filter(Boolean) };
      }
    }
  }
  return { state: "current", commit: at.commit };
}

type Git = (...args: string[]) => { status: number | null; stdout: string };

/**
 * True when `object` (a version of `path`: "commit:path", or a blob id) holds the same code as `path` at HEAD,
 * comments, layout and types aside (see sameCode). Only for TypeScript; any other file, or one missing on either
 * side, counts as changed.
 */
function sameAsHead(git: Git, object: string, path: string): boolean {
  if (!path.endsWith(".ts")) return false;
  const before = git("show", object);
  const after = git("show", `HEAD:${path}`);
  if (before.status !== 0 || after.status !== 0) return false;
  return sameCode(before.stdout, after.stdout);
}

/**
 * Whether `path` at HEAD holds the content measured (`blob`, or null: the file was deleted), its comments, layout and
 * types aside; null when that content is in no object of this repository (it was never committed), so it cannot be
 * told.
 */
function sameAsMeasured(git: Git, path: string, blob: string | null): boolean | null {
  const head = git("rev-parse", "--verify", "--quiet", `HEAD:${path}`);
  if (blob === null) return head.status !== 0;
  if (head.status !== 0) return false;
  if (head.stdout.trim().startsWith(blob)) return true;
  if (git("cat-file", "-e", `${blob}^{blob}`).status !== 0) return null;
  return sameAsHead(git, blob, path);
}

/**
 * Do two TypeScript texts run the same JavaScript? Each is compiled on its own, as tsx runs a file (isolated modules:
 * types erased, imports used only as types dropped, no syntax lowered), with comments removed, and the outputs
 * compared: a comment mended, a line re-wrapped, a type annotation or a type-only import or export moved changes
 * nothing that runs. Where the printer keeps a choice of the source's layout (an object literal on one line or
 * several), the two count as changed: a needless re-run, never a stale result called current.
 */
export function sameCode(a: string, b: string): boolean {
  if (a === b) return true;
  // Loaded only when a text changed: the compiler is a large module, and most calls find no change at all.
  const ts = createRequire(import.meta.url)("typescript") as typeof import("typescript");
  const compilerOptions = { target: ts.ScriptTarget.ESNext, module: ts.ModuleKind.ESNext, removeComments: true };
  const code = (text: string): string => ts.transpileModule(text, { compilerOptions, fileName: "file.ts" }).outputText;
  return code(a) === code(b);
}

/**
 * The commands that measure again every result not known to be current (stale or unknown; every result with `all`),
 * each once (one `npm run bench sims` writes five results), in the order of BENCH_SUITES: the order the chapters
 * build what they measure. Suites with no command of their own are left out.
 */
export function rerunPlan(states: ReadonlyMap<string, Freshness>, all = false): { command: string; suites: string[] }[] {
  const plan = new Map<string, string[]>();
  for (const [suite, info] of Object.entries(BENCH_SUITES)) {
    const f = states.get(suite);
    if (!f || (!all && f.state === "current")) continue;
    plan.set(info.command, [...(plan.get(info.command) ?? []), suite]);
  }
  return [...plan].map(([command, suites]) => ({ command, suites }));
}

/**
 * What became of one command of a rerun: "done"; its failure, with the exit; or, for a command that ended well, the
 * results files it did not write (`written`: when each was last written, before the command and now; a suite that
 * measured fewer peers than its saved result leaves that result alone, bench/lib/report.ts `finish`).
 */
export function rerunOutcome(exit: { status: number | null; signal: string | null }, suites: readonly string[], written: (suite: string) => { before: number | null; now: number | null }): string {
  if (exit.status !== 0) return `failed (exit ${exit.status ?? exit.signal})`;
  const unsaved = suites.filter((suite) => {
    const w = written(suite);
    return w.now === null || w.now === w.before;
  });
  return unsaved.length ? `ran, but did not replace ${unsaved.map((s) => `${RESULTS_DIR}/${s}.json`).join(", ")}` : "done";
}

/** One line: "hub: stale — measured at 54a60a4; 3 commits since change the measured code". */
export function describeFreshness(suite: string, f: Freshness): string {
  if (f.state === "current") return `${suite}: current — measured at ${f.commit}; no commit since changes the measured code`;
  if (f.state === "stale") {
    return `${suite}: STALE — measured at ${f.commit}; ${f.files.length} measured file(s) differ now, changed by ${f.changes.length} commit(s) (rerun: ${BENCH_SUITES[suite]?.command ?? "npm run bench"})`;
  }
  return `${suite}: unknown — ${f.why}`;
}

// ---------------------------------------------------------------------------------------------------------------
// figures

/** 3 significant digits below 100, whole numbers with separators above: enough for figures that move by percents. */
export function fmt(x: number, digits = 3): string {
  if (Math.abs(x) >= 10 ** (digits - 1)) return Math.round(x).toLocaleString("en-US");
  return Number(x.toPrecision(digits)).toString();
}

export const fmtRatio = (r: number): string =>
  `${r < 0.1 ? Number(r.toPrecision(2)) : r >= 10 ? Number(r.toPrecision(3)) : r.toFixed(2)}×`;

/** Cases in the order the file first names them; systems likewise. */
const casesOf = (f: BenchFile): string[] => [...new Set(f.rows.map((r) => r.case))];
const systemsOf = (f: BenchFile): string[] => [...new Set(f.rows.map((r) => r.system))];
const rowOf = (f: BenchFile, c: string, s: string): BenchRow | undefined => f.rows.find((r) => r.case === c && r.system === s);
const subjectOf = (f: BenchFile): string => f.subject ?? f.rows[0]?.system ?? "";

export const betterOf = (r: BenchRow): "lower" | "higher" => r.better ?? (/\/\s*s$/.test(r.unit ?? "") ? "higher" : "lower");

/** "3,780 (3,617–4,216)", or the value alone, to 4 digits, when the file has no spread (a simulation). */
export function cell(r: BenchRow | undefined, withUnit = false): string {
  if (!r) return "—";
  const unit = withUnit && r.unit ? ` ${r.unit}` : "";
  return r.min !== undefined && r.max !== undefined
    ? `${fmt(r.value)}${unit} (${fmt(r.min)}–${fmt(r.max)})`
    : `${fmt(r.value, 4)}${unit}`; // one deterministic run: no noise to round away
}

export interface Comparison {
  /** The subject ÷ the peer, as every ratio in the course reads ("hub ÷ eventlet"): see pairedRatio. */
  readonly ratio: number;
  /**
   * Whether the subject is ahead, by the figure's direction. Where both systems have the same number of reps (three
   * or more), rep by rep: the runner interleaves them (rep i of every system runs in the same round, bench/run.ts and
   * bench/lib/proxy-bench.ts), so a slow stretch of the host slows both sides of a pair, where it only widens the
   * min–max of each. Then "ahead" or "behind" means in every rep (ties aside), and "mixed" that the reps disagree.
   * Without such reps, by the medians, and "overlap" when the two min–max ranges meet.
   */
  readonly verdict: "ahead" | "behind" | "mixed" | "overlap" | "even";
  /** With paired reps: in how many the subject was ahead, and how many were compared. */
  readonly reps?: { readonly ahead: number; readonly of: number };
}

/** The reps of two rows taken side by side, or null when they cannot be paired (no reps, or not as many). */
function pairedReps(mine: BenchRow, theirs: BenchRow): [number, number][] | null {
  // A hand-edited file may hold anything there: only lists of numbers are reps.
  const reps = (r: BenchRow): readonly number[] =>
    Array.isArray(r.samples) && r.samples.every((x) => typeof x === "number" && Number.isFinite(x)) ? r.samples : [];
  const a = reps(mine);
  const b = reps(theirs);
  if (a.length < 3 || a.length !== b.length) return null;
  return a.map((x, i) => [x, b[i]!]);
}

/**
 * "1.12× rep by rep", or "1.12×" where the reps cannot be paired (one rep, or not as many): see pairedRatio. Three
 * significant digits, so that an aim missed by a hair reads 0.799×, not a 0.8× that seems to meet its 0.8.
 */
export function pairedRatioText(mine: BenchRow, theirs: BenchRow): string {
  const pairs = pairedReps(mine, theirs);
  return `${Number(ratioOf(mine, theirs, pairs).toPrecision(3))}×${pairs ? " rep by rep" : ""}`;
}

/**
 * The subject ÷ the peer as the course reads every ratio: with paired reps (see Comparison), the median of the reps'
 * ratios, each taken within one round, so that a round the host slowed counts once on both sides; else the ratio of
 * the medians. The suites judge their aims on it, the tables show it.
 */
export function pairedRatio(mine: BenchRow, theirs: BenchRow): number {
  return ratioOf(mine, theirs, pairedReps(mine, theirs));
}

/** pairedRatio, given the two rows' pairs of reps (pairedReps). */
function ratioOf(mine: BenchRow, theirs: BenchRow, pairs: [number, number][] | null): number {
  if (!pairs || pairs.some(([, y]) => y === 0)) return mine.value / theirs.value;
  const ratios = pairs.map(([x, y]) => x / y).sort((p, q) => p - q);
  const mid = ratios.length >> 1;
  return ratios.length % 2 ? ratios[mid]! : (ratios[mid - 1]! + ratios[mid]!) / 2;
}

export function compare(mine: BenchRow, theirs: BenchRow): Comparison {
  const pairs = pairedReps(mine, theirs);
  const ratio = ratioOf(mine, theirs, pairs);
  const lowerIsBetter = betterOf(mine) === "lower";
  if (pairs) {
    const ahead = pairs.filter(([x, y]) => x !== y && (x < y) === lowerIsBetter).length;
    const behind = pairs.filter(([x, y]) => x !== y && (x < y) !== lowerIsBetter).length;
    const reps = { ahead, of: pairs.length };
    if (ahead && behind) return { ratio, verdict: "mixed", reps };
    return { ratio, verdict: ahead ? "ahead" : behind ? "behind" : "even", reps };
  }
  const spread = mine.min !== undefined && mine.max !== undefined && theirs.min !== undefined && theirs.max !== undefined;
  if (spread && mine.min! <= theirs.max! && theirs.min! <= mine.max!) return { ratio, verdict: "overlap" };
  if (mine.value === theirs.value) return { ratio, verdict: "even" };
  return { ratio, verdict: (mine.value < theirs.value) === lowerIsBetter ? "ahead" : "behind" };
}

/** A comparison's verdict in words: "ahead", "mixed (ahead in 2 of 5 reps)", "ranges overlap". */
export function verdictText(c: Comparison): string {
  if (c.verdict === "mixed" && c.reps) return `mixed (ahead in ${c.reps.ahead} of ${c.reps.of} reps)`;
  return VERDICT[c.verdict];
}

/** A verdict as a sentence says it: "ahead in all 5 reps", "ahead in 2 of 5 reps", or "ahead" without paired reps. */
export function verdictInline(c: Comparison): string {
  if (!c.reps) return VERDICT[c.verdict];
  const { ahead, of } = c.reps;
  if (c.verdict === "mixed") return `ahead in ${ahead} of ${of} reps`;
  return c.verdict === "even" ? `even in all ${of} reps` : `${c.verdict} in all ${of} reps`;
}

const VERDICT: Record<Comparison["verdict"], string> = { ahead: "ahead", behind: "behind", mixed: "mixed", overlap: "ranges overlap", even: "even" };

// ---------------------------------------------------------------------------------------------------------------
// blocks

const md = (s: string): string => s.replace(/\|/g, "\\|");
const tableOf = (head: string[], lines: string[][]): string =>
  [`| ${head.map(md).join(" | ")} |`, `|${head.map(() => "---").join("|")}|`, ...lines.map((l) => `| ${l.map(md).join(" | ")} |`)].join("\n");

/** The run in one paragraph: reps, commit, date, machine, load. */
export function runLine(f: BenchFile): string {
  const at = measuredCommit(f);
  const m = (f.machine && typeof f.machine === "object" ? f.machine : {}) as Record<string, unknown>;
  const machine = typeof f.machine === "string"
    ? f.machine
    : [m.cpus && `${m.cpus} vCPU ${m.cpuModel ?? ""}`.trim(), m.node && `Node ${String(m.node).replace(/^v/, "")}`,
       ...Object.entries(m).filter(([k]) => !["cpus", "cpuModel", "memoryGB", "freeMemoryGB", "os", "node", "cpuMitigations"].includes(k) && !k.startsWith("load") && !k.startsWith("reference")).map(([, v]) => String(v).split(" - ")[0]!)]
        .filter(Boolean).join(", ");
  const load = typeof m.loadAverage1mAtStart === "number" || typeof m.loadAverage1mAtEnd === "number"
    ? `; load average ${m.loadAverage1mAtStart ?? "?"} at the start, ${m.loadAverage1mAtEnd ?? "?"} at the end`
    : "";
  const speed = typeof m.referenceJavascriptMs === "number" && typeof m.referenceLoopbackMs === "number"
    ? `; reference work at the end, ${m.referenceJavascriptMs} ms of JavaScript and ${m.referenceLoopbackMs} ms of loopback round trips (bench/lib/speed.ts; less is a faster machine)`
    : "";
  const parts = [
    f.reps === 1 ? "One measured run (no spread)" : f.reps ? `Medians of ${f.reps} reps, min–max in brackets` : "One deterministic run (no spread)",
    at ? `measured at commit ${at.commit}${at.dirty ? " with uncommitted changes" : ""}` : "no commit recorded",
    f.date ? `on ${f.date.slice(0, 10)}` : "",
  ].filter(Boolean);
  const rerun = BENCH_SUITES[f.suite]?.command;
  return `${parts.join(", ")} (${machine || "machine not recorded"}${load}${speed}). Generated from \`${RESULTS_DIR}/${f.suite}.json\` by \`npm run bench:tables\`; whether the code has changed since: \`npm run bench:status\`${rerun ? `; to measure again: \`${rerun}\`` : ""}.`;
}

/**
 * Every figure: median (min–max), with the subject's ratio to each peer when there are at most three peers.
 * `within`, the text a block picked its figures by, when every figure's name starts with it: the first column says it
 * once, with the unit when every figure has the same, and each row keeps the rest of its name (a breakdown's
 * "io-echo, by kind: libuv" is "libuv" under "io-echo, by kind (instructions/round trip, lower is better)").
 */
export function figureTable(file: BenchFile, layout: "cases" | "systems" = BENCH_SUITES[file.suite]?.layout ?? "cases", within?: string): string {
  // One measured run has no spread to show: its figures stand alone.
  const f = file.reps === 1 ? { ...file, rows: file.rows.map(({ min: _min, max: _max, ...r }) => r) } : file;
  const cases = casesOf(f);
  const systems = systemsOf(f);
  const subject = subjectOf(f);
  const unitOf = (c: string): string => {
    const r = f.rows.find((x) => x.case === c)!;
    return `${r.unit ?? ""}, ${betterOf(r)} is better`;
  };
  if (layout === "systems") {
    const head = ["system", ...cases.map((c) => `${c}, ${unitOf(c)}`)];
    return tableOf(head, systems.map((s) => [s, ...cases.map((c) => cell(rowOf(f, c, s)))]));
  }
  const peers = systems.filter((s) => s !== subject);
  const mode = BENCH_SUITES[f.suite]?.ratios ?? "subject";
  const inline = mode !== "none" && peers.length <= 3 && systems.includes(subject);
  const baseline = mode === "baseline";
  const prefixed = within !== undefined && within.length > 0 && cases.every((c) => c.startsWith(within) && c.length > within.length);
  const oneUnit = prefixed && new Set(cases.map(unitOf)).size === 1;
  const figureHead = prefixed ? `${within.replace(/[\s,:]+$/, "")}${oneUnit ? ` (${unitOf(cases[0]!)})` : ""}` : "figure";
  const label = (c: string): string => {
    if (!prefixed) return `${c}, ${unitOf(c)}`;
    const rest = c.slice(within.length).replace(/^[\s,:]+/, "");
    return oneUnit ? rest : `${rest}, ${unitOf(c)}`;
  };
  const head = [figureHead, ...systems, ...(inline ? peers.map((p) => (baseline ? `${p} ÷ ${subject}` : `${subject} ÷ ${p}`)) : [])];
  const lines = cases.map((c) => {
    const mine = rowOf(f, c, subject);
    return [
      label(c),
      ...systems.map((s) => cell(rowOf(f, c, s))),
      ...(inline ? peers.map((p) => (baseline ? ratioCell(rowOf(f, c, p), mine) : ratioCell(mine, rowOf(f, c, p)))) : []),
    ];
  });
  return tableOf(head, lines);
}

function ratioCell(mine: BenchRow | undefined, theirs: BenchRow | undefined): string {
  if (!mine || !theirs || !theirs.value) return "—";
  const c = compare(mine, theirs);
  return `${fmtRatio(c.ratio)} ${verdictText(c)}`;
}

/** The subject ÷ each peer for every figure, and whether that is ahead (a separate table when peers are many). */
export function ratioTable(f: BenchFile): string {
  const subject = subjectOf(f);
  const peers = systemsOf(f).filter((s) => s !== subject);
  const head = ["figure", "better", ...peers.map((p) => `${subject} ÷ ${p}`)];
  const lines = casesOf(f).map((c) => {
    const mine = rowOf(f, c, subject);
    return [c, mine ? `${betterOf(mine)}` : "—", ...peers.map((p) => ratioCell(mine, rowOf(f, c, p)))];
  });
  return tableOf(head, lines);
}

export function aimList(f: BenchFile, filter?: string): string {
  const aims = (f.aims ?? []).filter((a) => !filter || a.aim.includes(filter));
  if (!aims.length) return filter ? `No aims about "${filter}" recorded in this run.` : "No aims recorded in this run.";
  const moved = (a: BenchAim): string => {
    const was = verdictMoved(f, a);
    return was ? ` (${was} in the run before)` : "";
  };
  return aims.map((a) => `- **${a.met ? "met" : "not met"}**${moved(a)} — ${a.aim}${a.detail ? `: ${a.detail}` : ""}`).join("\n");
}

/** The suites as BENCH_SUITES declares them, read once rather than at every comparison of a sort. */
const SUITE_NAMES = Object.keys(BENCH_SUITES);

/**
 * Compares suites for the course's order: by the chapter that builds what they measure, then as BENCH_SUITES lists
 * them; a suite it does not know comes last, by name. The reports list suites in this order, as a reader meets them.
 */
export function bySuiteOrder(a: string, b: string): number {
  const key = (s: string): [string, number] => {
    const info = BENCH_SUITES[s];
    return info ? [info.chapter, SUITE_NAMES.indexOf(s)] : ["~", Infinity];
  };
  const [ca, ia] = key(a);
  const [cb, ib] = key(b);
  return ca !== cb ? (ca < cb ? -1 : 1) : ia !== ib ? ia - ib : a < b ? -1 : a > b ? 1 : 0;
}

/** What a result keeps of the run it replaces (bench/lib/report.ts, finish): its date, commit and verdicts. */
export function previousRun(old: Pick<BenchFile, "date" | "notes" | "aims">): PreviousRun {
  return {
    date: old.date ?? "unknown",
    commit: measuredCommit(old)?.commit.slice(0, 7) ?? null,
    aims: (old.aims ?? []).map(({ aim, met }) => ({ aim, met })),
  };
}

/** How the run before judged an aim, when it judged it: "met at 0cbb8b3", "not met at af6d91d". */
export function verdictBefore(f: Pick<BenchFile, "previous">, aim: string): { met: boolean; text: string } | null {
  const was = f.previous?.aims.find((a) => a.aim === aim);
  if (!was) return null;
  return { met: was.met, text: `${was.met ? "met" : "not met"} at ${f.previous!.commit ?? "an unknown commit"}` };
}

/** A results file's record of a run before, when it has the right shape (a hand-edited file may not). */
function readPreviousRun(x: unknown): PreviousRun | undefined {
  if (!x || typeof x !== "object") return undefined;
  const o = x as Record<string, unknown>;
  if (!Array.isArray(o.aims)) return undefined;
  return {
    date: typeof o.date === "string" ? o.date : "unknown",
    commit: typeof o.commit === "string" ? o.commit : null,
    aims: (o.aims as Partial<{ aim: string; met: boolean }>[]).filter(
      (a): a is { aim: string; met: boolean } => !!a && typeof a.aim === "string" && typeof a.met === "boolean",
    ),
  };
}

/** A results file's `previous` and `earlier`, each run kept only when it has the right shape. */
export function readRunsBefore(data: Record<string, unknown>): Pick<BenchFile, "previous" | "earlier"> {
  const previous = readPreviousRun(data.previous);
  const earlier = (Array.isArray(data.earlier) ? data.earlier : []).map(readPreviousRun).filter((r): r is PreviousRun => r !== undefined);
  return { ...(previous ? { previous } : {}), ...(previous && earlier.length ? { earlier } : {}) };
}

/** The runs a result keeps before its own, newest first: `previous`, then `earlier`. */
export function runsBefore(f: Pick<BenchFile, "previous" | "earlier">): PreviousRun[] {
  return f.previous ? [f.previous, ...(f.earlier ?? [])] : [];
}

/** What a new result keeps of the run it replaces (`old`): that run, and the runs before it, to EARLIER_RUNS. */
export function carriedRuns(old: Pick<BenchFile, "date" | "notes" | "aims" | "previous" | "earlier">): Pick<BenchFile, "previous" | "earlier"> {
  const earlier = runsBefore(old).slice(0, EARLIER_RUNS);
  return { previous: previousRun(old), ...(earlier.length ? { earlier } : {}) };
}

/** Each kept run's verdict on an aim, newest first; a run that did not judge it (an aim since renamed) gives none. */
function verdictsBefore(f: Pick<BenchFile, "previous" | "earlier">, aim: string): boolean[] {
  return runsBefore(f).flatMap((r) => r.aims.filter((a) => a.aim === aim).map((a) => a.met));
}

/**
 * How often the kept runs before a result met an aim: "met in 3 of the 9 runs before"; null when fewer than two of
 * them judged it (the run before's verdict says as much). An aim met in some and missed in others is within its
 * suite's noise, whatever its last verdict.
 */
export function verdictRecord(f: Pick<BenchFile, "previous" | "earlier">, aim: string): { met: number; judged: number; text: string } | null {
  const verdicts = verdictsBefore(f, aim);
  if (verdicts.length < 2) return null;
  const met = verdicts.filter(Boolean).length;
  return { met, judged: verdicts.length, text: `met in ${met} of the ${verdicts.length} runs before` };
}

/** Whether an aim has been judged both ways over the last run and the runs kept before it. */
export function judgedBothWays(f: Pick<BenchFile, "previous" | "earlier">, a: BenchAim): boolean {
  const verdicts = [a.met, ...verdictsBefore(f, a.aim)];
  return verdicts.includes(true) && verdicts.includes(false);
}

/** The run before's verdict on an aim when it was the other way ("met at 0cbb8b3"), else null. */
export function verdictMoved(f: Pick<BenchFile, "previous">, a: BenchAim): string | null {
  const before = verdictBefore(f, a.aim);
  return before && before.met !== a.met ? before.text : null;
}

/** Every suite's aims with its result, in the course's order; a suite whose result cannot be read has none. */
function everyAim(load: (suite: string) => BenchFile): { suite: string; f: BenchFile; a: BenchAim }[] {
  return [...SUITE_NAMES].sort(bySuiteOrder).flatMap((suite) => {
    try {
      const f = load(suite);
      return (f.aims ?? []).map((a) => ({ suite, f, a }));
    } catch {
      return [];
    }
  });
}

/**
 * Each aim whose last run judged it the other way from the run before, with how often the runs kept met it: "hub:
 * timers … — not met (met at 0cbb8b3 in the run before; met in 5 of the 7 runs before)".
 */
export function movedVerdicts(load: (suite: string) => BenchFile): string[] {
  return everyAim(load).flatMap(({ suite, f, a }) => {
    const was = verdictMoved(f, a);
    const record = verdictRecord(f, a.aim);
    return was ? [`${suite}: ${a.aim} — ${a.met ? "met" : "not met"} (${was} in the run before${record ? `; ${record.text}` : ""})`] : [];
  });
}

/**
 * "25 of 39 aims met in the last run of each suite (3 verdicts differ from the run before it; 9 aims have been
 * judged both ways in the runs kept)".
 */
export function goalsSummary(load: (suite: string) => BenchFile): string {
  const aims = everyAim(load);
  const moved = aims.filter(({ f, a }) => verdictMoved(f, a) !== null).length;
  const both = aims.filter(({ f, a }) => judgedBothWays(f, a)).length;
  const bothText = `${both === 1 ? "1 aim has" : `${both} aims have`} been judged both ways in the runs kept`;
  return `${aims.filter(({ a }) => a.met).length} of ${aims.length} aims met in the last run of each suite (${moved === 1 ? "1 verdict differs" : `${moved} verdicts differ`} from the run before it; ${bothText})`;
}

/**
 * Every suite's aims in one table, as their last runs judged them (suites without aims, such as the simulations, are
 * left out): the course's performance goals at a glance. A suite whose results are missing says so.
 */
export function goalsTable(load: (suite: string) => BenchFile): string {
  const lines: string[][] = [];
  for (const suite of [...SUITE_NAMES].sort(bySuiteOrder)) {
    const info = BENCH_SUITES[suite]!;
    let f: BenchFile;
    try {
      f = load(suite);
    } catch {
      lines.push([`\`${suite}\` (${info.chapter.slice(0, 2)})`, "—", `no results: \`${info.command}\``, "—", "—"]);
      continue;
    }
    const commit = measuredCommit(f)?.commit.slice(0, 7) ?? "unknown";
    for (const a of f.aims ?? []) {
      const before = [verdictBefore(f, a.aim)?.text, verdictRecord(f, a.aim)?.text].filter(Boolean).join("; ");
      lines.push([`\`${suite}\` (${info.chapter.slice(0, 2)})`, a.aim, a.met ? "met" : "**not met**", commit, before || "—"]);
    }
  }
  const summary = `${goalsSummary(load)}. Each suite's aims block, beside its table, gives the figures that decide them.`;
  return `${summary}\n\n${tableOf(["suite (chapter)", "aim", "verdict", "measured at", "the runs before"], lines)}`;
}

// ---------------------------------------------------------------------------------------------------------------
// markers

export const BLOCK_END = "<!-- /bench -->";
// A marker quoted in prose (`<!-- bench: … -->` in backticks) is an example, not a block.
const START = /(?<!`)<!-- bench: ([^>]*?) -->/g;

/** `hub value "requests/s @ 64 conns" haproxy` → ["hub", "value", "requests/s @ 64 conns", "haproxy"]. */
function args(spec: string): string[] {
  return [...spec.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2]!);
}

/** What one marker's block holds, made from the results; throws with what is wrong. */
export function renderBlock(spec: string, load: (suite: string) => BenchFile): { text: string; inline: boolean } {
  if (spec.trim() === "goals") return { text: goalsTable(load), inline: false };
  const [suite, kind, ...rest] = args(spec);
  if (!suite || !kind) throw new Error(`a bench marker wants "<suite> <table|ratios|aims|value|range|ratio|verdict|prose> …", got "${spec}"`);
  const f = load(suite);
  /** A block's optional text: only the figures whose name contains it (`l7 table "fixed backends"`). */
  const only = (): BenchFile => {
    const [filter] = rest;
    if (filter === undefined) return f;
    const rows = f.rows.filter((r) => r.case.includes(filter));
    if (!rows.length) throw new Error(`"${spec}": ${RESULTS_DIR}/${suite}.json has no figure whose name contains "${filter}"`);
    return { ...f, rows };
  };
  switch (kind) {
    case "prose":
      // Says which figures the prose around was read against (see proseToRead); it shows nothing.
      if (!/^[0-9a-f]{8}$/.test(rest[0] ?? "")) throw new Error(`"${spec}": prose wants the fingerprint of the figures read, 8 hex digits (npm run bench:tables names it)`);
      return { text: "", inline: true };
    case "table":
      return { text: `${runLine(f)}\n\n${figureTable(only(), undefined, rest[0])}`, inline: false };
    case "ratios":
      return { text: ratioTable(only()), inline: false };
    case "aims":
      return { text: aimList(f, rest[0]), inline: false };
    case "plot": {
      const n = new Set(only().rows.map((r) => r.case)).size;
      return { text: plotNote(suite, n, rest[0]), inline: false };
    }
    case "value":
    case "range":
    case "ratio":
    case "verdict": {
      // A ratio or verdict may name a third system to put over the second, in place of the subject.
      const [c, system, over] = rest;
      if (!c || !system) throw new Error(`"${spec}": ${kind} wants a quoted case and a system`);
      const r = rowOf(f, c, system);
      if (!r) throw new Error(`"${spec}": ${RESULTS_DIR}/${suite}.json has no figure "${c}" for "${system}"`);
      if (kind === "value") return { text: `${fmt(r.value)}${r.unit ? ` ${r.unit}` : ""}`, inline: true };
      if (kind === "range") return { text: cell(r, true), inline: true };
      const mine = rowOf(f, c, over ?? subjectOf(f));
      if (!mine) throw new Error(`"${spec}": ${over === undefined ? `no figure of the subject ${subjectOf(f)}` : `${RESULTS_DIR}/${suite}.json has no figure "${c}" for "${over}"`}`);
      // Read the way the suite's table reads its ratio columns: a baseline suite divides each system by the subject.
      const [top, bottom] = over === undefined && BENCH_SUITES[f.suite]?.ratios === "baseline" ? [r, mine] : [mine, r];
      if (kind === "ratio") return { text: fmtRatio(pairedRatio(top, bottom)), inline: true };
      return { text: verdictInline(compare(top, bottom)), inline: true };
    }
    default:
      throw new Error(`"${spec}": unknown kind "${kind}" (table, ratios, aims, plot, value, range, ratio, verdict, prose)`);
  }
}

/** What a plot block says in the markdown, where the site draws its charts. */
export const plotNote = (suite: string, charts: number, filter?: string): string =>
  `*${charts} bar chart${charts === 1 ? "" : "s"} of \`${RESULTS_DIR}/${suite}.json\`${filter ? ` (the figures named "${filter}")` : ""} ${charts === 1 ? "stands" : "stand"} here on the course site's page of this chapter.*`;

/** The plot markers of a text: where each block's body starts and ends, its suite and its filter. */
export function plotBlocks(text: string): { start: number; end: number; suite: string; filter?: string }[] {
  const out: { start: number; end: number; suite: string; filter?: string }[] = [];
  for (const m of text.matchAll(START)) {
    const [suite, kind, filter] = args(m[1]!);
    if (kind !== "plot" || !suite) continue;
    const start = m.index! + m[0].length;
    const end = text.indexOf(BLOCK_END, start);
    if (end >= 0) out.push({ start, end, suite, filter });
  }
  return out;
}

/** `text` with every bench block regenerated; throws naming the marker when one cannot be made. */
export function withBenchBlocks(text: string, load: (suite: string) => BenchFile): string {
  let out = "";
  let at = 0;
  for (const m of text.matchAll(START)) {
    if (m.index! < at) continue;
    const open = m.index! + m[0].length;
    const close = text.indexOf(BLOCK_END, open);
    if (close < 0) throw new Error(`"${m[0]}" has no ${BLOCK_END}`);
    const { text: body, inline } = renderBlock(m[1]!, load);
    out += text.slice(at, open) + (inline ? body : `\n\n${body}\n\n`);
    at = close;
  }
  return out + text.slice(at);
}

// ---------------------------------------------------------------------------------------------------------------
// prose read against the figures

/**
 * A short fingerprint of a result's figures (every row with its reps, and the aims' verdicts): it changes when a run
 * changes any figure, and not when a deterministic simulation is run again at a later commit with the same outcome.
 */
export function figuresPrint(f: Pick<BenchFile, "rows" | "aims">): string {
  return createHash("sha1").update(JSON.stringify([f.rows, f.aims ?? []])).digest("hex").slice(0, 8);
}

/** A report's prose about one suite that must be read again, with the marker to put there once it has been. */
export interface ProseToRead {
  readonly file: string;
  readonly suite: string;
  readonly why: string;
  readonly marker: string;
}

/**
 * The generated blocks keep every figure current, but the sentences around them ("ahead at every count", "three slow
 * reps") are written by hand. So a report that quotes a suite also says which figures its prose was read against:
 * `<!-- bench: lb prose 1a2b3c4d --><!-- /bench -->`, the fingerprint of bench/results/lb.json's figures then. When a
 * run changes them, the prose is listed here until someone has read it again and put the new fingerprint in.
 */
export function proseToRead(file: string, text: string, load: (suite: string) => BenchFile): ProseToRead[] {
  const quoted = new Set<string>();
  const read = new Map<string, string[]>();
  for (const m of text.matchAll(START)) {
    const [suite, kind, print] = args(m[1]!);
    if (!suite || !kind) continue; // the goals table is every suite's aims, not a suite's prose
    if (kind === "prose") read.set(suite, [...(read.get(suite) ?? []), print ?? ""]);
    else quoted.add(suite);
  }
  const out: ProseToRead[] = [];
  for (const suite of new Set([...quoted, ...read.keys()])) {
    const f = load(suite);
    const now = figuresPrint(f);
    const marker = `<!-- bench: ${suite} prose ${now} --><!-- /bench -->`;
    const prints = read.get(suite) ?? [];
    const run = `${RESULTS_DIR}/${suite}.json (measured at ${measuredCommit(f)?.commit ?? "an unknown commit"}${f.date ? `, ${f.date.slice(0, 16).replace("T", " ")} UTC` : ""})`;
    if (!prints.length) {
      out.push({ file, suite, marker, why: `quotes ${suite}'s figures but does not say which run its prose was read against: read it against ${run}, then put ${marker} before it` });
    } else if (prints.some((p) => p !== now)) {
      out.push({ file, suite, marker, why: `its prose about ${suite} was read against other figures (${prints.join(", ")}) than ${run}: read the sentences around ${suite}'s figures again, then make the marker ${marker}` });
    }
  }
  return out;
}

/** Reads each suite's results file once, however many blocks of however many reports ask for it. */
function resultsLoader(root: string): (suite: string) => BenchFile {
  const cache = new Map<string, BenchFile>();
  return (suite) => {
    if (!cache.has(suite)) cache.set(suite, readBenchFile(root, suite));
    return cache.get(suite)!;
  };
}

/** Every report's prose to read again (see proseToRead). */
export function staleProse(root: string): ProseToRead[] {
  const load = resultsLoader(root);
  return reportFiles(root).flatMap((file) => proseToRead(file, readFileSync(join(root, file), "utf8"), load));
}

/** The markdown files under REPORT_DIRS that hold bench blocks, relative to `root`. */
export function reportFiles(root: string): string[] {
  const out: string[] = [];
  const walk = (rel: string): void => {
    let names: string[];
    try {
      names = readdirSync(join(root, rel), { withFileTypes: true }).map((d) => (d.isDirectory() ? `${d.name}/` : d.name));
    } catch {
      return;
    }
    for (const n of names.sort()) {
      if (n === "node_modules/" || n === "out/") continue;
      if (n.endsWith("/")) walk(`${rel}/${n.slice(0, -1)}`);
      else if (n.endsWith(".md") && readFileSync(join(root, rel, n), "utf8").includes("<!-- bench: ")) out.push(`${rel}/${n}`);
    }
  };
  for (const d of REPORT_DIRS) walk(d);
  return out;
}

/** Every report file whose blocks differ from what the results give: [file, fresh text]. */
export function staleReports(root: string): [string, string][] {
  const load = resultsLoader(root);
  const out: [string, string][] = [];
  for (const file of reportFiles(root)) {
    const text = readFileSync(join(root, file), "utf8");
    let fresh: string;
    try {
      fresh = withBenchBlocks(text, load);
    } catch (e) {
      throw new Error(`${file}: ${(e as Error).message}`);
    }
    if (fresh !== text) out.push([file, fresh]);
  }
  return out;
}
