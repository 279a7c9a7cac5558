// The benchmarks page: bar charts with ratios, drawn as SVG at build time from bench/results/*.json.
//
// The shape read here is the one bench/README.md documents ("Results file"); fields marked ? may be missing, and a
// file that does not fit is reported on the page, never a crash:
//   {
//     "suite": "hub",                           (or "name"; else the file name)
//     "title"?: "…", "date"?: "ISO time",
//     "machine"?: { "cpus": 2, "cpuModel": "…", "node": "v20…", … } or a string,
//     "subject"?: "hub",                        the system the ratios are about (default: the one system "ratios" never
//                                               names as "vs", else "hub", else the first row of the case)
//     "rows": [{ "case": "…", "system": "hub", "value": 12.3, "unit": "ns/switch",
//                "min"?: 11.9, "max"?: 13.0, "better"?: "lower" | "higher" }],
//     "ratios"?: [{ "case": "…", "vs": "eventlet", "ratio": 0.42, "meaning": "hub time / eventlet time" }],
//     "aims"?: [{ "aim": "…", "met": true, "detail"?: "…" }],
//     "notes"?: ["…"] or "…"
//   }
// Ratios missing from the file are computed as subject value / system value. A missing bench/results/ means "no results yet".
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { escapeHtml } from "./highlight";
import type { Page } from "./layout";
import type { Site } from "./site";

export interface BenchRow {
  readonly case: string;
  readonly system: string;
  readonly value: number;
  readonly unit?: string;
  readonly min?: number;
  readonly max?: number;
  readonly better?: "lower" | "higher";
}
interface BenchRatio { readonly case: string; readonly vs: string; readonly ratio: number; readonly meaning?: string }
interface BenchAim { readonly aim: string; readonly met: boolean; readonly detail?: string }

export interface BenchResults {
  readonly name: string;
  readonly title?: string;
  readonly date?: string;
  readonly machine?: string;
  readonly subject?: string;
  readonly rows: readonly BenchRow[];
  readonly ratios: readonly BenchRatio[];
  readonly aims: readonly BenchAim[];
  readonly notes: readonly string[];
}

export const RESULTS_DIR = "bench/results";

function describeMachine(m: unknown): string | undefined {
  if (typeof m === "string") return m;
  if (!m || typeof m !== "object") return undefined;
  const o = m as Record<string, unknown>;
  const parts = [
    o.cpus && `${o.cpus} × ${o.cpuModel ?? "CPU"}`,
    o.memoryGB && `${o.memoryGB} GB`,
    o.os,
    o.node && `Node ${String(o.node).replace(/^v/, "")}`,
    o.eventlet,
  ];
  return parts.filter(Boolean).map(String).join(" · ") || undefined;
}

/** Reads every results file; a broken one becomes a warning and a note on the page. */
export function readBenchResults(root: string): { sets: BenchResults[]; problems: string[] } {
  const dir = join(root, RESULTS_DIR);
  const sets: BenchResults[] = [];
  const problems: string[] = [];
  if (!existsSync(dir)) return { sets, problems };
  for (const file of readdirSync(dir).filter((n) => n.endsWith(".json")).sort()) {
    try {
      const data = JSON.parse(readFileSync(join(dir, file), "utf8")) as Record<string, unknown>;
      if (!Array.isArray(data.rows)) throw new Error(`no "rows" array`);
      const rows = (data.rows as Partial<BenchRow>[]).filter(
        (r): r is BenchRow =>
          !!r && typeof r.case === "string" && typeof r.system === "string" && typeof r.value === "number" && Number.isFinite(r.value),
      );
      if (rows.length < data.rows.length) {
        problems.push(`${RESULTS_DIR}/${file}: ${data.rows.length - rows.length} row(s) without case, system and a finite value were left out`);
      }
      const list = <T>(x: unknown): T[] => (Array.isArray(x) ? (x as T[]) : []);
      sets.push({
        name: String(data.suite ?? data.name ?? file.replace(/\.json$/, "")),
        title: typeof data.title === "string" ? data.title : undefined,
        date: typeof data.date === "string" ? data.date : undefined,
        machine: describeMachine(data.machine),
        subject: typeof data.subject === "string" ? data.subject : undefined,
        rows,
        ratios: list<BenchRatio>(data.ratios).filter((r) => r && typeof r.ratio === "number"),
        aims: list<BenchAim>(data.aims).filter((a) => a && typeof a.aim === "string"),
        notes: typeof data.notes === "string" ? [data.notes] : list<string>(data.notes).map(String),
      });
    } catch (e) {
      problems.push(`${RESULTS_DIR}/${file}: ${(e as Error).message}`);
    }
  }
  return { sets, problems };
}

const isRate = (unit: string): boolean => /\/\s*s(ec)?$|per second|rps/i.test(unit);

const fmt = (v: number): string =>
  Math.abs(v) >= 100 ? Math.round(v).toLocaleString("en-US") : Number(v.toPrecision(3)).toString();

