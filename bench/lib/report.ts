// Statistics, the printed table and the results file shared by every suite (chapter 8).
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, freemem, loadavg, release, totalmem, type } from "node:os";
import { dirname, resolve } from "node:path";
import { BENCH_SUITES, carriedRuns, pairedRatio, previousRun, readRunsBefore, uncommittedFiles, type PreviousRun } from "../../tools/lib/bench-tables";
import { cpuMitigations, referenceWork } from "./speed";
import type { Aim, Ratio, Row, Suite } from "./suite";

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/**
 * A row's figures from its reps: the median, the min and max, and every rep in the order it ran, each to four
 * significant digits (the site draws a dot per rep, so a reader sees whether the median sits in a crowd or alone).
 */
export function spread(xs: readonly number[]): Pick<Row, "value" | "min" | "max" | "samples"> {
  const digits = (x: number): number => Number(x.toPrecision(4));
  return { value: digits(median(xs)), min: digits(Math.min(...xs)), max: digits(Math.max(...xs)), samples: xs.map(digits) };
}

/** The subject's figure over each peer's, per case: below 1 means the subject is ahead when lower is better. */
export function ratios(suite: Suite, rows: readonly Row[]): Ratio[] {
  const out: Ratio[] = [];
  for (const c of suite.cases) {
    for (const peer of rows) {
      const subject = suite.subjectFor ? suite.subjectFor(peer.system) : suite.subject;
      if (peer.case !== c.name || subject === null || peer.system === subject) continue;
      const mine = rows.find((r) => r.case === c.name && r.system === subject);
      if (!mine) continue;
      out.push({
        case: c.name,
        vs: peer.system,
        ratio: round(pairedRatio(mine, peer), 3),
        meaning: `${subject} ${c.quantity} / ${peer.system} ${c.quantity}`,
      });
    }
  }
  return out;
}

export interface Results {
  suite: string;
  /** The suite's one-line title, and the system its ratios are about: the site labels its charts with them. */
  title?: string;
  subject?: string;
  date: string;
  machine: Record<string, unknown>;
  /** Measurements per system and case; the rows hold their median, min, max and each rep. */
  reps: number;
  rows: Row[];
  ratios: Ratio[];
  aims: Aim[];
  /** Systems skipped and measurements that failed, each with its reason. */
  notes: string[];
  /** The run this one replaced: its date, commit and verdicts (the reports show a verdict that moved). */
  previous?: PreviousRun;
  /** The runs before that one, newest first, to EARLIER_RUNS (the reports say how often they met each aim). */
  earlier?: readonly PreviousRun[];
}

/**
 * What the results file says about the machine: enough to tell runs apart, no paths, no host names. The load
 * average at the start and the end of the run says how busy the machine was with other work meanwhile; the time of
 * two fixed pieces of work at the end and the kernel's mitigations (bench/lib/speed.ts) say how fast the machine was
 * that day; `speed` false leaves out the two pieces of work (seconds of a run that is not saved).
 */
export function machine(versions: Record<string, string>, loadAtStart?: number, speed = true): Record<string, unknown> {
  const cpu = cpus();
  return {
    cpus: cpu.length,
    cpuModel: cpu[0]?.model.trim() ?? "unknown",
    memoryGB: round(totalmem() / 2 ** 30, 1),
    freeMemoryGB: round(freemem() / 2 ** 30, 1),
    os: `${type()} ${release()}`,
    node: process.version,
    ...versions,
    ...(loadAtStart === undefined ? {} : { loadAverage1mAtStart: round(loadAtStart, 2) }),
    loadAverage1mAtEnd: round(loadavg()[0]!, 2),
    ...(speed ? referenceFields() : {}),
    ...mitigationFields(),
  };
}

/** The reference work's times as the machine's fields (none where it could not run). */
function referenceFields(): Record<string, number> {
  const w = referenceWork();
  return w ? { referenceJavascriptMs: w.javascriptMs, referenceLoopbackMs: w.loopbackMs } : {};
}

/** The kernel's mitigations of CPU flaws as the machine's field (none where the kernel does not say). */
function mitigationFields(): Record<string, string> {
  const m = cpuMitigations();
  return m === null ? {} : { cpuMitigations: m };
}

