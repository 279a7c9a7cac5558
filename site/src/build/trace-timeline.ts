// A hub trace drawn as a timeline on a chapter page: one lane per green thread, a box per run slice, a dashed line
// while a thread is parked, an arrow per wake-up, a mark where a thread died. Drawn as SVG at build time from a
// committed Chrome trace (chapter 13's `site/src/traces/13-proxy.json`), included in a chapter by a fenced block:
//
//   ```trace-timeline
//   site/src/traces/13-proxy.json
//   ```
//
// The horizontal axis is the hub's virtual clock, one column per millisecond in which something happened (a
// millisecond in which nothing did is left out, and marked); within a column, events in the order they happened.
// On the virtual clock a run slice takes no time, so a to-scale axis would draw every slice as a hairline.
import { escapeHtml } from "./highlight";

interface Event {
  readonly name: string;
  readonly ph: string;
  readonly ts: number;
  readonly tid: number;
  readonly dur?: number;
  readonly id?: number;
  readonly args?: Record<string, unknown>;
}

/** What a trace holds, checked: lanes (tid → name, in order), slices, instants, flows. */
export interface Timeline {
  readonly lanes: { readonly tid: number; readonly name: string }[];
  readonly slices: { readonly tid: number; readonly ts: number; readonly end: number; readonly then: string }[];
  readonly deaths: { readonly tid: number; readonly ts: number; readonly how: string; readonly error: string | null }[];
  readonly flows: { readonly name: string; readonly from: { tid: number; ts: number }; readonly to: { tid: number; ts: number } }[];
}

/** Reads a Chrome trace as the hub tracer writes it; throws, saying what is wrong, when it is not one. */
export function readTimeline(json: unknown): Timeline {
  const events = (json as { traceEvents?: unknown } | null)?.traceEvents;
  if (!Array.isArray(events)) throw new Error(`not a Chrome trace: no "traceEvents" array`);
  const list = events as Event[];
  const bad = list.findIndex((e) => !e || typeof e.ph !== "string" || typeof e.ts !== "number" || typeof e.tid !== "number");
  if (bad >= 0) throw new Error(`traceEvents[${bad}] has no ph, ts or tid`);
  const lanes = list
    .filter((e) => e.ph === "M" && e.name === "thread_name")
    .map((e) => ({ tid: e.tid, name: String(e.args?.name ?? `thread ${e.tid}`) }));
  const starts = new Map(list.filter((e) => e.ph === "s").map((e) => [e.id, e]));
  return {
    lanes,
    slices: list.filter((e) => e.ph === "X").map((e) => ({ tid: e.tid, ts: e.ts, end: e.ts + (e.dur ?? 0), then: String(e.args?.then ?? "") })),
    deaths: list
      .filter((e) => e.ph === "i" && ["returned", "threw", "killed"].includes(e.name))
      .map((e) => ({ tid: e.tid, ts: e.ts, how: e.name, error: typeof e.args?.error === "string" ? e.args.error : null })),
    flows: list.flatMap((f) => {
      const s = f.ph === "f" ? starts.get(f.id) : undefined;
      return s ? [{ name: f.name, from: { tid: s.tid, ts: s.ts }, to: { tid: f.tid, ts: f.ts } }] : [];
    }),
  };
}

const COL = 48, LANE = 18, LABEL = 96, TOP = 22, BOX = 10;

