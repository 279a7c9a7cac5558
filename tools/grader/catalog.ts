// The test catalog (test/catalog.json): the name and points of every grading test, per lab, written by the
// export from the reference. A copy without solutions/ cannot list the tests a lab should pass by running
// them on the reference, so the grader reads them here, and tests a broken lab never reached still show by name.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";

export const CATALOG = "test/catalog.json";

export interface CatalogTest {
  /** Test file, relative to the course root (posix). */
  readonly file: string;
  /** Full name as vitest reports it: "describe > test". */
  readonly name: string;
  readonly points: number;
  readonly visibility: "visible" | "hidden";
}

export interface Catalog {
  readonly labs: Readonly<Record<string, { readonly points: number; readonly tests: readonly CatalogTest[] }>>;
}

export function readCatalog(root: string): Catalog | null {
  const file = join(root, CATALOG);
  if (!existsSync(file)) return null;
  try {
    return JSON.parse(readFileSync(file, "utf8")) as Catalog;
  } catch {
    return null; // a damaged catalog costs only the names of tests that never ran; the points still count
  }
}

/** Expected test names by absolute test file path, for the files being graded. */
export function catalogTests(root: string, files: readonly string[]): Map<string, string[]> {
  const byFile = new Map<string, string[]>();
  const catalog = readCatalog(root);
  if (!catalog) return byFile;
  const wanted = new Set(files);
  for (const lab of Object.values(catalog.labs)) {
    for (const t of lab.tests) {
      const abs = join(root, t.file);
      if (wanted.has(abs)) byFile.set(abs, [...(byFile.get(abs) ?? []), t.name]);
    }
  }
  return byFile;
}
