// Line plots of a result over time, drawn as SVG at build time where a chapter writes `<!-- plot: NAME -->` on a line
// of its own (chapter 14's soak: the balancer's resident memory every second, from bench/results/soak.json). A name
// without a plot, or a results file missing or unreadable, becomes a note on the page and a build warning.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { escapeHtml } from "./highlight";

/** One sample of the soak's series, as test/soak/run.ts writes it. */
interface SoakSample {
  readonly t: number;
  readonly rssKiB: number;
  readonly requests: number;
}

/** The marker a chapter writes: `<!-- plot: soak -->`. */
export const PLOT = /^<!--\s*plot:\s*([\w-]+)\s*-->\s*$/;

/** The plot `name` as HTML, or a note saying why there is none (and a warning in `warnings`). */
export function renderPlot(root: string, name: string, where: string, warnings: string[]): string {
  const note = (why: string): string => {
    warnings.push(`${where}: plot "${name}": ${why}`);
    return `<p class="muted">(No plot: ${escapeHtml(why)}.)</p>\n`;
  };
  if (name !== "soak") return note(`no plot is called "${name}" (known: soak)`);
  const file = join(root, "bench", "results", "soak.json");
  if (!existsSync(file)) return note("bench/results/soak.json does not exist yet (run: npm run test:soak)");
  let data: { series?: unknown; date?: string; aims?: { aim: string; met: boolean; detail?: string }[] };
  try {
    data = JSON.parse(readFileSync(file, "utf8")) as typeof data;
  } catch (e) {
    return note(`bench/results/soak.json cannot be read: ${(e as Error).message}`);
  }
  const series = (Array.isArray(data.series) ? data.series : []).filter(
    (s): s is SoakSample => !!s && Number.isFinite((s as SoakSample).t) && Number.isFinite((s as SoakSample).rssKiB),
  );
  if (series.length < 2) return note("bench/results/soak.json has no series of samples");
  return soakPlot(series, data.aims ?? [], data.date);
}

/** Resident memory (MiB) over time (s), from zero, with the requests answered each second as faint bars beneath. */
function soakPlot(series: readonly SoakSample[], aims: readonly { aim: string; met: boolean; detail?: string }[], date?: string): string {
  const W = 720, H = 300, left = 56, right = 16, top = 14, bottom = 40;
  const mib = series.map((s) => s.rssKiB / 1024);
  const tMax = Math.max(...series.map((s) => s.t));
  const yMax = niceCeil(Math.max(...mib) * 1.1);
  const x = (t: number): number => left + (t / tMax) * (W - left - right);
  const y = (v: number): number => top + (1 - v / yMax) * (H - top - bottom);
  const reqMax = Math.max(1, ...series.map((s) => s.requests));
  const barW = Math.max(1, (W - left - right) / series.length - 1);
  const bars = series
    .filter((s) => s.requests > 0)
    .map((s) => {
      const h = (s.requests / reqMax) * (H - top - bottom) * 0.25;
      return `<rect class="load" x="${(x(s.t) - barW).toFixed(1)}" y="${(H - bottom - h).toFixed(1)}" width="${barW.toFixed(1)}" height="${h.toFixed(1)}"/>`;
    })
    .join("");
  const path = series.map((s, i) => `${i === 0 ? "M" : "L"}${x(s.t).toFixed(1)},${y(s.rssKiB / 1024).toFixed(1)}`).join(" ");
  const yTicks = [0, 0.25, 0.5, 0.75, 1].map((f) => f * yMax);
  const xStep = tMax > 60 ? 20 : tMax > 20 ? 10 : 2;
  const xTicks: number[] = [];
  for (let t = 0; t <= tMax; t += xStep) xTicks.push(t);
  const grid = yTicks
    .map((v) => `<line class="grid" x1="${left}" x2="${W - right}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}"/><text class="tick" x="${left - 8}" y="${y(v).toFixed(1)}" text-anchor="end" dominant-baseline="central">${fmtNum(v)}</text>`)
    .join("\n");
  const xAxis = xTicks.map((t) => `<text class="tick" x="${x(t).toFixed(1)}" y="${H - bottom + 16}" text-anchor="middle">${t}</text>`).join("");
  const first = mib[0]!, last = mib[mib.length - 1]!, peak = Math.max(...mib);
  const label = `Resident memory of the balancer every second for ${tMax} s: ${fmtNum(first)} MiB at the start, at most ${fmtNum(peak)} MiB, ${fmtNum(last)} MiB at the end`;
  const verdict = aims.map((a) => `<li><strong>${a.met ? "met" : "not met"}</strong> — ${escapeHtml(a.aim)}${a.detail ? `: ${escapeHtml(a.detail)}` : ""}</li>`).join("");
  return `<figure class="chart plot">
<figcaption><strong>Resident memory (RSS) over time</strong> <span class="muted">MiB, one sample a second${date ? `, run of ${escapeHtml(date.slice(0, 10))}` : ""}; faint bars: requests answered each second (up to ${reqMax})</span></figcaption>
<div class="chart-scroll"><svg viewBox="0 0 ${W} ${H}" width="100%" style="max-width: ${W}px" role="img" aria-label="${escapeHtml(label)}">
${grid}
${bars}
<path class="line" d="${path}"/>
<line class="axis" x1="${left}" x2="${W - right}" y1="${H - bottom}" y2="${H - bottom}"/>
${xAxis}
<text class="tick" x="${(left + W - right) / 2}" y="${H - 6}" text-anchor="middle">seconds</text>
</svg></div>
${verdict ? `<ul class="plot-verdict">${verdict}</ul>` : ""}
</figure>
`;
}

/** 1, 2, 2.5 or 5 times a power of ten, at or above `v`. */
function niceCeil(v: number): number {
  if (!(v > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

const fmtNum = (v: number): string => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2)).replace(/\.0+$|(\.\d*?)0+$/, "$1");
