// Executes the chapters' notebooks for the site (they are committed without outputs), through the notebook tools'
// runner (tools/notebooks: tslab's API in a child process with a time limit). Results are cached in .course/, keyed
// by the notebook and the reference code it imports, so `npm start` re-runs a notebook only when one of them changed.
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Chapter } from "../../../tools/lib/manifest";
import { problems, runNotebook } from "../../../tools/lib/notebooks/run";
import { withOutputs } from "../../../tools/lib/notebooks/execute";
import { readNotebook, stripped, type Notebook } from "../../../tools/lib/notebooks/nbformat";
import { listFiles } from "./site";

export interface ExecutedNotebook {
  readonly notebook: Notebook;
  /** Empty when every cell ran; otherwise what went wrong, shown on the page and as a build warning. */
  readonly problems: string[];
}

const CACHE = ".course/site-notebooks";

/** A notebook may import any chapter's reference code, so every file of solutions/ is part of the key. */
function keyOf(root: string, file: string): string {
  const h = createHash("sha256").update(readFileSync(join(root, file)));
  for (const f of listFiles(join(root, "solutions"))) h.update(f).update(readFileSync(join(root, "solutions", f)));
  return h.digest("hex");
}

/**
 * Runs the notebooks of `chapters` (two at a time), or takes them from the cache. `progress` hears of each one —
 * "notebook 03-cancellation: running…", then "…: done in 8.1 s" — since a first run takes minutes.
 */
/**
 * Runs the notebooks of `chapters` (two at a time), or takes them from the cache. `progress` hears of each one run —
 * "notebook 03-cancellation: running…", then "…: done in 8.1 s" — since a first run takes minutes.
 */
export async function executeNotebooks(
  root: string,
  chapters: readonly Chapter[],
  progress: (line: string) => void = () => {},
): Promise<Map<string, ExecutedNotebook>> {
  const out = new Map<string, ExecutedNotebook>();
  mkdirSync(join(root, CACHE), { recursive: true });
  const todo: { id: string; file: string; key: string; cached: string }[] = [];
  for (const c of chapters) {
    const file = `notebooks/${c.id}.ipynb`;
    if (!existsSync(join(root, file))) continue;
    const key = keyOf(root, file);
    const cached = join(root, CACHE, `${c.id}.json`);
    const hit = existsSync(cached) ? (JSON.parse(readFileSync(cached, "utf8")) as { key: string; result: ExecutedNotebook }) : null;
    if (hit?.key === key) out.set(c.id, hit.result);
    else todo.push({ id: c.id, file, key, cached });
  }
  if (todo.length) {
    progress(`Running ${todo.length} notebook${todo.length === 1 ? "" : "s"} for their outputs (seconds each, cached in ${CACHE}/ afterwards)…`);
  }
  let next = 0;
  // Two at a time: each one starts tslab's own TypeScript compiler, which is CPU-bound for seconds.
  const lane = async () => {
    while (next < todo.length) {
      const { id, file, key, cached } = todo[next++];
      progress(`notebook ${id}: running…`);
      const started = Date.now();
      const report = await runNotebook(file, undefined, root);
      // Stack traces name files by absolute path; the page shows them relative to the repository.
      const where = (p: string) => p.split(`${root}/`).join("");
      const result: ExecutedNotebook = {
        notebook: withOutputs(stripped(readNotebook(join(root, file))), report),
        problems: problems(report).map(where),
      };
      writeFileSync(cached, JSON.stringify({ key, result }));
      out.set(id, result);
      const took = `${((Date.now() - started) / 1000).toFixed(1)} s`;
      const n = result.problems.length;
      progress(`notebook ${id}: ${n ? `${n} problem${n === 1 ? "" : "s"} after ${took} (shown on its page)` : `done in ${took}`}`);
    }
  };
  await Promise.all([lane(), lane()]);
  return out;
}
