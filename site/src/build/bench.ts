// The benchmarks page: bar charts with ratios, drawn as SVG at build time from bench/results/*.json.
//
// The shape read here (written by bench/; anything else is reported on the page, never a crash):
//   {
//     "name": "hub",                      results set id (the file name is used when missing)
//     "title"?: "Hub primitives",         heading on the page
//     "date"?: "2026-11-25T15:00:00Z",    when it ran
//     "machine"?: "2 cores, Debian 12",   where it ran
//     "baseline"?: "hub",                 the system the ratios compare against (default: the first row of each case)
//     "notes"?: "free text",
//     "rows": [{ "case": "switch", "system": "hub", "value": 123.4, "unit": "ns/op",
//                "better"?: "lower" | "higher" }]     default: "higher" when the unit is a rate (…/s), else "lower"
//   }
// A missing bench/results/ folder means "no results yet".
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { escapeHtml } from "./highlight";
import type { Page } from "./layout";
import type { Site } from "./site";

export interface BenchRow {
  readonly case: string;
  readonly system: string;
  readonly value: number;
  readonly unit: string;
  readonly better?: "lower" | "higher";
}

export interface BenchResults {
  readonly name: string;
  readonly title?: string;
  readonly date?: string;
  readonly machine?: string;
  readonly baseline?: string;
  readonly notes?: string;
  readonly rows: readonly BenchRow[];
}

export const RESULTS_DIR = "bench/results";

/** Reads every results file; a broken one becomes a warning and a note on the page. */
export function readBenchResults(site: Site): { sets: BenchResults[]; problems: string[] } {
  const dir = join(site.root, RESULTS_DIR);
  const sets: BenchResults[] = [];
  const problems: string[] = [];
  if (!existsSync(dir)) return { sets, problems };
  for (const name of readdirSync(dir).filter((n) => n.endsWith(".json")).sort()) {
    try {
      const data = JSON.parse(readFileSync(join(dir, name), "utf8")) as Partial<BenchResults>;
      if (!Array.isArray(data.rows)) throw new Error(`no "rows" array`);
      const rows = data.rows.filter(
        (r): r is BenchRow =>
          !!r && typeof r.case === "string" && typeof r.system === "string" && typeof r.value === "number" && Number.isFinite(r.value),
      );
      if (rows.length < data.rows.length) problems.push(`${RESULTS_DIR}/${name}: ${data.rows.length - rows.length} row(s) without case, system and a finite value were left out`);
      sets.push({ ...data, name: data.name ?? name.replace(/\.json$/, ""), rows });
    } catch (e) {
      problems.push(`${RESULTS_DIR}/${name}: ${(e as Error).message}`);
    }
  }
  return { sets, problems };
}

const isRate = (unit: string): boolean => /\/\s*s(ec)?$|per second|rps|ops\/s/i.test(unit);

const fmt = (v: number): string =>
  Math.abs(v) >= 100 ? Math.round(v).toLocaleString("en-US") : Number(v.toPrecision(3)).toString();

/** One case as a horizontal bar chart: one bar per system, its value, and its ratio to the baseline. */
export function barChart(caseName: string, rows: readonly BenchRow[], baselineName?: string): string {
  const unit = rows[0].unit ?? "";
  const better = rows[0].better ?? (isRate(unit) ? "higher" : "lower");
  const base = rows.find((r) => r.system === baselineName) ?? rows[0];
  const max = Math.max(...rows.map((r) => r.value), 0) || 1;
  const W = 640, labelW = 150, valueW = 170, barH = 22, gap = 10, top = 8;
  const barMax = W - labelW - valueW;
  const H = top * 2 + rows.length * (barH + gap) - gap;
  const bars = rows.map((r, i) => {
    const y = top + i * (barH + gap);
    const w = Math.max(1, (r.value / max) * barMax);
    const ratio = base.value ? r.value / base.value : NaN;
    const ratioText = r === base ? "baseline" : Number.isFinite(ratio) ? `${ratio.toFixed(2)}×` : "";
    return `<g class="bar${r === base ? " baseline" : ""}">
<text class="label" x="${labelW - 10}" y="${y + barH / 2}" text-anchor="end" dominant-baseline="central">${escapeHtml(r.system)}</text>
<rect x="${labelW}" y="${y}" width="${w.toFixed(1)}" height="${barH}" rx="3"><title>${escapeHtml(`${r.system}: ${fmt(r.value)} ${unit}`)}</title></rect>
<text class="value" x="${labelW + w + 8}" y="${y + barH / 2}" dominant-baseline="central">${escapeHtml(`${fmt(r.value)} ${unit}`)}<tspan class="ratio" dx="8">${ratioText}</tspan></text>
</g>`;
  });
  return `<figure class="chart">
<figcaption><strong>${escapeHtml(caseName)}</strong> <span class="muted">${escapeHtml(unit)}, ${better} is better; ratios against ${escapeHtml(base.system)}</span></figcaption>
<svg viewBox="0 0 ${W} ${H}" width="100%" role="img" aria-label="${escapeHtml(`${caseName}: ${rows.map((r) => `${r.system} ${fmt(r.value)} ${unit}`).join(", ")}`)}">
${bars.join("\n")}
</svg>
</figure>`;
}

export function renderBench(site: Site): Page {
  const { sets, problems } = readBenchResults(site);
  site.warnings.push(...problems);
  const sections = sets.map((set) => {
    const cases = [...new Set(set.rows.map((r) => r.case))];
    const meta = [set.date && `ran ${escapeHtml(set.date)}`, set.machine && `on ${escapeHtml(set.machine)}`].filter(Boolean).join(" ");
    return `<section class="bench-set" id="bench-${escapeHtml(set.name)}">
<h2>${escapeHtml(set.title ?? set.name)}</h2>
${meta ? `<p class="muted">${meta}</p>` : ""}
${set.notes ? `<p>${escapeHtml(set.notes)}</p>` : ""}
${cases.length ? cases.map((c) => barChart(c, set.rows.filter((r) => r.case === c), set.baseline)).join("\n") : `<p class="note">This file has no rows.</p>`}
</section>`;
  });
  const body = `<article class="bench">
<h1>Benchmarks</h1>
<p>The hub and the load balancer measured side by side with real peers (raw generators, async/await, eventlet, HAProxy, nginx),
and reported as ratios. The numbers come from <code>npm run bench</code>; see <code>bench/</code> for how each one is taken.</p>
${sections.length ? sections.join("\n") : `<p class="note" id="no-results">No results yet: <code>npm run bench</code> writes them to <code>${RESULTS_DIR}/</code>.</p>`}
${problems.length ? `<div class="note warn"><p>Some results could not be read:</p><ul>${problems.map((p) => `<li>${escapeHtml(p)}</li>`).join("")}</ul></div>` : ""}
</article>`;
  return { path: "bench.html", title: "Benchmarks", kind: "bench", body };
}
