// Course machinery for the notebooks (all chapters): small pictures for notebook cells — an HTML table and an SVG
// timeline of lanes — returned as strings for `tslab.display.html(…)`. Pure functions with no imports, so tslab's
// TypeScript 5.0 compiles them and the site shows the same markup the notebook showed.

const escape = (s: unknown): string =>
  String(s).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

/** One value per column, keyed by column title; columns appear in the order of the first row's keys. */
export type Row = Record<string, unknown>;

/**
 * An HTML table of `rows`, with an optional caption.
 * @example tslab.display.html(table([{ call: "next()", value: 3, done: false }], "countdown(3)"))
 */
export function table(rows: readonly Row[], caption?: string): string {
  const columns = rows.length ? Object.keys(rows[0]!) : [];
  const head = columns.map((c) => `<th>${escape(c)}</th>`).join("");
  const body = rows
    .map((r) => `<tr>${columns.map((c) => `<td>${escape(typeof r[c] === "string" ? r[c] : JSON.stringify(r[c]))}</td>`).join("")}</tr>`)
    .join("\n");
  return `<table>${caption ? `<caption>${escape(caption)}</caption>` : ""}<thead><tr>${head}</tr></thead>\n<tbody>\n${body}\n</tbody></table>`;
}

/** One bar on a lane: a green thread running from `start` to `end` (turns or virtual milliseconds). */
export interface Span {
  readonly lane: string;
  readonly start: number;
  readonly end: number;
  /** Written inside the bar when it is wide enough. */
  readonly label?: string;
}

export interface LanesOptions {
  /** Also the SVG's `<title>`, which a terminal view prints instead of the picture. */
  readonly title: string;
  /** What the x axis counts, printed under it. @default "turn" */
  readonly unit?: string;
  /** Lanes in this order; the others follow by their first bar's start, then by name (`worker-2` before `worker-10`). */
  readonly order?: readonly string[];
  /** Marks on the x axis without a bar, e.g. the moments a timer fired. */
  readonly marks?: readonly { readonly at: number; readonly label: string }[];
}

// Colours that stay apart in print and for the common forms of colour blindness (Okabe–Ito).
const PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"];

/**
 * An SVG with one horizontal lane per name and a bar for every span: who ran when.
 * @example tslab.display.html(lanes(trace.map((name, i) => ({ lane: name, start: i, end: i + 1 })), { title: "Round robin" }))
 */
export function lanes(spans: readonly Span[], options: LanesOptions): string {
  const first = new Map<string, number>();
  for (const s of spans) first.set(s.lane, Math.min(first.get(s.lane) ?? Infinity, s.start));
  const byStart = [...first.keys()].sort((a, b) => first.get(a)! - first.get(b)! || a.localeCompare(b, "en", { numeric: true }));
  const names = [...(options.order ?? [])];
  for (const n of byStart) if (!names.includes(n)) names.push(n);
  const t0 = Math.min(0, ...spans.map((s) => s.start));
  const t1 = Math.max(1, ...spans.map((s) => s.end), ...(options.marks ?? []).map((m) => m.at));
  const left = 90;
  const width = 640;
  const lane = 26;
  const top = 28;
  const plotW = width - left - 20;
  const height = top + names.length * lane + 40;
  const x = (t: number): number => left + ((t - t0) / (t1 - t0)) * plotW;
  const parts: string[] = [];
  parts.push(`<title>${escape(options.title)}</title>`);
  parts.push(`<text x="${left}" y="16" font-weight="bold">${escape(options.title)}</text>`);
  names.forEach((n, i) => {
    const y = top + i * lane;
    parts.push(`<text x="${left - 8}" y="${y + lane / 2 + 4}" text-anchor="end">${escape(n)}</text>`);
    parts.push(`<line x1="${left}" x2="${left + plotW}" y1="${y + lane / 2}" y2="${y + lane / 2}" stroke="#ddd"/>`);
  });
  for (const s of spans) {
    const i = names.indexOf(s.lane);
    const y = top + i * lane + 4;
    const w = Math.max(2, x(s.end) - x(s.start));
    parts.push(
      `<rect x="${x(s.start).toFixed(1)}" y="${y}" width="${w.toFixed(1)}" height="${lane - 8}" rx="3" fill="${PALETTE[i % PALETTE.length]}"><title>${escape(
        `${s.lane}: ${s.start}–${s.end}${s.label ? ` ${s.label}` : ""}`,
      )}</title></rect>`,
    );
    if (s.label && w > 7 * s.label.length) {
      parts.push(`<text x="${(x(s.start) + w / 2).toFixed(1)}" y="${y + lane / 2}" text-anchor="middle" fill="#fff">${escape(s.label)}</text>`);
    }
  }
  const axisY = top + names.length * lane + 6;
  parts.push(`<line x1="${left}" x2="${left + plotW}" y1="${axisY}" y2="${axisY}" stroke="#333"/>`);
  const step = niceStep((t1 - t0) / 8);
  for (let t = Math.ceil(t0 / step) * step; t <= t1; t += step) {
    parts.push(`<line x1="${x(t).toFixed(1)}" x2="${x(t).toFixed(1)}" y1="${axisY}" y2="${axisY + 4}" stroke="#333"/>`);
    parts.push(`<text x="${x(t).toFixed(1)}" y="${axisY + 16}" text-anchor="middle">${+t.toFixed(6)}</text>`);
  }
  for (const m of options.marks ?? []) {
    parts.push(`<line x1="${x(m.at).toFixed(1)}" x2="${x(m.at).toFixed(1)}" y1="${top}" y2="${axisY}" stroke="#c00" stroke-dasharray="3 3"><title>${escape(m.label)}</title></line>`);
  }
  parts.push(`<text x="${left + plotW}" y="${axisY + 32}" text-anchor="end" fill="#555">${escape(options.unit ?? "turn")}</text>`);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">${parts.join("")}</svg>`;
}

/** 1, 2 or 5 times a power of ten: axis ticks a reader can add up in their head. */
function niceStep(raw: number): number {
  const p = 10 ** Math.floor(Math.log10(raw || 1));
  const m = raw / p;
  return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * p;
}
