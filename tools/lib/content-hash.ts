// A hash of the content of files under a root, for the caches in .course/cache/ that are kept while nothing they
// depend on changes (the test listing, the site's build, passing notebook runs): every file of some folders (without
// node_modules/ and dot-files) and some single files, each hashed with its path.
import type { Hash } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

/** Every file under `dir` (relative to `root`), as paths relative to `root`; `skip` names folders left out. */
export function filesUnder(root: string, dir: string, skip: ReadonlySet<string> = new Set()): string[] {
  const abs = join(root, dir);
  if (!existsSync(abs) || skip.has(dir)) return [];
  return readdirSync(abs, { withFileTypes: true })
    .filter((d) => d.name !== "node_modules" && !d.name.startsWith("."))
    .flatMap((d) => (d.isDirectory() ? filesUnder(root, `${dir}/${d.name}`, skip) : [`${dir}/${d.name}`]));
}

/** Adds to `hash` the path and content of every file of `dirs` and of the `files` that exist, in a fixed order. */
export function hashInputs(hash: Hash, root: string, dirs: readonly string[], files: readonly string[], skip?: ReadonlySet<string>): Hash {
  const inputs = [...dirs.flatMap((d) => filesUnder(root, d, skip)), ...files.filter((f) => existsSync(join(root, f)))].sort();
  for (const f of inputs) {
    hash.update(`\0${f}\0`);
    hash.update(readFileSync(join(root, f)));
  }
  return hash;
}
