// A chapter's notebook (notebooks/NN-slug.ipynb, nbformat 4) rendered read-only: markdown cells as prose, code
// cells highlighted, and whatever outputs the file holds (streams, results, images, errors).
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Chapter } from "../../../tools/lib/manifest";
import { escapeHtml, highlightBlock } from "./highlight";
import { href, type Page } from "./layout";
import { createMarkdown } from "./markdown";
import { chapterNumber, chapterPage, notebookPage, type Site } from "./site";

const md = createMarkdown();

type Multiline = string | string[];
interface Output {
  output_type: "stream" | "execute_result" | "display_data" | "error";
  name?: string;
  text?: Multiline;
  data?: Record<string, Multiline>;
  ename?: string;
  evalue?: string;
  traceback?: string[];
}
interface Cell {
  cell_type: "markdown" | "code" | "raw";
  source: Multiline;
  outputs?: Output[];
  execution_count?: number | null;
}
interface Notebook {
  cells: Cell[];
  metadata?: { kernelspec?: { display_name?: string; language?: string } };
}

const text = (m: Multiline | undefined): string => (Array.isArray(m) ? m.join("") : m ?? "");
// Kernels colour errors and logs with ANSI escapes; the page shows plain text.
const stripAnsi = (s: string): string => s.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, "");

function renderOutput(o: Output): string {
  if (o.output_type === "stream") {
    return `<pre class="output ${o.name === "stderr" ? "stderr" : "stdout"}">${escapeHtml(stripAnsi(text(o.text)))}</pre>`;
  }
  if (o.output_type === "error") {
    const tb = o.traceback?.length ? o.traceback.join("\n") : `${o.ename}: ${o.evalue}`;
    return `<pre class="output error">${escapeHtml(stripAnsi(tb))}</pre>`;
  }
  const data = o.data ?? {};
  // Outputs come from our own notebooks, run by our own build, so their HTML and SVG are shown as they are.
  if (data["image/svg+xml"]) return `<div class="output image">${text(data["image/svg+xml"])}</div>`;
  if (data["image/png"]) return `<div class="output image"><img alt="cell output" src="data:image/png;base64,${text(data["image/png"]).trim()}"></div>`;
  if (data["text/html"]) return `<div class="output html">${text(data["text/html"])}</div>`;
  if (data["text/plain"]) return `<pre class="output result">${escapeHtml(stripAnsi(text(data["text/plain"])))}</pre>`;
  return "";
}

/**
 * The notebook's page, or null when the chapter has none. `executed` is the notebook with outputs from a run of the
 * build (see notebook-run.ts); without it the committed file is shown as it is.
 */
export function renderNotebook(site: Site, chapter: Chapter, executed?: { notebook: unknown; problems: string[] }): Page | null {
  const file = join(site.root, "notebooks", `${chapter.id}.ipynb`);
  if (!existsSync(file)) return null;
  const path = notebookPage(chapter.id);
  let nb: Notebook;
  try {
    nb = (executed?.notebook ?? JSON.parse(readFileSync(file, "utf8"))) as Notebook;
    if (!Array.isArray(nb.cells)) throw new Error("no cells");
  } catch (e) {
    throw new Error(`notebooks/${chapter.id}.ipynb: not a notebook (${(e as Error).message})`);
  }
  const failed = executed?.problems.length
    ? `<div class="note warn"><p>The build ran this notebook and a cell failed; outputs stop there:</p><pre>${escapeHtml(executed.problems.join("\n"))}</pre></div>`
    : "";
  if (failed) site.warnings.push(...executed!.problems);
  const hasOutputs = nb.cells.some((c) => c.outputs?.length);
  // A notebook that opens with its own "# title" gets no second title from the page.
  const ownTitle = nb.cells[0]?.cell_type === "markdown" && /^#\s/.test(text(nb.cells[0].source).trimStart());
  const cells = nb.cells.map((c) => {
    if (c.cell_type === "markdown") return `<div class="nb-cell nb-md prose">${md.render(text(c.source))}</div>`;
    if (c.cell_type === "raw") return `<pre class="nb-cell nb-raw">${escapeHtml(text(c.source))}</pre>`;
    const count = c.execution_count ?? " ";
    return `<div class="nb-cell nb-code"><div class="nb-in"><span class="nb-prompt">In [${count}]</span>${highlightBlock(text(c.source), "typescript")}</div>${
      c.outputs?.length ? `<div class="nb-out">${c.outputs.map(renderOutput).join("")}</div>` : ""
    }</div>`;
  });
  const to = (p: string) => escapeHtml(href(path, p));
  return {
    path,
    title: `Notebook: ${chapter.title}`,
    kind: "notebook",
    body: `<article class="notebook">
<p class="eyebrow">Chapter ${chapterNumber(chapter)} · <a href="${to(chapterPage(chapter.id))}">${escapeHtml(chapter.title)}</a></p>
${ownTitle ? "" : `<h1>Notebook: ${escapeHtml(chapter.title)}</h1>`}
<p class="file-note">A read-only view of <code>notebooks/${chapter.id}.ipynb</code>${
      hasOutputs ? "" : " (shown without outputs: run it in Jupyter with the tslab kernel to see them)"
    }${executed ? "; the outputs are from running it when this site was built" : ""}. ${site.edition === "student"
      ? "It runs your own code from <code>labs/</code>: open it in Jupyter to experiment (a task you have not done yet says “not implemented yet”)."
      : "Open it yourself to experiment with the chapter's code."}</p>
${failed}
${cells.join("\n")}
</article>`,
  };
}
