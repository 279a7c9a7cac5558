// The benchmarks: an overview page and a page per suite of bar charts with ratios, drawn as SVG at build time from
// bench/results/*.json (and the charts chapters draw in their `<!-- bench: … plot -->` blocks).
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
//                "min"?: 11.9, "max"?: 13.0, "samples"?: [12.3, 11.9, 13.0], "better"?: "lower" | "higher" }],
//     "ratios"?: [{ "case": "…", "vs": "eventlet", "ratio": 0.42, "meaning": "hub time / eventlet time" }],
//     "aims"?: [{ "aim": "…", "met": true, "detail"?: "…" }],
//     "notes"?: ["…"] or "…",
//     "previous"?: { "date": "ISO time", "commit": "abc1234" | null, "aims": [{ "aim": "…", "met": false }] }
//                                               the run this one replaced: an aim it judged the other way says so
//     "earlier"?: [ { …as previous } ]         the runs before that one, newest first: an aim says how often they met it
//   }
// Ratios missing from the file are computed as subject value / system value. A missing bench/results/ means "no results yet".
// Each suite's title names its chapter and links to it; a result whose measured code has changed since the commit it
// measured is marked stale (tools/lib/bench-tables.ts decides, from git history, as `npm run bench:status` does).
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import {
  BENCH_SUITES, betterOf, bySuiteOrder, compare, type BenchAim, type BenchRow, type Comparison, fmt, fmtRatio, freshness, type Freshness, plotBlocks, type PreviousRun, judgedBothWays, readRunsBefore, suiteTitle, verdictMoved, verdictRecord,
} from "../../../tools/lib/bench-tables";
import { escapeHtml } from "./highlight";
import { href, type Page } from "./layout";
import { uniqueSlug } from "./markdown";
import { chapterPage, type Site } from "./site";

export type { BenchRow };
interface BenchRatio { readonly case: string; readonly vs: string; readonly ratio: number; readonly meaning?: string }

export interface BenchResults {
  readonly name: string;
  readonly title?: string;
  readonly date?: string;
  readonly machine?: string;
  readonly subject?: string;
  /** Measurements behind each median. */
  readonly reps?: number;
  readonly rows: readonly BenchRow[];
  readonly ratios: readonly BenchRatio[];
  readonly aims: readonly BenchAim[];
  readonly notes: readonly string[];
  /** The run this result replaced, with its verdicts: an aim whose verdict moved says so. */
  readonly previous?: PreviousRun;
  /** The runs before that one, newest first: an aim says how often they met it. */
  readonly earlier?: readonly PreviousRun[];
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
    typeof o.referenceJavascriptMs === "number" && typeof o.referenceLoopbackMs === "number" &&
      `reference work at the end: ${o.referenceJavascriptMs} ms of JavaScript, ${o.referenceLoopbackMs} ms of loopback round trips`,
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
        reps: typeof data.reps === "number" ? data.reps : undefined,
        rows,
        ratios: list<BenchRatio>(data.ratios).filter((r) => r && typeof r.ratio === "number"),
        aims: list<BenchAim>(data.aims).filter((a) => a && typeof a.aim === "string"),
        notes: typeof data.notes === "string" ? [data.notes] : list<string>(data.notes).map(String),
        ...readRunsBefore(data),
      });
    } catch (e) {
      problems.push(`${RESULTS_DIR}/${file}: ${(e as Error).message}`);
    }
  }
  // In the course's order (the chapter that builds what each suite measures), not the files' alphabetical one.
  sets.sort((a, b) => bySuiteOrder(a.name, b.name));
  return { sets, problems };
}

/** A verdict in a few words beside a bar: the reps' split when they disagree ("mixed: ahead in 2 of 5"). */
function verdictWords(c: Comparison): string {
  if (c.verdict === "mixed" && c.reps) return `mixed: ahead in ${c.reps.ahead} of ${c.reps.of}`;
  return { ahead: "ahead", behind: "behind", mixed: "≈ noise", overlap: "≈ noise", even: "even" }[c.verdict];
}

/** A row's reps when it has two or more finite ones (a hand-edited file may hold anything there), else none. */
function repsOf(r: BenchRow): number[] {
  const xs = Array.isArray(r.samples) ? r.samples.filter((v): v is number => typeof v === "number" && Number.isFinite(v)) : [];
  return xs.length > 1 ? xs : [];
}

