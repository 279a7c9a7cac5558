// The reference browser: every file of solutions/NN-slug and labs/NN-slug for ready chapters, highlighted with
// line numbers (solution markers removed from the reference), and for each lab file the starter-versus-solution diff.
// A student edition's browser shows labs/ alone: the learner's own code, with no reference to compare it with.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { withoutSolutionMarkers } from "../../../tools/lib/markers";
import type { Chapter } from "../../../tools/lib/manifest";
import { renderDiff } from "./diff";
import { escapeHtml, highlightLines, langFor } from "./highlight";
import { href, type Page } from "./layout";
import { createMarkdown } from "./markdown";
import { chapterNumber, chapterPage, codeIndexPage, codePage, listFiles, sitePathFor, type Site } from "./site";

const md = createMarkdown();
const REGION = /^\s*\/\/\s*#region\s+(\S+)/;

type Tree = "solutions" | "labs";

const isText = (buf: Buffer): boolean => !buf.subarray(0, 8000).includes(0);

function numbered(code: string, file: string): string {
  const lines = highlightLines(code.replace(/\n$/, ""), langFor(file));
  const raw = code.split("\n");
  return `<pre class="shiki numbered"><code>${lines
    .map((l, i) => {
      const region = raw[i]?.match(REGION);
      const anchor = region ? `<span class="region-anchor" id="region-${escapeHtml(region[1])}"></span>` : "";
      return `<span class="line" id="L${i + 1}" data-n="${i + 1}">${anchor}${l}</span>`;
    })
    .join("\n")}</code></pre>`;
}

function sidebar(chapter: Chapter, files: Record<Tree, string[]>, current: string): string {
  const list = (tree: Tree) =>
    files[tree].length
      ? `<h3>${tree}/${chapter.id}</h3><ul>${files[tree]
          .map((f) => {
            const p = codePage(tree, chapter.id, f);
            return `<li${p === current ? ' class="current" aria-current="page"' : ""}><a href="${escapeHtml(href(current, p))}">${escapeHtml(f)}</a></li>`;
          }).join("")}</ul>`
      : "";
  return `<nav class="files" aria-label="Files of this chapter">
<p><a href="${escapeHtml(href(current, codeIndexPage(chapter.id)))}">${chapterNumber(chapter)}. ${escapeHtml(chapter.title)}</a></p>
${list("solutions")}${list("labs")}
</nav>`;
}

export function renderCodePages(site: Site): Page[] {
  const pages: Page[] = [];
  const student = site.edition === "student";
  for (const chapter of site.published) {
    const files: Record<Tree, string[]> = {
      solutions: student ? [] : listFiles(join(site.root, "solutions", chapter.id)),
      labs: listFiles(join(site.root, "labs", chapter.id)),
    };
    for (const tree of ["solutions", "labs"] as const) {
      for (const file of files[tree]) {
        const buf = readFileSync(join(site.root, tree, chapter.id, file));
        const path = codePage(tree, chapter.id, file);
        const repoPath = `${tree}/${chapter.id}/${file}`;
        let content: string;
        if (!isText(buf)) content = `<p class="note">A binary file; it is not shown here.</p>`;
        else if (tree === "solutions" || student) content = fileView(site, buf.toString("utf8"), repoPath, path, file);
        else content = labView(site, chapter, buf.toString("utf8"), repoPath, path, file);
        pages.push({
          path,
          title: repoPath,
          kind: "code",
          body: `<div class="code-browser">${sidebar(chapter, files, path)}<article class="file">
<header class="file-head"><p class="eyebrow">${student ? "Your code" : tree === "solutions" ? "The reference" : "The lab starter"}</p><h1>${escapeHtml(repoPath)}</h1></header>
${content}
</article></div>`,
        });
      }
    }
    pages.push(chapterIndex(site, chapter, files));
  }
  pages.push(codeHome(site));
  return pages;
}

function fileView(site: Site, text: string, repoPath: string, page: string, file: string): string {
  const shown = withoutSolutionMarkers(text, repoPath);
  if (file.endsWith(".md")) {
    return `<div class="prose rendered-md">${md.render(shown, { rewriteLink: (u: string) => rewriteRelative(site, repoPath, page, u) })}</div>
<details class="source"><summary>Markdown source</summary>${numbered(shown, file)}</details>`;
  }
  return numbered(shown, file);
}

