// What labs/ should contain: each ready chapter's solution folder with solution blocks turned into stubs.
// Used by `npm run labs`, `npm run labs:check`, the course checks and the student export.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { isSource, listFiles } from "./files";
import { type Manifest, readyChapters, ROOT } from "./manifest";
import { toStarter } from "./markers";

/** Expected contents of labs/, keyed by path relative to labs/. */
export function expectedLabs(m: Manifest, root = ROOT): Map<string, string> {
  const out = new Map<string, string>();
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