/** One case as a horizontal bar chart: one bar per system, its value (min–max and each rep when known), and the subject's ratio to it. */
export function barChart(set: BenchResults, caseName: string, id?: string): string {
  const rows = set.rows.filter((r) => r.case === caseName);
  const unit = rows[0].unit ?? "";
  const better = betterOf(rows[0]);
  // The subject: named by the file, or else the one system the file's ratios never compare against, or "hub".
  const compared = new Set(set.ratios.filter((q) => q.case === caseName).map((q) => q.vs));
  const implied = compared.size ? rows.find((r) => !compared.has(r.system))?.system : undefined;
  const subject = rows.find((r) => r.system === (set.subject ?? implied ?? "hub")) ?? rows[0];
  const max = Math.max(...rows.map((r) => r.max ?? r.value), 0) || 1;
  const min = Math.min(...rows.map((r) => r.min ?? r.value).filter((v) => v > 0), max);
  // Room for the longest label and the longest value text (about 7.4 px a character at 13 px), so neither is cut off.
  const textW = (t: string): number => Math.ceil(t.length * 7.4);
  const valueText = (r: BenchRow): string =>
    `${fmt(r.value)} ${unit}${r.min !== undefined && r.max !== undefined ? ` (${fmt(r.min)}–${fmt(r.max)})` : ""} 0.000× mixed: ahead in 2 of 5`;
  const labelW = Math.max(110, ...rows.map((r) => textW(r.system) + 16));
  const valueW = Math.max(160, ...rows.map((r) => textW(valueText(r)) + 24));
  const W = labelW + 420 + valueW, barH = 22, gap = 10, top = 6;
  // When systems differ by more than 20×, a linear scale leaves the fast ones as slivers: use a log scale from the
  // power of ten below the smallest value, and say so in the caption.
  const log = max / min > 20;
  const floor = 10 ** Math.floor(Math.log10(min) - 0.3);
  const scale = (v: number) =>
    (log ? Math.log10(Math.max(v, floor) / floor) / Math.log10(max / floor) : v / max) * (W - labelW - valueW);
  const H = top * 2 + rows.length * (barH + gap) - gap;
  // What a ratio divides (tools/lib/bench-tables.ts): the subject by each system, each system by a baseline subject, or nothing.
  const mode = BENCH_SUITES[set.name]?.ratios ?? "subject";
  const repsPerRow = rows.map(repsOf);
  const bars = rows.map((r, i) => {
    const y = top + i * (barH + gap);
    const w = Math.max(1, scale(r.value));
    const given = mode === "subject" ? set.ratios.find((q) => q.case === caseName && q.vs === r.system) : undefined;
    // Coloured by whether the subject is ahead on this figure (its direction in the caption), and said in words too;
    // against a baseline, whether the system is ahead of it. The ratio is the one the tables print (rep by rep where
    // the reps pair: compare in tools/lib/bench-tables.ts), or the one the run saved.
    const compared = mode === "none" || r === subject ? null : mode === "baseline" ? compare(r, subject) : compare(subject, r);
    const ratio = given?.ratio ?? compared?.ratio ?? NaN;
    const comparison = compared && Number.isFinite(ratio) ? compared : null;
    const verdict = comparison?.verdict ?? null;
    const ratioText = comparison ? `${fmtRatio(ratio)} ${verdictWords(comparison)}` : "";
    const range = r.min !== undefined && r.max !== undefined
      ? `<line class="range" x1="${labelW + scale(r.min)}" x2="${labelW + scale(r.max)}" y1="${y + barH / 2}" y2="${y + barH / 2}"/>`
      : "";
    const end = labelW + Math.max(w, r.max !== undefined ? scale(r.max) : 0);
    const reps = repsPerRow[i]!;
    // A dot per rep, each on its own lane down the bar in the order the reps ran (the first at the top): the
    // reader sees whether the median sits in a crowd or between two strays, and whether the reps drifted.
    const dots = reps.map((v, k) => {
      const cy = y + 5 + (k * (barH - 10)) / (reps.length - 1);
      return `<circle class="rep" cx="${(labelW + scale(v)).toFixed(1)}" cy="${cy.toFixed(1)}" r="3"><title>${escapeHtml(`${r.system}, rep ${k + 1} of ${reps.length}: ${fmt(v)} ${unit}`)}</title></circle>`;
    }).join("");
    const tip = `${r.system}: ${fmt(r.value)} ${unit}${r.min !== undefined ? ` (min ${fmt(r.min)}, max ${fmt(r.max ?? r.value)})` : ""}${reps.length ? `; reps in order: ${reps.map((v) => fmt(v)).join(", ")}` : ""}${given?.meaning ? `; ratio = ${given.meaning}` : ""}`;
    return `<g class="bar${r === subject ? " subject" : ""}">
<text class="label" x="${labelW - 10}" y="${y + barH / 2}" text-anchor="end" dominant-baseline="central">${escapeHtml(r.system)}</text>
<rect x="${labelW}" y="${y}" width="${w.toFixed(1)}" height="${barH}" rx="3"><title>${escapeHtml(tip)}</title></rect>${range}${dots}
<text class="value" x="${(end + 8).toFixed(1)}" y="${y + barH / 2}" dominant-baseline="central">${escapeHtml(`${fmt(r.value)} ${unit}`)}${r.min !== undefined && r.max !== undefined ? `<tspan class="spread" dx="6">${escapeHtml(`(${fmt(r.min)}–${fmt(r.max)})`)}</tspan>` : ""}<tspan class="ratio${verdict ? ` ${verdict}` : ""}" dx="10">${escapeHtml(ratioText)}</tspan></text>
</g>`;
  });
  return `<figure class="chart"${id ? ` id="${escapeHtml(id)}"` : ""}>
<figcaption><strong>${escapeHtml(caseName)}</strong> <span class="muted">${escapeHtml(unit)}, <strong class="better">${better} is better</strong>${log ? ", log scale" : ""}; ${set.reps && set.reps > 1 ? `median of ${set.reps} reps (min–max${repsPerRow.some((reps) => reps.length > 0) ? "; a dot per rep" : ""})` : "one run"}${mode === "none" ? "" : mode === "baseline" ? `; ratio = system ÷ <span class="subject-key">${escapeHtml(subject.system)}</span>` : `; ratio = <span class="subject-key">${escapeHtml(subject.system)}</span> ÷ system`}</span></figcaption>
<div class="chart-scroll"><svg viewBox="0 0 ${W} ${H}" width="100%" style="max-width: ${W}px" role="img" aria-label="${escapeHtml(`${caseName}: ${rows.map((r) => `${r.system} ${fmt(r.value)} ${unit}`).join(", ")}`)}">
${bars.join("\n")}
</svg></div>
</figure>`;
}

