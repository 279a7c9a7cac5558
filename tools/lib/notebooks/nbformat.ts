// Course machinery for the notebooks (all chapters): the slice of nbformat 4 we read and write, finding a chapter's
// notebook, stripping outputs, and a plain-text view of outputs for the terminal.
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Chapter, Manifest } from "../manifest";

/** nbformat stores text either as one string or as a list of lines; we read both and write lists. */
export type Multiline = string | string[];

export type Output =
  | { output_type: "stream"; name: "stdout" | "stderr"; text: Multiline }
  | { output_type: "display_data"; data: Record<string, Multiline>; metadata: Record<string, unknown> }
  | { output_type: "execute_result"; data: Record<string, Multiline>; metadata: Record<string, unknown>; execution_count: number | null }
  | { output_type: "error"; ename: string; evalue: string; traceback: string[] };

export interface Cell {
  cell_type: "markdown" | "code" | "raw";
  source: Multiline;
  metadata: Record<string, unknown>;
  id?: string;
  outputs?: Output[];
  execution_count?: number | null;
}

export interface Notebook {
  cells: Cell[];
  metadata: {
    kernelspec?: { name: string; display_name: string; language?: string };
    language_info?: Record<string, unknown>;
    [key: string]: unknown;
  };
  nbformat: number;
  nbformat_minor: number;
}

/** The kernel every course notebook names: tslab's TypeScript kernel (see kernel.cjs for how ours starts). */
export const KERNELSPEC = { name: "tslab", display_name: "TypeScript", language: "typescript" } as const;

export const NOTEBOOK_DIR = "notebooks";
export const notebookPath = (id: string): string => `${NOTEBOOK_DIR}/${id}.ipynb`;

export const text = (m: Multiline | undefined): string => (Array.isArray(m) ? m.join("") : m ?? "");

/** Splits text into nbformat's list of lines, each keeping its newline (what Jupyter itself writes). */
export const lines = (s: string): string[] => s.match(/[^\n]*\n|[^\n]+$/g) ?? [];

export function readNotebook(file: string): Notebook {
  let nb: Notebook;
  try {
    nb = JSON.parse(readFileSync(file, "utf8")) as Notebook;
  } catch (e) {
    throw new Error(`${file}: not JSON (${(e as Error).message})`);
  }
  if (!Array.isArray(nb.cells) || nb.nbformat !== 4) throw new Error(`${file}: not an nbformat 4 notebook`);
  return nb;
}

/** Jupyter's own layout (keys sorted, one-space indent, trailing newline), so a notebook saved by Jupyter diffs cleanly. */
export const serialize = (nb: Notebook): string => `${JSON.stringify(sortKeys(nb), null, 1)}\n`;

const sortKeys = (v: unknown): unknown =>
  Array.isArray(v)
    ? v.map(sortKeys)
    : v && typeof v === "object"
      ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortKeys((v as Record<string, unknown>)[k])]))
      : v;

export const writeNotebook = (file: string, nb: Notebook): void => writeFileSync(file, serialize(nb));

/** What a committed notebook must not carry: outputs or execution counts (they belong to whoever ran it). */
export function leftovers(nb: Notebook): string[] {
  const found: string[] = [];
  nb.cells.forEach((c, i) => {
    if (c.cell_type !== "code") return;
    if (c.outputs?.length) found.push(`cell ${i + 1} has outputs`);
    if (c.execution_count != null) found.push(`cell ${i + 1} has an execution count`);
  });
  return found;
}

/** The notebook as it should be committed: same cells and sources, no outputs, no counts, no run metadata. */
export function stripped(nb: Notebook): Notebook {
  return {
    ...nb,
    metadata: { kernelspec: nb.metadata.kernelspec ?? { ...KERNELSPEC }, language_info: nb.metadata.language_info },
    cells: nb.cells.map((c) => {
      const { outputs: _o, execution_count: _e, ...rest } = c;
      // Jupyter records run times and scroll state in cell metadata; none of it belongs in the repository.
      const metadata = Object.fromEntries(Object.entries(c.metadata ?? {}).filter(([k]) => !["execution", "collapsed", "scrolled"].includes(k)));
      return c.cell_type === "code" ? { ...rest, metadata, outputs: [], execution_count: null } : { ...rest, metadata };
    }),
  };
}

/** Notebook files present in notebooks/, as chapter-like ids (file names without `.ipynb`). */
export function notebookIds(root: string): string[] {
  const dir = join(root, NOTEBOOK_DIR);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith(".ipynb"))
    .map((f) => f.slice(0, -".ipynb".length))
    .sort();
}

/** The chapters that have a notebook file, in course order. */
export const chaptersWithNotebooks = (root: string, m: Manifest): Chapter[] =>
  m.chapters.filter((c) => existsSync(join(root, notebookPath(c.id))));

const ENTITIES: Record<string, string> = { "&amp;": "&", "&lt;": "<", "&gt;": ">", "&quot;": '"', "&#39;": "'", "&nbsp;": " " };

/**
 * A terminal-friendly view of one output: streams as they are, HTML tables as rows of `|`-separated cells, SVG as a
 * one-line note. Written by hand because it only needs to read the few shapes our own display helpers produce.
 */
export function outputAsText(o: Output): string {
  if (o.output_type === "stream") return text(o.text);
  if (o.output_type === "error") return `${o.ename}: ${o.evalue}\n`;
  const data = o.data;
  if (data["text/plain"]) return `${text(data["text/plain"])}\n`;
  if (data["text/markdown"]) return `${text(data["text/markdown"])}\n`;
  if (data["text/html"]) {
    const plain = text(data["text/html"])
      .replace(/<\/t[hd]>\s*/g, " | ")
      .replace(/<\/tr>|<br\s*\/?>|<\/p>|<\/caption>|<\/div>/g, "\n")
      .replace(/<tr[^>]*>/g, "| ")
      .replace(/<[^>]+>/g, "")
      .replace(/&[a-z#0-9]+;/g, (e) => ENTITIES[e] ?? e)
      .split("\n")
      .map((l) => l.trimEnd())
      .filter((l) => l.trim())
      .join("\n");
    return `${plain}\n`;
  }
  if (data["image/svg+xml"]) {
    const title = /<title>([^<]*)<\/title>/.exec(text(data["image/svg+xml"]))?.[1];
    return `[SVG picture${title ? `: ${title}` : ""} — open the notebook in Jupyter or on the site to see it]\n`;
  }
  return `[${Object.keys(data).join(", ")}]\n`;
}
