// What labs/ should contain: each ready chapter's solution folder with solution blocks turned into stubs, and a
// plain copy of the course-owned module the demos share (solutions/00-common), so labs/NN-slug runs on its own.
// Used by `npm run labs`, `npm run labs:check`, the course checks and the student export.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { isSource, listFiles } from "./files";
import { type Manifest, readyChapters, ROOT } from "./manifest";
import { toStarter } from "./markers";

/** The folder of solutions/ (and labs/) that is no chapter: what every demo shares. Sorts before chapter 01. */
export const COMMON = "00-common";

/** Expected contents of labs/, keyed by path relative to labs/. */
export function expectedLabs(m: Manifest, root = ROOT): Map<string, string> {
  const out = new Map<string, string>();
  for (const f of listFiles(join(root, "solutions", COMMON))) out.set(`${COMMON}/${f}`, readFileSync(join(root, "solutions", COMMON, f), "utf8"));
  for (const c of readyChapters(m)) {
    const dir = join(root, "solutions", c.id);
    const files = listFiles(dir);
    if (!files.length) throw new Error(`chapter ${c.id} is ready but solutions/${c.id}/ is empty`);
    for (const f of files) {
      const text = readFileSync(join(dir, f), "utf8");
      const shown = `solutions/${c.id}/${f}`;
      out.set(`${c.id}/${f}`, isSource(f) ? toStarter(text, shown, c.id) : text);
    }
  }
  return out;
}
