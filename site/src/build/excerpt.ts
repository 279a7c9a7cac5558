// One included region of reference code, as the chapter page shows it: highlighted, captioned with a link to
// the whole file, and with the bodies of solution blocks folded behind a "show the reference" control.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { extractRegion } from "../../../tools/lib/markers";
import { escapeHtml, highlightFileLines, langFor } from "./highlight";
import { href } from "./layout";
import type { IncludeMeta } from "./markdown";
import { codePage, codeTree, type Site } from "./site";

/** Thrown when a chapter includes a file or region that does not exist: the build must stop. */
export class IncludeError extends Error {}

export function renderExcerpt(site: Site, chapterFile: string, inc: IncludeMeta, fromPage: string): string {
  const where = `${chapterFile}:${inc.line}: <<< ${inc.file}#${inc.region}`;
  const sourcePath = `solutions/${inc.file}`;
  const abs = join(site.root, sourcePath);
  if (!existsSync(abs)) throw new IncludeError(`${where}: file ${sourcePath} does not exist`);
  const text = readFileSync(abs, "utf8");
  let excerpt;
  try {
    excerpt = extractRegion(text, sourcePath, inc.region);
  } catch (e) {
    throw new IncludeError(`${where}: ${(e as Error).message}`);
  }
  // The whole file is highlighted (once, however many regions are cut from it): a region alone would lose its
  // context, e.g. a region inside a class body would be read as statements, leaving `constructor(` uncoloured.
  const lines = highlightFileLines(text, langFor(inc.file), excerpt.sourceLines, excerpt.indent);
  const block = (from: number, to: number) =>
    `<pre class="shiki"><code>${lines.slice(from, to).map((l) => `<span class="line">${l}</span>`).join("\n")}</code></pre>`;

  const parts: string[] = [];
  let next = 0;
  for (const span of excerpt.solutionSpans) {
    if (span.start > next) parts.push(block(next, span.start));
    const n = span.end - span.start;
    parts.push(`<details class="reference">
<summary><span class="reveal">Show the reference</span> <span class="task">task ${span.task}: ${escapeHtml(span.name)} · ${n} line${n === 1 ? "" : "s"}</span></summary>
${block(span.start, span.end)}
</details>`);
    next = span.end;
  }
  if (next < lines.length) parts.push(block(next, lines.length));

  const [id, ...rest] = inc.file.split("/");
  const tree = codeTree(site);
  const link = href(fromPage, `${codePage(tree, id, rest.join("/"))}#region-${inc.region}`);
  return `<figure class="excerpt" data-region="${escapeHtml(inc.region)}">
<figcaption><a href="${escapeHtml(link)}" title="The whole file">${escapeHtml(`${tree}/${inc.file}`)}</a><span class="region">#${escapeHtml(inc.region)}</span></figcaption>
${parts.join("\n")}
</figure>`;
}
