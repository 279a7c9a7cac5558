// Small file-tree helpers shared by the course tools.
import { randomUUID } from "node:crypto";
import { mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, isAbsolute, join, relative, sep } from "node:path";

/** Every file under `dir`, as paths relative to it, sorted; missing folder → empty list. */
export function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    let names: string[];
    try {
      names = readdirSync(d);
    } catch {
      return;
    }
    for (const name of names.sort()) {
      if (name === "node_modules" || name === ".DS_Store") continue;
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else out.push(relative(dir, p));
    }
  };
  walk(dir);
  return out;
}

/**
 * Writes `text` to `path` whole: under another name first (one no other process or thread writing the same file
 * uses), then renamed, so that a reader sees all of it or nothing. Creates the folder; throws what the write threw.
 */
export function writeWhole(path: string, text: string): void {
  const partial = `${path}.${randomUUID()}.tmp`;
  try {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(partial, text);
    renameSync(partial, path);
  } catch (e) {
    rmSync(partial, { force: true });
    throw e;
  }
}

export const isSource = (file: string): boolean => /\.(ts|tsx|mts)$/.test(file);

/** Is `path` inside the folder `dir` (or `dir` itself)? A sibling whose name begins with ".." counts as inside. */
export function isInside(dir: string, path: string): boolean {
  const rel = relative(dir, path);
  return rel !== ".." && !rel.startsWith(`..${sep}`) && !isAbsolute(rel);
}