/** The timeline as a figure: an SVG (scrolls sideways on a narrow screen) with a caption and a legend. */
export function renderTimeline(t: Timeline, source: string): string {
  // Columns: the milliseconds in which something happened; within each, the distinct times in order.
  const times = [...new Set([...t.slices.flatMap((s) => [s.ts, s.end]), ...t.deaths.map((d) => d.ts), ...t.flows.flatMap((f) => [f.from.ts, f.to.ts])])]
    .sort((a, b) => a - b);
  const msList = [...new Set(times.map((ts) => Math.floor(ts / 1000)))];
  const column = new Map(msList.map((ms, i) => [ms, i]));
  const within = new Map<number, number[]>();
  for (const ts of times) {
    const ms = Math.floor(ts / 1000);
    within.set(ms, [...(within.get(ms) ?? []), ts]);
  }
  const x = (ts: number): number => {
    const ms = Math.floor(ts / 1000);
    const inMs = within.get(ms)!;
    return LABEL + column.get(ms)! * COL + 4 + ((COL - 8) * (inMs.indexOf(ts) + 0.5)) / inMs.length;
  };
  const laneOf = new Map(t.lanes.map((l, i) => [l.tid, i]));
  const y = (tid: number): number => TOP + (laneOf.get(tid) ?? 0) * LANE + LANE / 2;
  const W = LABEL + msList.length * COL + 8;
  const H = TOP + t.lanes.length * LANE + 8;
  const name = new Map(t.lanes.map((l) => [l.tid, l.name]));
  const out: string[] = [];

  // The axis: a column per millisecond; a gap in the milliseconds is marked "…".
  msList.forEach((ms, i) => {
    const x0 = LABEL + i * COL;
    const skipped = i > 0 && ms !== msList[i - 1] + 1;
    out.push(`<line class="tick" x1="${x0}" x2="${x0}" y1="${TOP - 6}" y2="${H - 4}"/>`);
    out.push(`<text class="ms" x="${x0 + 3}" y="${TOP - 9}">${skipped ? "… " : ""}${ms} ms</text>`);
  });
  t.lanes.forEach((l, i) => {
    const yy = TOP + i * LANE + LANE / 2;
    out.push(`<text class="lane" x="${LABEL - 8}" y="${yy}" text-anchor="end" dominant-baseline="central">${escapeHtml(l.name)}</text>`);
    out.push(`<line class="lane-rule" x1="${LABEL}" x2="${W - 4}" y1="${yy}" y2="${yy}"/>`);
  });
  // Parked: from a slice that ended in a park to the thread's next slice.
  const byLane = new Map<number, Timeline["slices"][number][]>();
  for (const s of t.slices) byLane.set(s.tid, [...(byLane.get(s.tid) ?? []), s]);
  for (const [tid, slices] of byLane) {
    slices.sort((a, b) => a.ts - b.ts);
    slices.forEach((s, i) => {
      const next = slices[i + 1];
      if (s.then === "park" && next) {
        out.push(`<line class="parked" x1="${x(s.end).toFixed(1)}" x2="${x(next.ts).toFixed(1)}" y1="${y(tid)}" y2="${y(tid)}"/>`);
      }
    });
  }
  for (const s of t.slices) {
    const x0 = x(s.ts), x1 = Math.max(x(s.end), x0 + 3);
    const tip = `${name.get(s.tid)} ran at ${fmtTime(s.ts)}, then ${s.then}`;
    out.push(`<rect class="run ${s.then}" x="${x0.toFixed(1)}" y="${y(s.tid) - BOX / 2}" width="${(x1 - x0).toFixed(1)}" height="${BOX}" rx="2"><title>${escapeHtml(tip)}</title></rect>`);
  }
  for (const f of t.flows) {
    const tip = `${f.name}: ${name.get(f.from.tid)} → ${name.get(f.to.tid)}`;
    out.push(`<path class="flow ${f.name}" d="M${x(f.from.ts).toFixed(1)},${y(f.from.tid)} L${x(f.to.ts).toFixed(1)},${y(f.to.tid)}" marker-end="url(#trace-arrow)"><title>${escapeHtml(tip)}</title></path>`);
  }
  for (const d of t.deaths) {
    const tip = `${name.get(d.tid)} ${d.how}${d.error ? ` (${d.error})` : ""}`;
    out.push(`<circle class="death ${d.how}" cx="${x(d.ts).toFixed(1)}" cy="${y(d.tid)}" r="3.5"><title>${escapeHtml(tip)}</title></circle>`);
  }

  const label = `A timeline of ${t.lanes.length} green threads: ${t.slices.length} run slices, ${t.flows.length} wake-ups and spawns`;
  return `<figure class="trace-timeline">
<figcaption>${escapeHtml(label)}, drawn from <code>${escapeHtml(source)}</code> (open the file in <a href="https://ui.perfetto.dev">Perfetto</a> to zoom in).
A box is a run slice, coloured by how it ended (<span class="key park">park</span>, <span class="key yield">yield</span>, <span class="key switch">switch</span>, <span class="key return">return</span>, <span class="key throw">throw</span>);
a dashed line, a parked thread; an arrow, a spawn or a wake-up — from the thread that did it, directly or through a timer it set (a packet on the simulated network); a dot, a death.
One column per virtual millisecond in which something happened; within it, events in their order.</figcaption>
<div class="chart-scroll"><svg viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${escapeHtml(label)}">
<defs><marker id="trace-arrow" viewBox="0 0 6 6" refX="5" refY="3" markerWidth="6" markerHeight="6" orient="auto"><path d="M0,0 L6,3 L0,6 z"/></marker></defs>
${out.join("\n")}
</svg></div>
</figure>`;
}

/** A time on the hub tracer's clock: the virtual millisecond, and the record's step within it. */
const fmtTime = (us: number): string => `${Math.floor(us / 1000)} ms (step ${Math.round(us % 1000)})`;