/** The page of one suite's figures (a name a hand-edited file gave is kept to a file name's characters). */
export const benchPage = (suite: string): string => `bench/${suite.replace(/[^\w.-]+/g, "-").replace(/^\.+/, "")}.html`;

/** How to read a chart: said once on each suite's page, above its charts. */
const HOW_TO_READ = `<p class="muted legend">Each bar is a median; the thin line across it spans the fastest and slowest
measurement, and the figures in brackets are that range; each dot is one rep, the first at the top, so a median that
sits in a crowd looks different from one between strays. Each chart says which way is better. A ratio is the median of
the reps' ratios, each rep of ours divided by the rep of the other system that ran in the same round (the reps
interleave, so each pair ran side by side): <span class="ratio-key ahead">ahead</span> or
<span class="ratio-key behind">behind</span> where it is so in every rep,
<span class="ratio-key overlap">mixed: ahead in 2 of 5</span> when the reps disagree, and
<span class="ratio-key overlap">≈ noise</span> where, without reps to pair, the two systems' min–max ranges meet.</p>`;

/**
 * The benchmarks: an overview (every suite's aims, and a line per suite) on bench.html, and a page per suite with its
 * charts, so that a reader opens the one suite they came for rather than every chart of every run at once.
 */
export function renderBench(site: Site): Page[] {
  const { sets, problems } = readBenchResults(site.root);
  site.warnings.push(...problems);
  const titles = Object.fromEntries(site.manifest.chapters.map((c) => [c.id, c.title]));
  const suites = sets.map((set) => ({ set, title: suiteTitle(set.name, titles, set.title), fresh: freshness(site.root, set.name, set) }));
  const when = (set: BenchResults): string => (set.date ? set.date.replace("T", " ").replace(/\.\d+Z$|Z$/, " UTC") : "");
  /** The suite's chapter, when the site has its page. */
  const chapterOf = (set: BenchResults): string | null => {
    const info = BENCH_SUITES[set.name];
    return info && site.published.some((c) => c.id === info.chapter) ? info.chapter : null;
  };

  const pages = suites.map(({ set, title, fresh }): Page => {
    const path = benchPage(set.name);
    const chapter = chapterOf(set);
    const cases = [...new Set(set.rows.map((r) => r.case))];
    const meta = [when(set) && `Ran ${escapeHtml(when(set))}`, set.machine && `on ${escapeHtml(set.machine)}`].filter(Boolean).join(" ");
    const aims = set.aims.length
      ? `<h2>Aims</h2><ul class="aims">${set.aims.map((a) => aimItem(a, `${escapeHtml(a.aim)}${a.detail ? ` <span class="muted">— ${escapeHtml(a.detail)}</span>` : ""}`, set)).join("")}</ul>`
      : "";
    const notes = set.notes.length ? `<h2>Notes</h2><ul>${set.notes.map((n) => `<li>${escapeHtml(n)}</li>`).join("")}</ul>` : "";
    const reps = set.reps ? `Medians of ${set.reps} reps. ` : "";
    // Each chart an anchor, and a list of them: the cpu suite alone draws dozens.
    const seen = new Set<string>();
    const ids = cases.map((c) => uniqueSlug(c, seen, "fig-"));
    const figures = cases.length > 1
      ? `<details class="figures"><summary>Its ${cases.length} charts</summary><ol>${cases.map((c, i) => `<li><a href="#${ids[i]}">${escapeHtml(c)}</a></li>`).join("")}</ol></details>`
      : "";
    const body = `<article class="bench">
<p class="crumbs"><a href="${escapeHtml(href(path, "bench.html"))}">Benchmarks</a> › ${escapeHtml(set.name)}${chapter ? ` · <a href="${escapeHtml(href(path, chapterPage(chapter)))}">its chapter</a>` : ""}</p>
<section class="bench-set" id="bench-${escapeHtml(set.name)}">
<h1>${escapeHtml(title)}</h1>
${meta ? `<p class="muted">${reps}${meta}</p>` : ""}
${freshnessNote(set.name, fresh)}
${set.rows.length ? HOW_TO_READ : ""}
${aims}
${figures}
${cases.length ? cases.map((c, i) => barChart(set, c, ids[i])).join("\n") : `<p class="note">This file has no rows.</p>`}
${notes}
</section>
</article>`;
    return { path, title: `Benchmarks: ${set.name}`, kind: "bench", body, description: title };
  });

  const list = suites.map(({ set, title, fresh }) => {
    const met = set.aims.filter((a) => a.met).length;
    const aims = set.aims.length ? `${met} of ${set.aims.length} aims met` : "no aims";
    const charts = new Set(set.rows.map((r) => r.case)).size;
    // The suite's name, as the goals above, the results file and `npm run bench <name>` call it.
    const facts = [`<code>${escapeHtml(set.name)}</code>`, aims, `${charts} chart${charts === 1 ? "" : "s"}`, when(set) && `ran ${escapeHtml(when(set).slice(0, 10))}`, fresh.state === "stale" ? "<strong>stale</strong>" : fresh.state === "current" ? "current" : ""];
    return `<li id="bench-${escapeHtml(set.name)}"><a href="${escapeHtml(benchPage(set.name))}">${escapeHtml(title)}</a> <span class="muted">— ${facts.filter(Boolean).join(" · ")}</span></li>`;
  });
  const body = `<article class="bench">
<h1>Benchmarks</h1>
<p>The hub and the load balancer measured side by side with the floor beneath them and with real peers, in the same run,
and reported as ratios: absolute times move between machines, ratios measured together carry over. Each suite has a page
of bar charts, a chart per figure, with every rep behind each median. A result is marked stale when the code it measured
has changed since. <code>npm run bench</code> takes them; <code>bench/README.md</code> says how each one is taken and why
it is fair.</p>
${goalsAtAGlance(sets)}
${suites.length ? `<section class="bench-suites" id="suites">\n<h2>The suites</h2>\n<ul class="suites">${list.join("")}</ul>\n</section>` : `<p class="note" id="no-results">No results yet: <code>npm run bench</code> writes them to <code>${RESULTS_DIR}/</code>.</p>`}
${problems.length ? `<div class="note warn"><p>Some results could not be read:</p><ul>${problems.map((p) => `<li>${escapeHtml(p)}</li>`).join("")}</ul></div>` : ""}
</article>`;
  return [{ path: "bench.html", title: "Benchmarks", kind: "bench", body }, ...pages];
}

