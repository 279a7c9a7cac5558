// Course machinery for the notebooks (all chapters): executed copies of the notebooks for the site, written to a
// git-ignored folder. Committed notebooks carry no outputs; the site shows these instead when they exist.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "../lib/manifest";
import { withOutputs } from "../lib/notebooks/execute";
import { notebookPath, readNotebook, serialize, stripped } from "../lib/notebooks/nbformat";
import { problems, runNotebooks } from "../lib/notebooks/run";

/** Where executed notebooks go, relative to the repository root (inside the git-ignored .course/). */
export const EXECUTED_DIR = ".course/notebooks";

/** The executed copy of chapter `id`'s notebook, relative to the root: `.course/notebooks/NN-slug.ipynb`. */
export const executedPath = (id: string): string => `${EXECUTED_DIR}/${id}.ipynb`;

export interface Executed {
  readonly id: string;
  /** Relative to the root. Written even when a cell failed (with the outputs up to the failure). */
  readonly path: string;
  /** Empty when every cell ran. */
  readonly problems: string[];
}

/**
 * Runs the notebooks of chapters `ids` through tslab's API (no Jupyter needed) and writes each, with its outputs and
 * execution counts, to `.course/notebooks/`. Several at once; about 5–10 s per notebook.
 */
export async function writeExecutedNotebooks(ids: readonly string[], root = ROOT): Promise<Executed[]> {
  mkdirSync(join(root, EXECUTED_DIR), { recursive: true });
  const reports = await runNotebooks(ids.map(notebookPath), undefined, root);
  return reports.map((r, i) => {
    const id = ids[i]!;
    const path = executedPath(id);
    writeFileSync(join(root, path), serialize(withOutputs(stripped(readNotebook(join(root, r.file))), r)));
    return { id, path, problems: problems(r, root) };
  });
}
