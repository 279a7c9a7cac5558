// Course check: the points written in the tests agree with the manifest — public tests add up to a lab's
// `points`, instructor-only tests (test/hidden/) to its `hiddenPoints` — and the test catalog the exports
// ship lists every test with its points.
import { describe, expect, it } from "vitest";
import { buildCatalog } from "../../tools/export/catalog";
import { testFilesOf } from "../../tools/grader/test-files";
import { hiddenPoints, loadManifest, readyChapters, ROOT } from "../../tools/lib/manifest";

const ready = readyChapters(loadManifest());
const catalog = buildCatalog(ROOT, ready.map((lab) => ({ lab, files: testFilesOf(ROOT, lab) })));

describe("points of public and instructor-only tests", () => {
  it.each(ready.map((c) => [c.id, c] as const))("%s: public tests add up to points, hidden tests to hiddenPoints", (_id, lab) => {
    const tests = catalog.labs[lab.id].tests;
    const sum = (v: string) => tests.filter((t) => t.visibility === v).reduce((s, t) => s + t.points, 0);
    expect(tests.length).toBeGreaterThan(0);
    expect(sum("visible"), "public test points").toBe(lab.points);
    expect(sum("hidden"), "instructor-only test points (hiddenPoints in course.json)").toBe(hiddenPoints(lab));
    expect(catalog.labs[lab.id].points).toBe(lab.points + hiddenPoints(lab));
  });

  it("no two tests of a lab share a name (the grader keys results by name)", () => {
    for (const [id, lab] of Object.entries(catalog.labs)) {
      const names = lab.tests.map((t) => t.name);
      expect(names.filter((n, i) => names.indexOf(n) !== i), id).toEqual([]);
    }
  });
});
