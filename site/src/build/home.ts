// The home page: the course's promise, how to start and the learner's loop, and every part and chapter of
// the manifest (chapters not published yet are listed as planned, never linked).
import type { Chapter } from "../../../tools/lib/manifest";
import { escapeHtml } from "./highlight";
import { type Page } from "./layout";
import { chapterNumber, chapterPage, codeIndexPage, partNumeral, type Site } from "./site";

const LOOP: [string, string][] = [
  ["npm run lab NN", "runs the lab's demo; a step whose task you have not done yet says which task comes next"],
  ["npm run watch NN", "reruns the lab's tests each time you save"],
  ["npm run hint NN", "shows the next hint for your first unfinished task, a question before an answer"],
  ["npm run grade", "grades every lab: points per test, as an instructor's autograder sees them"],
  ["npm run course", "your progress through the whole course"],
];

function chapterItem(site: Site, c: Chapter): string {
  const published = site.published.includes(c);
  const num = `<span class="num">${chapterNumber(c)}</span>`;
  const status = published ? "" : c.status === "ready" ? "being written" : "planned";
  const title = published
    ? `<a href="${escapeHtml(chapterPage(c.id))}">${escapeHtml(c.title)}</a>`
    : `<span class="title">${escapeHtml(c.title)}</span>`;
  const extra = published ? ` <a class="code-link" href="${escapeHtml(codeIndexPage(c.id))}">code</a>` : "";
  return `<li id="${c.id}" class="chapter-item${published ? " ready" : " planned"}">
${num}<div><h4>${title}${status ? ` <span class="badge">${status}</span>` : ""}${extra}</h4><p>${escapeHtml(c.summary)}</p></div>
</li>`;
}

/**
 * The hero's picture: a hub and green threads on its rim — one running (the hub runs one at a time), two ready in
 * the run queue, the rest parked. Drawn here, no asset.
 */
function hubPicture(): string {
  const n = 10, cx = 160, cy = 160, r = 118;
  const spokes = Array.from({ length: n }, (_, i) => {
    const a = (i / n) * 2 * Math.PI - Math.PI / 2;
    const x = (cx + r * Math.cos(a)).toFixed(1), y = (cy + r * Math.sin(a)).toFixed(1);
    const state = i === 0 ? " live" : i === 4 || i === 7 ? " ready" : "";
    return `<line x1="${cx}" y1="${cy}" x2="${x}" y2="${y}" class="spoke${state}"/><circle cx="${x}" cy="${y}" r="${state === " live" ? 14 : 10}" class="thread${state}"/>`;
  }).join("");
  return `<svg class="hub-picture" viewBox="0 0 320 320" role="img" aria-label="A hub with green threads around it">
<circle cx="${cx}" cy="${cy}" r="${r}" class="rim"/>${spokes}
<circle cx="${cx}" cy="${cy}" r="42" class="hub"/><text x="${cx}" y="${cy}" text-anchor="middle" dominant-baseline="central">hub</text>
</svg>`;
}

export function renderHome(site: Site): Page {
  const m = site.manifest;
  const first = site.published[0];
  const parts = m.parts.map((p) => `<section class="part" id="part-${p.id}">
<h3><span class="numeral">Part ${partNumeral(p.id)}</span> ${escapeHtml(p.title)}</h3>
<p class="part-summary">${escapeHtml(p.summary)}</p>
<ol class="chapter-list">${m.chapters.filter((c) => c.part === p.id).map((c) => chapterItem(site, c)).join("")}</ol>
</section>`).join("\n");
  const labNo = first ? first.id.slice(0, 2) : "01";
  const body = `<section class="hero">
<div class="hero-text">
<p class="eyebrow">A course in TypeScript</p>
<h1>${escapeHtml(m.title)}</h1>
<p class="tagline">${escapeHtml(m.tagline)}</p>
<p class="promise">Chapter by chapter, from an empty file, you build a <strong>hub</strong>: green threads written as generators,
scheduled by an event loop of your own, in the manner of Python's eventlet. Every place a thread may switch is a visible
<code>yield*</code>, so the same program runs on a real clock and network or, deterministically from a seed, on a virtual
clock and a simulated one. On top of the hub you then build a <strong>load balancer</strong> for elastic services, and measure it
against HAProxy and nginx.</p>
<p class="promise">${site.edition === "student"
    ? "Each chapter has a narrative beside the code, a lab that runs from minute one, tests that grade it, hints and a notebook."
    : "Each chapter has a narrative beside the real code, a lab that runs from minute one, grading tests, hints,\na reference solution and a notebook."}</p>
${first ? `<p class="cta"><a class="button" href="${escapeHtml(chapterPage(first.id))}">Start with chapter ${chapterNumber(first)}: ${escapeHtml(first.title)}</a></p>` : ""}
</div>
${hubPicture()}
</section>

<section class="start" id="start">
<h2>How to start</h2>
<div class="start-grid">
<div>
<p>${site.edition === "student" ? "In your copy of the course:" : "Clone the repository, then:"}</p>
<pre class="shiki terminal"><code><span class="line"><span class="prompt">$ </span>${site.edition === "student" ? "npm ci" : "npm install"}</span>
<span class="line"><span class="prompt">$ </span>npm run lab ${labNo}</span></code></pre>
<p>The first command installs the course's tools (Node 20.19 or newer); the second runs the first lab's demo. The lab lives in
<code>labs/${first ? first.id : "NN-slug"}/</code>: its <code>README.md</code> lists the tasks. <code>npm start</code> serves this site locally.</p>
</div>
<div>
<p>Then, for each chapter, the loop:</p>
<dl class="loop">${LOOP.map(([cmd, what]) => `<dt><code>${cmd}</code></dt><dd>${what}</dd>`).join("")}</dl>
</div>
</div>
</section>

<section class="contents" id="chapters">
<h2>Chapters</h2>
${parts}
</section>`;
  return { path: "index.html", title: m.title, body, kind: "home", description: m.tagline };
}
