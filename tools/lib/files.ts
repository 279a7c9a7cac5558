// Small file-tree helpers shared by the course tools.
import { readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";

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

export const isSource = (file: string): boolean => /\.(ts|tsx|mts)$/.test(file);