/**
 * An aim as an item of a list, marked met or missed; `html` is what follows the mark. After its text, an aim says
 * when the run before judged it the other way, and, when the runs kept have judged it both ways, how many of them met
 * it: a verdict that moves between runs of the same code is within its suite's noise.
 */
function aimItem(a: BenchAim, html: string, set: Pick<BenchResults, "previous" | "earlier">, after = ""): string {
  const was = verdictMoved(set, a);
  // The record only where it tells something: an aim judged the same way every time needs no count.
  const record = judgedBothWays(set, a) ? verdictRecord(set, a.aim)?.text : undefined;
  const said = [was && `${was} in the run before`, record].filter(Boolean).join("; ");
  const moved = said ? ` <span class="was">(${escapeHtml(said)})</span>` : "";
  return `<li class="${a.met ? "met" : "missed"}"><span class="mark">${a.met ? "✓" : "✗"}</span> ${html}${moved}${after}</li>`;
}

/** Every suite's aims in one list at the top of the overview, each linking to its suite's page; empty without aims. */
function goalsAtAGlance(sets: readonly Pick<BenchResults, "name" | "aims" | "previous" | "earlier">[]): string {
  const items = sets.flatMap((set) => set.aims.map((a) => ({ suite: set.name, set, ...a })));
  if (!items.length) return "";
  const met = items.filter((a) => a.met).length;
  const moved = items.filter((a) => verdictMoved(a.set, a)).length;
  // An aim's detail is the figures that decide it, at every point it is judged: how far a missed aim is, or by how
  // much a met one holds. Folded, so that the list stays a list.
  const decides = (a: BenchAim): string =>
    a.detail ? `<details class="decides"><summary>${a.met ? "the figures" : "how far"}</summary><p>${escapeHtml(a.detail)}</p></details>` : "";
  const list = items
    .map((a) => aimItem(a, `<a href="${escapeHtml(benchPage(a.suite))}">${escapeHtml(a.suite)}</a>: ${escapeHtml(a.aim)}`, a.set, decides(a)))
    .join("");
  return `<section class="bench-goals" id="goals">
<h2>The goals at a glance</h2>
<p class="muted">${met} of ${items.length} aims met, each as the last run of its suite judged it${moved ? ` (${moved === 1 ? "1 verdict" : `${moved} verdicts`} the other way in the run before, marked)` : ""}; each opens to the figures that decide it, and its suite's page has the charts.</p>
<ul class="aims">${list}</ul>
</section>`;
}

