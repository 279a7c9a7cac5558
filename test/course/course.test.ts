// Course checks: the manifest, the markers, the includes, the points and the generated labs agree with
// each other, and every ready lab's starter fails its tests (reference.test.ts: the solutions earn every point).
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { isSource, listFiles } from "../../tools/lib/files";
import { parseHints } from "../../tools/lib/hints";
import { expectedLabs } from "../../tools/lib/labs";
import { hiddenPoints, loadManifest, readyChapters, ROOT } from "../../tools/lib/manifest";
import { extractRegion, INCLUDE, parseSource } from "../../tools/lib/markers";
import { pointsOf, taskOf } from "../../tools/grader/points";
import { withChapterTable } from "../../tools/lib/readme";
import { staleProse, staleReports } from "../../tools/lib/bench-tables";
import { listTests } from "../../tools/lib/test-list";
import { testFilesOf } from "../../tools/grader/test-files";
import { grade, type Graded } from "./grade-run";

const manifest = loadManifest();
const ready = readyChapters(manifest);
const read = (p: string): string => readFileSync(join(ROOT, p), "utf8");

describe("every ready chapter has all its parts", () => {
  it.each(ready.map((c) => c.id))("%s: narrative, solution, lab README, hints, demo and tests", (id) => {
    const c = ready.find((x) => x.id === id)!;
    for (const p of [`chapters/${id}.md`, `solutions/${id}/README.md`, `solutions/${id}/hints.md`, `solutions/${id}/${c.demo}`, `test/${id}.test.ts`]) {
      expect(existsSync(join(ROOT, p)), `${p} is missing`).toBe(true);
    }
  });
});

describe("markers and hints", () => {
  it.each(ready.map((c) => c.id))("%s: every task has a solution block, README section and 2–3 hint levels", (id) => {
    const blocks = listFiles(join(ROOT, "solutions", id))
      .filter(isSource)
      .flatMap((f) => parseSource(read(`solutions/${id}/${f}`), `solutions/${id}/${f}`).blocks);
    expect(blocks.length, `solutions/${id} has no solution blocks: the lab would have nothing to do`).toBeGreaterThan(0);
    const tasks = [...new Set(blocks.map((b) => b.task))].sort((a, b) => a - b);
    const hints = parseHints(read(`solutions/${id}/hints.md`), `solutions/${id}/hints.md`);
    expect(hints.map((h) => h.task)).toEqual(tasks);
    for (const h of hints) {
      expect(h.levels.length, `task ${h.task} of ${id} needs 2–3 hint levels`).toBeGreaterThanOrEqual(2);
      expect(h.levels.every((l) => l.text.length > 0)).toBe(true);
    }
    const readme = read(`solutions/${id}/README.md`);
    for (const t of tasks) expect(readme, `README of ${id} has no "## ${t}." section`).toMatch(new RegExp(`^## ${t}\\. `, "m"));
  });
});

describe("chapters include code by region, and only from solutions/", () => {
  const chapters = ready.map((c) => c.id);
  const used = new Set<string>();
  it.each(chapters)("%s: every include names an existing file and region", (id) => {
    const lines = read(`chapters/${id}.md`).split("\n");
    let includes = 0;
    for (const [i, line] of lines.entries()) {
      const m = line.match(INCLUDE);
      if (!m) continue;
      includes++;
      const file = join(ROOT, "solutions", m[1]);
      expect(existsSync(file), `chapters/${id}.md:${i + 1}: no file solutions/${m[1]}`).toBe(true);
      expect(() => extractRegion(readFileSync(file, "utf8"), `solutions/${m[1]}`, m[2]), `chapters/${id}.md:${i + 1}`).not.toThrow();
      used.add(`${m[1]}#${m[2]}`);
    }
    expect(includes, `chapters/${id}.md includes no code`).toBeGreaterThan(0);
  });
  it("every region in solutions/ is included by some chapter", () => {
    for (const c of ready) for (const line of read(`chapters/${c.id}.md`).split("\n")) {
      const m = line.match(INCLUDE);
      if (m) used.add(`${m[1]}#${m[2]}`);
    }
    const unused = ready.flatMap((c) =>
      listFiles(join(ROOT, "solutions", c.id)).filter(isSource).flatMap((f) =>
        parseSource(read(`solutions/${c.id}/${f}`), f).regions.map((r) => `${c.id}/${f}#${r.name}`).filter((k) => !used.has(k)),
      ),
    );
    expect(unused, "regions no chapter includes").toEqual([]);
  });
});