/** One case as a horizontal bar chart: one bar per system, its value (min–max when known), and the subject's ratio to it. */
export function barChart(set: BenchResults, caseName: string): string {
  const rows = set.rows.filter((r) => r.case === caseName);
  const unit = rows[0].unit ?? "";
  const better = rows[0].better ?? (isRate(unit) ? "higher" : "lower");
  // The subject: named by the file, or else the one system the file's ratios never compare against, or "hub".
  const compared = new Set(set.ratios.filter((q) => q.case === caseName).map((q) => q.vs));
  const implied = compared.size ? rows.find((r) => !compared.has(r.system))?.system : undefined;
  const subject = rows.find((r) => r.system === (set.subject ?? implied ?? "hub")) ?? rows[0];
  const max = Math.max(...rows.map((r) => r.max ?? r.value), 0) || 1;
  const min = Math.min(...rows.map((r) => r.min ?? r.value).filter((v) => v > 0), max);
  const W = 720, labelW = 150, valueW = 210, barH = 22, gap = 10, top = 6;
  // When systems differ by more than 20×, a linear scale leaves the fast ones as slivers: use a log scale from the
  // power of ten below the smallest value, and say so in the caption.
  const log = max / min > 20;
  const floor = 10 ** Math.floor(Math.log10(min) - 0.3);
  const scale = (v: number) =>
    (log ? Math.log10(Math.max(v, floor) / floor) / Math.log10(max / floor) : v / max) * (W - labelW - valueW);
  const H = top * 2 + rows.length * (barH + gap) - gap;
  const bars = rows.map((r, i) => {
    const y = top + i * (barH + gap);
    const w = Math.max(1, scale(r.value));
    const given = set.ratios.find((q) => q.case === caseName && q.vs === r.system);
    const ratio = given?.ratio ?? (r.value ? subject.value / r.value : NaN);
    const ratioText = r === subject ? "" : Number.isFinite(ratio) ? `${ratio < 0.1 ? ratio.toPrecision(2) : ratio.toFixed(2)}×` : "";
    const range = r.min !== undefined && r.max !== undefined
      ? `<line class="range" x1="${labelW + scale(r.min)}" x2="${labelW + scale(r.max)}" y1="${y + barH / 2}" y2="${y + barH / 2}"/>`
      : "";
    const end = labelW + Math.max(w, r.max !== undefined ? scale(r.max) : 0);
    const tip = `${r.system}: ${fmt(r.value)} ${unit}${r.min !== undefined ? ` (min ${fmt(r.min)}, max ${fmt(r.max ?? r.value)})` : ""}${given?.meaning ? `; ratio = ${given.meaning}` : ""}`;
    return `<g class="bar${r === subject ? " subject" : ""}">
<text class="label" x="${labelW - 10}" y="${y + barH / 2}" text-anchor="end" dominant-baseline="central">${escapeHtml(r.system)}</text>
<rect x="${labelW}" y="${y}" width="${w.toFixed(1)}" height="${barH}" rx="3"><title>${escapeHtml(tip)}</title></rect>${range}
<text class="value" x="${(end + 8).toFixed(1)}" y="${y + barH / 2}" dominant-baseline="central">${escapeHtml(`${fmt(r.value)} ${unit}`)}<tspan class="ratio" dx="10">${escapeHtml(ratioText)}</tspan></text>
</g>`;
  });
  return `<figure class="chart">
<figcaption><strong>${escapeHtml(caseName)}</strong> <span class="muted">${escapeHtml(unit)}, ${better} is better${log ? ", log scale" : ""}; ratio = <span class="subject-key">${escapeHtml(subject.system)}</span> ÷ system</span></figcaption>
<div class="chart-scroll"><svg viewBox="0 0 ${W} ${H}" width="100%" role="img" aria-label="${escapeHtml(`${caseName}: ${rows.map((r) => `${r.system} ${fmt(r.value)} ${unit}`).join(", ")}`)}">
${bars.join("\n")}
</svg></div>
</figure>`;
}

export function renderBench(site: Site): Page {
  const { sets, problems } = readBenchResults(site.root);
  site.warnings.push(...problems);
  const sections = sets.map((set) => {
    const cases = [...new Set(set.rows.map((r) => r.case))];
    const meta = [set.date && `Ran ${escapeHtml(set.date.replace("T", " ").replace(/\.\d+Z$|Z$/, " UTC"))}`, set.machine && `on ${escapeHtml(set.machine)}`]
      .filter(Boolean).join(" ");
    const aims = set.aims.length
      ? `<h3>Aims</h3><ul class="aims">${set.aims.map((a) => `<li class="${a.met ? "met" : "missed"}"><span class="mark">${a.met ? "✓" : "✗"}</span> ${escapeHtml(a.aim)}${a.detail ? ` <span class="muted">— ${escapeHtml(a.detail)}</span>` : ""}</li>`).join("")}</ul>`
      : "";
    const notes = set.notes.length ? `<h3>Notes</h3><ul>${set.notes.map((n) => `<li>${escapeHtml(n)}</li>`).join("")}</ul>` : "";
    return `<section class="bench-set" id="bench-${escapeHtml(set.name)}">
<h2>${escapeHtml(set.title ?? `The ${set.name} suite`)}</h2>
${meta ? `<p class="muted">${meta}</p>` : ""}
${cases.length ? cases.map((c) => barChart(set, c)).join("\n") : `<p class="note">This file has no rows.</p>`}
${aims}${notes}
</section>`;
  });
  const body = `<article class="bench">
<h1>Benchmarks</h1>
<p>The hub and the load balancer measured side by side with the floor beneath them and with real peers, in the same run,
and reported as ratios: absolute times move between machines, ratios measured together carry over. Each bar is a median;
the thin line across it spans the fastest and slowest measurement. <code>npm run bench</code> takes them; <code>bench/README.md</code>
says how each one is taken and why it is fair.</p>
${sections.length ? sections.join("\n") : `<p class="note" id="no-results">No results yet: <code>npm run bench</code> writes them to <code>${RESULTS_DIR}/</code>.</p>`}
${problems.length ? `<div class="note warn"><p>Some results could not be read:</p><ul>${problems.map((p) => `<li>${escapeHtml(p)}</li>`).join("")}</ul></div>` : ""}
</article>`;
  return { path: "bench.html", title: "Benchmarks", kind: "bench", body };
}