function labView(site: Site, chapter: Chapter, text: string, repoPath: string, page: string, file: string): string {
  let solution: string | null = null;
  try {
    solution = withoutSolutionMarkers(readFileSync(join(site.root, "solutions", chapter.id, file), "utf8"), `solutions/${chapter.id}/${file}`);
  } catch {
    solution = null; // a file only the lab has: no diff to show
  }
  const solutionLink = solution === null ? "" : ` · <a href="${escapeHtml(href(page, codePage("solutions", chapter.id, file)))}">the reference version</a>`;
  return `<p class="file-note">Generated from <code>solutions/${chapter.id}/${escapeHtml(file)}</code> by <code>npm run labs</code>${solutionLink}.</p>
${solution === null ? "" : `<section class="diff-view"><h2>Starter → reference</h2>${renderDiff(text, solution, file)}</section>`}
<section><h2>The starter</h2>${numbered(text, file)}</section>`;
}

function rewriteRelative(site: Site, repoPath: string, page: string, url: string): string {
  if (!url || url.startsWith("#") || /^[a-z][a-z0-9+.-]*:/i.test(url)) return url;
  const [p, hash] = url.split("#", 2);
  const dir = repoPath.split("/").slice(0, -1).join("/");
  const target = sitePathFor(site, join(dir, p).replace(/\\/g, "/"));
  if (!target) {
    site.warnings.push(`${repoPath}: link to ${url} points at nothing the site publishes`);
    return url;
  }
  return href(page, hash && !target.includes("#") ? `${target}#${hash}` : target);
}

function chapterIndex(site: Site, chapter: Chapter, files: Record<Tree, string[]>): Page {
  const path = codeIndexPage(chapter.id);
  const student = site.edition === "student";
  const list = (tree: Tree, what: string) =>
    `<section><h2><code>${tree}/${chapter.id}/</code></h2><p>${what}</p>${
      files[tree].length
        ? `<ul class="file-list">${files[tree].map((f) => `<li><a href="${escapeHtml(href(path, codePage(tree, chapter.id, f)))}">${escapeHtml(f)}</a></li>`).join("")}</ul>`
        : `<p class="note">Not generated yet: <code>npm run labs</code> writes it.</p>`
    }</section>`;
  return {
    path,
    title: `Code of chapter ${chapterNumber(chapter)}: ${chapter.title}`,
    kind: "code",
    body: `<article class="code-index">
<p class="eyebrow">Chapter ${chapterNumber(chapter)} · <a href="${escapeHtml(href(path, chapterPage(chapter.id)))}">read the chapter</a></p>
<h1>${escapeHtml(chapter.title)}: the code</h1>
${student
    ? list("labs", "Your lab: the starter as it was handed out, with what you have written since. A task you have not done yet throws “not implemented yet”.")
    : `${list("solutions", "The reference solution, as the tests check it.")}
${list("labs", "What the learner starts from: each solution block becomes a task that throws “not implemented yet”. Each page shows the diff to the reference.")}`}
</article>`,
  };
}

function codeHome(site: Site): Page {
  const path = "code/index.html";
  const items = site.published.map((c) =>
    `<li><a href="${escapeHtml(href(path, codeIndexPage(c.id)))}"><span class="num">${chapterNumber(c)}</span> ${escapeHtml(c.title)}</a> <span class="muted">${escapeHtml(c.summary)}</span></li>`,
  ).join("");
  const student = site.edition === "student";
  const title = student ? "Your code" : "Reference code";
  return {
    path,
    title,
    kind: "code",
    body: `<article class="code-index">
<h1>${title}</h1>
${student
    ? `<p>The lab of every ready chapter, as it is in your <code>labs/</code>: the starter, and what you have written since.
Chapters include their code from here, so they show your own code beside the narrative.</p>`
    : `<p>The reference solution of every ready chapter, and the lab generated from it. Chapters include their code from here, so
what you read there is what the tests run.</p>`}
${items ? `<ol class="chapter-code-list">${items}</ol>` : `<p class="note">No chapter is ready yet.</p>`}
</article>`,
  };
}
