// Course check: the leak search the student edition is checked with finds what it looks for. The exports and the
// student site are checked to hold no reference code (export.test.ts, site.test.ts); this shows that the search
// would have found some: a solution body planted in a file, in a page between its highlighting tags, in a notebook's
// strings, and its lines one by one, each where it is. Its one-pass search (tools/lib/first-occurrences.ts) is
// checked against `indexOf` on random texts, with a fixed seed (a failure prints it; $SEED tries others).
import fc from "fast-check";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { findLeaks, firstNeedleIn, needlesOf, type SolutionBody } from "../../tools/export/leaks";
import { firstOccurrences } from "../../tools/lib/first-occurrences";

const SEED = Number(process.env.SEED ?? 20261205);

describe("the one-pass search for many strings", () => {
  it("finds each string where indexOf finds it first, or nowhere (fast-check; prints its seed on failure)", () => {
    // Three characters make strings that share their first characters, and hashes that collide, common.
    const word = (max: number) => fc.string({ unit: fc.constantFrom("a", "b", " "), maxLength: max });
    fc.assert(
      fc.property(word(300), fc.array(word(12), { minLength: 1, maxLength: 20 }), fc.array(fc.nat(), { maxLength: 5 }), (text, extra, picks) => {
        // Some patterns cut from the text itself, so that most runs have hits as well as misses.
        const cut = picks.map((p) => text.slice(p % (text.length + 1), (p % (text.length + 1)) + 3 + (p % 9)));
        const patterns = [...extra, ...cut];
        expect(firstOccurrences(patterns)(text)).toEqual(patterns.map((p) => text.indexOf(p)));
      }),
      { numRuns: 300, seed: SEED, verbose: true },
    );
  });

  it("is prepared once and used on many texts, each searched afresh", () => {
    const search = firstOccurrences(["const answer = 42;", "return answer;", ""]);
    expect(search("x; const answer = 42; return answer;")).toEqual([3, 22, 0]);
    expect(search("return answer;")).toEqual([-1, 0, 0]);
    expect(search("short")).toEqual([-1, -1, 0]);
  });
});

describe("the leak search", () => {
  const body: SolutionBody = {
    where: "solutions/01-coroutines/generators.ts:9",
    lines: ["for (let i = n; i > 0; i--) yield i;", "return \"liftoff, with every count\" as const;"],
  };
  const dir = mkdtempSync(join(tmpdir(), "leaks-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const put = (file: string, text: string): string => (writeFileSync(join(dir, file), text), file);

  it("finds a body in a file, whitespace changed, on the line it starts", () => {
    const file = put("copied.ts", "// a lab\nexport function* countdown(n: number) {\n  for (let i = n;   i > 0; i--)\n    yield i;\n  return \"liftoff, with every count\" as const;\n}\n");
    const found = findLeaks(dir, [file], [body], []);
    expect(found).toContainEqual({ file, line: 3, what: `the body of ${body.where}` });
    expect(found.map((l) => l.what)).toContain(`a line of ${body.where}: return "liftoff, with every count" as const;`);
  });

  it("finds it in a page between highlighting tags and escaped, and in a notebook's strings", () => {
    const page = put("page.html", "<pre><span class=\"hl1\">for</span> (let i = n; i &gt; 0; i--) <span>yield</span> i;\n<span>return</span> &quot;liftoff, with every count&quot; as const;</pre>");
    const notebook = put("nb.ipynb", JSON.stringify({ cells: [{ source: ["for (let i = n; i > 0; i--) yield i;\n", "return \"liftoff, with every count\" as const;"] }] }));
    const found = findLeaks(dir, [page, notebook], [body], []);
    expect(found.filter((l) => l.what === `the body of ${body.where}`).map((l) => l.file)).toEqual([page, notebook]);
  });

  it("does not count a line the learner is given anyway, and finds nothing in a file without the body", () => {
    const allowed = ["  return \"liftoff, with every count\" as const; // in the starter too"];
    expect(needlesOf([body], allowed).map((n) => n.text)).toEqual([body.lines.join(" "), body.lines[0]]);
    const file = put("starter.ts", "export function* countdown(n: number) {\n  return \"liftoff, with every count\" as const;\n}\n");
    expect(findLeaks(dir, [file], [body], allowed)).toEqual([]);
  });

  it("names the first needle, in the needles' order, that a text holds", () => {
    const needles = needlesOf([body], []);
    expect(firstNeedleIn("x\nreturn   \"liftoff, with every count\"  as const;", needles)?.what).toBe(`a line of ${body.where}: return "liftoff, with every count" as const;`);
    expect(firstNeedleIn("nothing of it", needles)).toBeNull();
  });
});
