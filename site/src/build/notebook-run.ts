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

export async function executeNotebooks(root: string, chapters: readonly Chapter[]): Promise<Map<string, ExecutedNotebook>> {
  const out = new Map<string, ExecutedNotebook>();
  const todo = chapters.filter((c) => existsSync(join(root, "notebooks", `${c.id}.ipynb`)));
  mkdirSync(join(root, CACHE), { recursive: true });
  let next = 0;
  // Two at a time: each one starts tslab's own TypeScript compiler, which is CPU-bound for seconds.
  const lane = async () => {
    while (next < todo.length) {
      const c = todo[next++];
      const file = `notebooks/${c.id}.ipynb`;
      const key = keyOf(root, file);
      const cached = join(root, CACHE, `${c.id}.json`);
      if (existsSync(cached)) {
        const hit = JSON.parse(readFileSync(cached, "utf8")) as { key: string; result: ExecutedNotebook };
        if (hit.key === key) {
          out.set(c.id, hit.result);
          continue;
        }
      }
      const report = await runNotebook(file, undefined, root);
      // Stack traces name files by absolute path; the page shows them relative to the repository.
      const where = (p: string) => p.split(`${root}/`).join("");
      const result: ExecutedNotebook = {
        notebook: withOutputs(stripped(readNotebook(join(root, file))), report),
        problems: problems(report).map(where),
      };
      writeFileSync(cached, JSON.stringify({ key, result }));
      out.set(c.id, result);
    }
  };
  await Promise.all([lane(), lane()]);
  return out;
}