export const round = (x: number, digits: number): number => Number(x.toFixed(digits));

/** 3 significant digits below 100, whole numbers with separators above: enough for figures that move by percents. */
export function fmt(x: number): string {
  if (Math.abs(x) >= 100) return Math.round(x).toLocaleString("en-US");
  return Number(x.toPrecision(3)).toString();
}

export function table(suite: Suite, results: Results): string {
  const head = ["case", "system", "median", "min–max", "unit", `${suite.subject} ÷ this`];
  const lines: string[][] = [];
  for (const c of suite.cases) {
    const rows = results.rows.filter((r) => r.case === c.name);
    rows.forEach((r, i) => {
      const ratio = results.ratios.find((q) => q.case === c.name && q.vs === r.system);
      lines.push([
        i === 0 ? c.name : "",
        r.system,
        fmt(r.value),
        `${fmt(r.min)}–${fmt(r.max)}`,
        r.unit,
        ratio ? `${ratio.ratio.toFixed(2)}×` : "",
      ]);
    });
  }
  const widths = head.map((h, k) => Math.max(h.length, ...lines.map((l) => l[k]!.length)));
  const numeric = new Set([2, 3, 5]);
  const render = (l: string[]): string =>
    l.map((cell, k) => (numeric.has(k) ? cell.padStart(widths[k]!) : cell.padEnd(widths[k]!))).join("  ").trimEnd();
  const out = [render(head), widths.map((w) => "─".repeat(w)).join("  "), ...lines.map(render)];
  if (results.aims.length) {
    out.push("", "aims:");
    for (const a of results.aims) out.push(`  ${a.met ? "met    " : "NOT met"}  ${a.aim} — ${a.detail}`);
  }
  if (results.notes.length) out.push("", "notes:", ...results.notes.map((n) => `  ${n}`));
  return out.join("\n");
}

/**
 * "measured at commit abc1234", with the uncommitted changes under `sources` named: other people edit the same
 * tree while a run lasts, so a result says which code it measured. Each changed file is named with the git blob of
 * its content as measured ("a.ts (blob 1a2b3c4d5e6f)", "b.ts (deleted)"), so that once that content is committed
 * the result counts as current (tools/lib/bench-tables.ts, freshness). Null outside a git checkout.
 */
export function measuredAt(repoDir: string, sources: readonly string[]): string | null {
  const git = (...args: string[]): string => spawnSync("git", args, { cwd: repoDir, encoding: "utf8" }).stdout ?? "";
  const head = git("rev-parse", "--short", "HEAD").trim();
  if (!head) return null;
  const dirty = uncommittedFiles(repoDir, sources);
  const content = (path: string): string => {
    const blob = existsSync(resolve(repoDir, path)) ? git("hash-object", "--", path).trim() : "";
    return blob ? `blob ${blob.slice(0, 12)}` : "deleted";
  };
  const named = dirty.map((path) => `${path} (${content(path)})`);
  return `measured at commit ${head}${named.length ? `, with uncommitted changes in ${named.join(", ")}` : ""}`;
}

export interface Finished {
  readonly reps: number;
  readonly rows: Row[];
  readonly notes: string[];
  readonly versions: Record<string, string>;
  readonly loadAtStart: number;
  /** Date.now() when the run started. */
  readonly started: number;
  readonly repoDir: string;
  /** Why this run is not saved (a partial run, a failed measurement, --no-save), or null to save it. */
  readonly notSaved: string | null;
}

/**
 * A results file's title names the chapter that builds what it measures, from the one list of suites the reports
 * and the site read (tools/lib/bench-tables.ts): "lb: L4 proxies side by side under wrk (chapter 08)". A suite not
 * in that list keeps its own title.
 */
export function resultsTitle(suite: Pick<Suite, "name" | "title">): string {
  const info = BENCH_SUITES[suite.name];
  return info ? `${suite.name}: ${info.about} (chapter ${info.chapter.slice(0, 2)})` : suite.title;
}