/** Whether the result still measures the current code: a warning when stale, a muted line otherwise. */
export function freshnessNote(suite: string, f: Freshness): string {
  const rerun = BENCH_SUITES[suite]?.command ?? "npm run bench";
  if (f.state === "stale") {
    const list = f.changes.slice(0, 6).map((c) => `<li><code>${escapeHtml(c)}</code></li>`).join("");
    const more = f.changes.length > 6 ? `<li>… and ${f.changes.length - 6} more</li>` : "";
    return `<div class="note warn stale"><p><strong>Stale:</strong> measured at commit <code>${escapeHtml(f.commit)}</code>; ${f.files.length} of the files it measures differ now (${escapeHtml(f.files.slice(0, 4).join(", "))}${f.files.length > 4 ? ", …" : ""}), changed by the commits below. Measure again with <code>${escapeHtml(rerun)}</code>.</p><ul>${list}${more}</ul></div>`;
  }
  if (f.state === "current") return `<p class="muted fresh">Current: no commit since <code>${escapeHtml(f.commit)}</code> changes the code it measures.</p>`;
  return `<p class="muted fresh">Whether this result is current is unknown: ${escapeHtml(f.why)}.</p>`;
}

/**
 * A chapter's markdown with the body of every `<!-- bench: <suite> plot "<filter>" -->` block replaced by bar charts
 * of the figures whose name contains the filter, from bench/results/<suite>.json (the text stays when there are no
 * results: a student edition has none). The charts are one HTML block without blank lines, so markdown leaves it whole.
 * With `page`, the site page the text becomes, each block ends with a link to its suite's page.
 */
export function withBenchPlots(root: string, text: string, warnings: string[], where: string, page?: string): string {
  const blocks = plotBlocks(text);
  if (!blocks.length) return text;
  const { sets } = readBenchResults(root);
  let out = "";
  let at = 0;
  for (const b of blocks) {
    const set = sets.find((x) => x.name === b.suite);
    const cases = set ? [...new Set(set.rows.map((r) => r.case))].filter((c) => !b.filter || c.includes(b.filter)) : [];
    if (!set || !cases.length) {
      if (set) warnings.push(`${where}: the plot of ${b.suite} "${b.filter ?? ""}" names no figure of ${RESULTS_DIR}/${b.suite}.json`);
      continue;
    }
    const charts = cases.map((c) => barChart(set, c).replace(/\n\s*\n/g, "\n")).join("\n");
    // From a page of the site, the run's other figures are a link away.
    const more = page ? `\n<p class="muted more-figures">Every figure of this run: <a href="${escapeHtml(href(page, benchPage(b.suite)))}">${escapeHtml(b.suite)}</a>.</p>` : "";
    out += `${text.slice(at, b.start)}\n\n<div class="bench-plots">\n${charts}${more}\n</div>\n\n`;
    at = b.end;
  }
  return out + text.slice(at);
}
