// The page shell shared by every page of the course site, and relative links between pages
// (the site must work from any sub-path of a plain file server, so no link starts with "/").
import { posix } from "node:path";
import { escapeHtml } from "./highlight";
import type { Edition } from "./site";

/** The module every page loads; the build's vite plugin resolves it to site/src/client/main.ts. */
export const CLIENT_ENTRY = "/@course-client";
/** The generated syntax colours, written into vite's staging root by the build and bundled with the stylesheet. */
export const TOKENS_CSS = "/tokens.css";

/** A page of the site, by its path from the site's root (always ending in .html). */
export interface Page {
  readonly path: string;
  readonly title: string;
  readonly body: string;
  /** A class on <body>, so the stylesheet can lay out each kind of page. */
  readonly kind: "home" | "chapter" | "code" | "notebook" | "bench";
  readonly description?: string;
}

/** A link from one page (or file) of the site to another, relative, keeping any #fragment. */
export function href(from: string, to: string): string {
  const [path, hash] = to.split("#", 2);
  let rel = path === from ? "" : posix.relative(posix.dirname(from), path);
  if (path !== from && rel === "") rel = posix.basename(path);
  return hash === undefined ? rel : `${rel}#${hash}`;
}

/**
 * A whole page. `head` holds the tags vite wrote for the site's root page (its script and stylesheets, linked as
 * `./assets/…`); they are made relative to this page.
 */
export function renderPage(page: Page, siteTitle: string, head: string, edition: Edition = "course"): string {
  const depth = page.path.split("/").length - 1;
  const assets = depth ? "../".repeat(depth) : "./";
  const to = (p: string) => escapeHtml(href(page.path, p));
  const student = edition === "student";
  const nav = [
    ["index.html#chapters", "Chapters"],
    ["code/index.html", student ? "Your code" : "Reference code"],
    ...(student ? [] : [["bench.html", "Benchmarks"]]),
  ].map(([p, label]) => `<a href="${to(p)}">${label}</a>`).join("");
  const title = page.path === "index.html" ? siteTitle : `${page.title} · ${siteTitle}`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
${page.description ? `<meta name="description" content="${escapeHtml(page.description)}">\n` : ""}<link rel="icon" href="data:,">
${head.replaceAll('"./assets/', `"${assets}assets/`)}
</head>
<body class="page-${page.kind}">
<header class="site-header">
  <a class="brand" href="${to("index.html")}"><span class="brand-mark" aria-hidden="true">⁂</span> ${escapeHtml(siteTitle)}</a>
  <nav aria-label="Site">${nav}</nav>
</header>
<main id="main">
${page.body}
</main>
<footer class="site-footer">
  <p>${escapeHtml(siteTitle)} — ${student
    ? "the code on this site is yours: each lab's starter as it was handed out, and what you have written in <code>labs/</code> since."
    : "every line of code on this site is included from the tested reference in <code>solutions/</code>."}</p>
</footer>
</body>
</html>
`;
}
