// Executes the chapters' notebooks for the site (they are committed without outputs), through the notebook tools'
// runner (tools/lib/notebooks: tslab's API in child processes, with a time limit per notebook). Results are cached in
// .course/, keyed by the notebook and the reference code it imports, so `npm start` re-runs a notebook only when one
// of them changed.
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Chapter } from "../../../tools/lib/manifest";
import { problems, runNotebooks } from "../../../tools/lib/notebooks/run";
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
 * Runs the notebooks of `chapters` (a process per core, each running its share one after another, so tslab and its
 * compiler load and warm up once per process), or takes them from the cache. `progress` hears of each one run —
 * "notebook 03-cancellation: running…", then "…: done in 8.1 s" — since a first run takes minutes.
 */
export async function executeNotebooks(
  root: string,
  chapters: readonly Chapter[],
  progress: (line: string) => void = () => {},
): Promise<Map<string, ExecutedNotebook>> {
  const out = new Map<string, ExecutedNotebook>();
  mkdirSync(join(root, CACHE), { recursive: true });
  const todo = new Map<string, { id: string; key: string; cached: string }>();
  for (const c of chapters) {
    const file = `notebooks/${c.id}.ipynb`;
    if (!existsSync(join(root, file))) continue;
    const key = keyOf(root, file);
    const cached = join(root, CACHE, `${c.id}.json`);
    const hit = existsSync(cached) ? (JSON.parse(readFileSync(cached, "utf8")) as { key: string; result: ExecutedNotebook }) : null;
    if (hit?.key === key) out.set(c.id, hit.result);
    else todo.set(file, { id: c.id, key, cached });
  }
  if (!todo.size) return out;
  progress(`Running ${todo.size} notebook${todo.size === 1 ? "" : "s"} for their outputs (seconds each, cached in ${CACHE}/ afterwards)…`);
  // Stack traces name files by absolute path; the page shows them relative to the repository.
  const where = (p: string) => p.split(`${root}/`).join("");
  await runNotebooks([...todo.keys()], undefined, root, {
    started: (file) => progress(`notebook ${todo.get(file)!.id}: running…`),
    finished: (report) => {
      const { id, key, cached } = todo.get(report.file)!;
      const result: ExecutedNotebook = {
        notebook: withOutputs(stripped(readNotebook(join(root, report.file))), report),
        problems: problems(report, root).map(where),
      };
      writeFileSync(cached, JSON.stringify({ key, result }));
      out.set(id, result);
      const took = `${(report.ms / 1000).toFixed(1)} s`;
      const n = result.problems.length;
      progress(`notebook ${id}: ${n ? `${n} problem${n === 1 ? "" : "s"} after ${took} (shown on its page)` : `done in ${took}`}`);
    },
  });
  return out;
}