describe("points", () => {
  // The same listing the grader and the exports use (cached by content in .course/cache/: see tools/lib/test-list.ts).
  const listed = listTests(ROOT, ready.flatMap((c) => testFilesOf(ROOT, c).map((f) => f.path)));
  it.each(ready.map((c) => c.id))("%s: every test states its points and task, and they add up to the manifest's", (id) => {
    const tests = listed.filter((t) => t.file === join(ROOT, "test", `${id}.test.ts`));
    expect(tests.length).toBeGreaterThan(0);
    expect(tests.filter((t) => pointsOf(t.name) === null).map((t) => t.name), "tests without '(N pts)'").toEqual([]);
    expect(tests.filter((t) => taskOf(t.name) === null).map((t) => t.name), "tests outside a 'task N: …' describe").toEqual([]);
    expect(tests.reduce((s, t) => s + pointsOf(t.name)!, 0)).toBe(ready.find((c) => c.id === id)!.points);
  });
  it("a listing of some chapters' files is the whole listing's tests of those files (one vitest list answers both)", () => {
    const some = ready.filter((_, i) => i % 2 === 0).flatMap((c) => testFilesOf(ROOT, c).map((f) => f.path));
    const part = listTests(ROOT, some);
    expect(part.length).toBeGreaterThan(0);
    expect(part).toEqual(listed.filter((t) => some.includes(t.file)));
  });
});

describe("generated files are up to date", () => {
  // Generating every lab parses every solution file: seconds on a busy machine, so this test gets more time.
  it("labs/ is what npm run labs makes from solutions/", () => {
    const expected = expectedLabs(manifest);
    const stale = [...expected].filter(([f, text]) => !existsSync(join(ROOT, "labs", f)) || read(`labs/${f}`) !== text).map(([f]) => f);
    expect(stale, "run npm run labs").toEqual([]);
    const extra = listFiles(join(ROOT, "labs")).filter((f) => f !== ".gitkeep" && !expected.has(f));
    expect(extra, "files in labs/ that no solution makes").toEqual([]);
  }, 30_000);
  it("the README's chapter table is made from course.json", () => {
    expect(read("README.md")).toBe(withChapterTable(read("README.md"), manifest));
  });
  it("the benchmark tables in bench/ and chapters/ are what bench/results gives", () => {
    // Only the JSON decides the blocks, never git history: whether a result is stale is said by npm run bench:status
    // and the site (bench/README.md, "Reports").
    const differ = staleReports(ROOT).map(([file]) => file);
    expect(differ, "these files' <!-- bench: … --> blocks differ from bench/results/*.json: run npm run bench:tables").toEqual([]);
  });
  it("the prose around the benchmark figures was read against the figures there now", () => {
    // A new run rewrites the tables at once; the sentences around them ("ahead in every rep") wait for a reader.
    expect(staleProse(ROOT).map((p) => `${p.file}: ${p.why}`)).toEqual([]);
  });
});

describe("starters fail, through the grader", () => {
  // The chapters are graded in two halves at once, while the checks above run: each is a chain of child processes
  // that mostly waits on its own children, so together they keep both cores busy instead of one after the other.
  // `--target labs/` is what the grader grades by default, named so that it does not record the starters' zeros as
  // the learner's progress (two gradings at once would also race on that file). That the reference earns every
  // point is checked by reference.test.ts.
  const ids = ready.map((c) => c.id);
  const halves = [ids.filter((_, i) => i % 2 === 0), ids.filter((_, i) => i % 2 === 1)].filter((h) => h.length);
  let starters: Promise<Graded[]>;
  beforeAll(() => {
    starters = Promise.all(halves.map((h) => grade([...h, "--isolate", "--target", join(ROOT, "labs")])));
    // Awaited by the test below; a rejection is its to report, not an unhandled one.
    starters.catch(() => undefined);
  });
  it("every test of every untouched starter fails (earlier chapters from the reference)", async () => {
    const r = await starters;
    expect(r.flatMap((g) => g.tests).filter((t) => t.status === "passed").map((t) => t.name), "tests a starter passes").toEqual([]);
    expect(r.reduce((s, g) => s + g.score, 0)).toBe(0);
    expect(r.reduce((s, g) => s + g.max_score, 0)).toBe(ready.reduce((s, c) => s + c.points + hiddenPoints(c), 0));
  }, 300_000);
});