/**
 * What a new run leaves out of the result it replaces: one note per system the old result measured and this run did
 * not (a peer skipped for want of its package, say). Saving a run replaces the whole file, so such a run is not saved
 * over the result (see finish): its peer would leave the reports quietly, its ratios and aims with it. Systems, not
 * cases: a profile's cases are the functions that came out on top, which differ from run to run, and a run that
 * failed a case is not saved.
 */
export function lostPeers(old: Pick<Results, "rows" | "date" | "notes">, rows: readonly Row[]): string[] {
  const now = new Set(rows.map((r) => r.system));
  const lost = [...new Set(old.rows.map((r) => r.system))].filter((system) => !now.has(system));
  const { date, commit } = previousRun(old);
  const day = /^\d{4}-\d\d-\d\d/.exec(date)?.[0] ?? date;
  return lost.map(
    (system) =>
      `${system} was measured in the result this one replaced (${day}, at ${commit ?? "an unknown commit"}) and not in this one: its figures, ratios and aims are gone from the reports until a run measures it again`,
  );
}

/**
 * The saved result a new one would replace, or null when there is none or it is not one (a hand-edited or truncated
 * file): whatever it holds, the new run is written, never lost at its end for the old file's sake.
 */
export function savedResult(file: string): Results | null {
  try {
    const r = JSON.parse(readFileSync(file, "utf8")) as Partial<Results> | null;
    if (!r || !Array.isArray(r.rows)) return null;
    // The runs before are kept only where they have their shape: a hand-edited one must not break the next save.
    const { previous: _previous, earlier: _earlier, ...rest } = r;
    return {
      ...rest,
      ...readRunsBefore(r as Record<string, unknown>),
      date: String(r.date ?? "an unknown date"),
      notes: Array.isArray(r.notes) ? r.notes.map(String) : [],
      aims: Array.isArray(r.aims) ? r.aims : [],
    } as Results;
  } catch {
    return null;
  }
}

/**
 * Assembles a suite's results, prints them, and writes bench/results/<suite>.json unless `notSaved` says why not.
 * A run that measured fewer systems than the saved result (a peer's package missing on this machine) goes to
 * bench/out/<suite>.json instead, with the lost peers named among its notes: replacing a fuller result is a choice
 * made by moving that file, never the side effect of a missing install. `npm run bench:rerun` counts such a suite
 * as failed, since its result was not replaced.
 */
export function finish(suite: Suite, run: Finished): Results {
  const file = resolve(run.repoDir, "bench", "results", `${suite.name}.json`);
  const old = run.notSaved === null ? savedResult(file) : null;
  const lost = old ? lostPeers(old, run.rows) : [];
  const results: Results = {
    suite: suite.name,
    title: resultsTitle(suite),
    subject: suite.subject,
    date: new Date().toISOString(),
    // The reference work takes two seconds and only a saved result keeps it: a quick run or a lab's goes without.
    machine: machine(run.versions, run.loadAtStart, run.notSaved === null),
    reps: run.reps,
    rows: run.rows,
    ratios: ratios(suite, run.rows),
    aims: suite.aims(run.rows),
    notes: [...run.notes, ...lost],
    ...(old ? carriedRuns(old) : {}),
  };
  console.log(`\n${results.title} — median of ${run.reps} rep(s), ${((Date.now() - run.started) / 1000).toFixed(0)} s\n`);
  console.log(table(suite, results));
  if (run.notSaved !== null) {
    console.log(`\nnot saved (${run.notSaved})`);
    return results;
  }
  const text = `${JSON.stringify(results, null, 2)}\n`;
  if (lost.length) {
    const aside = resolve(run.repoDir, "bench", "out", `${suite.name}.json`);
    mkdirSync(dirname(aside), { recursive: true });
    writeFileSync(aside, text);
    for (const l of lost) console.error(`\n${l}`);
    console.error(
      `\nnot saved over bench/results/${suite.name}.json: this run measured fewer systems than the result there. ` +
        `Install what it skipped (the notice above says how) and run again, or, to replace the ` +
        `fuller result with this one all the same, move it there: mv bench/out/${suite.name}.json bench/results/${suite.name}.json`,
    );
    return results;
  }
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, text);
  console.log(`\nwrote bench/results/${suite.name}.json; now run npm run bench:tables (the READMEs' and chapters' tables are made from it)`);
  return results;
}
