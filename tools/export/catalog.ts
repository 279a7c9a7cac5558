// Writes the test catalog a copy without solutions/ grades from: every grading test's name and points,
// listed by vitest from the reference (the same list the grader makes when solutions/ is at hand).
import type { Catalog, CatalogTest } from "../grader/catalog";
import { pointsOf } from "../grader/points";
import type { TestFile } from "../grader/run-lab";
import { hiddenPoints, type Chapter } from "../lib/manifest";
import { listTests } from "../lib/test-list";
import { relativePosix } from "./select";

export function buildCatalog(root: string, labs: readonly { lab: Chapter; files: readonly TestFile[] }[]): Catalog {
  const all = labs.flatMap((l) => l.files.map((f) => f.path));
  if (!all.length) return { labs: {} };
  const listed = listTests(root, all, 120_000);
  const result: Record<string, { points: number; tests: CatalogTest[] }> = {};
  for (const { lab, files } of labs) {
    const tests: CatalogTest[] = [];
    for (const f of files) {
      for (const t of listed.filter((x) => x.file === f.path)) {
        const points = pointsOf(t.name);
        if (points === null) throw new Error(`${relativePosix(root, f.path)}: test "${t.name}" states no points ("… (N pts)")`);
        tests.push({ file: relativePosix(root, f.path), name: t.name, points, visibility: f.visibility });
      }
    }
    const hidden = files.some((f) => f.visibility === "hidden");
    result[lab.id] = { points: lab.points + (hidden ? hiddenPoints(lab) : 0), tests };
  }
  return { labs: result };
}
