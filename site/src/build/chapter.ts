// A chapter page: the narrative of chapters/NN-slug.md in docco-style sections, each included region of
// reference code beside the paragraphs that introduce it; a table of contents, the demo's recording,
// and links to the lab's code, the notebook and the neighbouring chapters.
import { existsSync, readFileSync } from "node:fs";
import { join, posix } from "node:path";
import type { Chapter } from "../../../tools/lib/manifest";
import { withBenchPlots } from "./bench";
import { castPlayer } from "./casts";
import { renderExcerpt } from "./excerpt";
import { readTimeline, renderTimeline } from "./trace-timeline";
import { escapeHtml } from "./highlight";
import { href, type Page } from "./layout";
import { createMarkdown, splitSections, type MarkdownEnv } from "./markdown";
import { renderPlot } from "./plot";
import {
  chapterNumber, chapterPage, codeIndexPage, notebookPage, partNumeral, sitePathFor, type Site,
} from "./site";

const md = createMarkdown();

export function renderChapter(site: Site, chapter: Chapter): Page {
  const file = `chapters/${chapter.id}.md`;
  const path = chapterPage(chapter.id);
  // Bench plot blocks become bar charts drawn from bench/results/ (the markdown carries a line saying so).
  const source = withBenchPlots(site.root, readFileSync(join(site.root, file), "utf8"), site.warnings, file, path);
  const env: MarkdownEnv = {
    rewriteLink: (url) => rewriteLink(site, file, path, url),
    renderInclude: (inc) => renderExcerpt(site, file, inc, path),
    renderTimeline: (trace) => timeline(site, file, trace),
    renderPlot: (name) => renderPlot(site.root, name, file, site.warnings),
  };
  const tokens = md.parse(source, env);

  // The narrative's own h1 is the page title; the header below shows it with the chapter's place in the course.
  let title = chapter.title;
  if (tokens[0]?.type === "heading_open" && tokens[0].tag === "h1") {
    // "01 — Coroutines": the number is in the eyebrow above the title already.
    title = tokens[1].content.replace(/^\d+\s*[—–:.-]\s*/, "");
    tokens.splice(0, 3);
    env.headings!.shift();
  }

  const sections = splitSections(tokens).map((s) => {
    const prose = md.renderer.render(s.prose, md.options, env);
    const code = s.includes.map((inc) => renderExcerpt(site, file, inc, path)).join("\n");
    return `<section class="section${code ? " has-code" : ""}">
<div class="prose">${prose}</div>
<div class="code">${code}</div>
</section>`;
  });

  const part = site.manifest.parts.find((p) => p.id === chapter.part);
  const to = (p: string) => escapeHtml(href(path, p));
  const hasNotebook = existsSync(join(site.root, "notebooks", `${chapter.id}.ipynb`));
  const links = [
    `<a href="${to(codeIndexPage(chapter.id))}">${site.edition === "student" ? "Your lab's code" : "Lab and reference code"}</a>`,
    hasNotebook ? `<a href="${to(notebookPage(chapter.id))}">Notebook</a>` : "",
    `<span>${chapter.points} points</span>`,
    `<span>Start it: <code>npm run lab ${chapter.id.slice(0, 2)}</code></span>`,
  ].filter(Boolean).map((l) => `<li>${l}</li>`).join("");

  const toc = env.headings!.filter((h) => h.level <= 3);
  const tocHtml = toc.length
    ? `<nav class="toc" aria-label="On this page"><h2>On this page</h2><ol>${toc
        .map((h) => `<li class="toc-h${h.level}"><a href="#${h.id}">${escapeHtml(h.text)}</a></li>`).join("")}</ol></nav>`
    : "";

  const i = site.published.indexOf(chapter);
  const prev = site.published[i - 1];
  const next = site.published[i + 1];
  const pager = `<nav class="pager" aria-label="Chapters">
${prev ? `<a class="prev" rel="prev" href="${to(chapterPage(prev.id))}"><span>Previous</span>${escapeHtml(prev.title)}</a>` : `<a class="prev" href="${to("index.html")}"><span>Back to</span>All chapters</a>`}
${next ? `<a class="next" rel="next" href="${to(chapterPage(next.id))}"><span>Next</span>${escapeHtml(next.title)}</a>` : `<a class="next" href="${to("index.html#chapters")}"><span>That is all for now</span>All chapters</a>`}
</nav>`;

  const casts = castPlayer(site, chapter, path);
  const body = `<article class="chapter">
<header class="chapter-head">
  <div class="chapter-intro">
    <p class="eyebrow">Part ${partNumeral(chapter.part)}${part ? ` · ${escapeHtml(part.title)}` : ""} — Chapter ${chapterNumber(chapter)}</p>
    <h1>${escapeHtml(title)}</h1>
    <p class="summary">${escapeHtml(chapter.summary)}</p>
    <ul class="chapter-links">${links}</ul>
    ${tocHtml}
  </div>
  ${casts}
</header>
<div class="sections">
${sections.join("\n")}
</div>
${pager}
</article>`;
  return { path, title, body, kind: "chapter", description: chapter.summary };
}

/** A committed trace drawn as a timeline; a file that is missing or broken is a build warning and a note. */
function timeline(site: Site, file: string, trace: string): string {
  try {
    return renderTimeline(readTimeline(JSON.parse(readFileSync(join(site.root, trace), "utf8"))), trace);
  } catch (e) {
    const why = `${file}: trace-timeline ${trace}: ${e instanceof Error ? e.message : String(e)}`;
    site.warnings.push(why);
    return `<p class="note">${escapeHtml(`No timeline: ${why}`)}</p>`;
  }
}

function rewriteLink(site: Site, file: string, page: string, url: string): string {
  if (!url || url.startsWith("#") || /^[a-z][a-z0-9+.-]*:/i.test(url)) return url;
  const [pathPart, hash] = url.split("#", 2);
  const target = sitePathFor(site, posix.join(posix.dirname(file), pathPart));
  if (!target) {
    site.warnings.push(`${file}: link to ${url} points at nothing the site publishes`);
    return url;
  }
  return href(page, hash && !target.includes("#") ? `${target}#${hash}` : target);
}
