// Statistics, the printed table and the results file shared by every suite (chapter 8).
import { cpus, freemem, loadavg, release, totalmem, type } from "node:os";
import type { Aim, Ratio, Row, Suite } from "./suite";

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** The subject's figure over each peer's, per case: below 1 means the subject is ahead when lower is better. */
export function ratios(suite: Suite, rows: readonly Row[]): Ratio[] {
  const out: Ratio[] = [];
  for (const c of suite.cases) {
    const mine = rows.find((r) => r.case === c.name && r.system === suite.subject);
    if (!mine) continue;
    for (const peer of rows) {
      if (peer.case !== c.name || peer.system === suite.subject) continue;
      out.push({
        case: c.name,
        vs: peer.system,
        ratio: round(mine.value / peer.value, 3),
        meaning: `${suite.subject} ${c.quantity} / ${peer.system} ${c.quantity}`,
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
  /** Measurements per system and case; the rows hold their median, min and max. */
  reps: number;
  rows: Row[];
  ratios: Ratio[];
  aims: Aim[];
  /** Systems skipped and measurements that failed, each with its reason. */
  notes: string[];
}

/**
 * What the results file says about the machine: enough to tell runs apart, no paths, no host names. The load
 * average at the start and the end of the run says how busy the machine was with other work meanwhile.
 */
export function machine(versions: Record<string, string>, loadAtStart?: number): Record<string, unknown> {
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
  };
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
