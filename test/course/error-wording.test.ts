// Course check: every error wording a ready lab's tests match is quoted in its README (solutions/NN-slug/README.md),
// so a learner reads each required message before a test asks for it. The finder is tested on small examples too.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadManifest, readyChapters, ROOT } from "../../tools/lib/manifest";
import { errorWordings, unquoted } from "./error-wording";

const ready = readyChapters(loadManifest());

describe("lab READMEs quote the error wording their tests match", () => {
  it.each(ready.map((c) => [c.id]))("%s", (id) => {
    const file = join(ROOT, "test", `${id}.test.ts`);
    if (!existsSync(file)) return; // a missing test file fails its own course check
    const wordings = errorWordings(readFileSync(file, "utf8"), `test/${id}.test.ts`);
    const misses = unquoted(id, wordings, readFileSync(join(ROOT, "solutions", id, "README.md"), "utf8"));
    expect(misses, misses.join("\n")).toEqual([]);
  });
});

describe("the error-wording check", () => {
  const tests = `
    import { expect, it } from "vitest";
    it("refuses a second start (1 pts)", () => {
      expect(() => t.start()).toThrow(/already started/);
      expect(() => t.start()).toThrow(RangeError);
    });
    it("names the cycle (1 pts)", async () => {
      await expect(p).rejects.toThrow("cannot wait for itself");
      expect(() => f()).toThrowError(/^bad size: \\d+$/);
    });
    it("reports what main threw (1 pts)", async () => {
      await expect(run(() => { throw new Error("real failure"); })).rejects.toThrow("real failure");
    });
    it("catches the message (1 pts)", () => {
      let r = "";
      try { g(); } catch (e) { r = (e as Error).message; }
      expect(r).toMatch(/never return/);
      expect(String(err)).toMatch("timed out");
    });
    it("checks a response, not an error (1 pts)", () => {
      expect(response).toMatch(/^HTTP\\/1\\.1 200/);
    });
  `;

  it("finds toThrow, toThrowError, rejects and toMatch on a message, and skips classes, own errors and other matches", () => {
    const found = errorWordings(tests).map((w) => [w.test, "text" in w.pattern ? w.pattern.text : `/${w.pattern.regex}/`]);
    expect(found).toEqual([
      ["refuses a second start (1 pts)", "/already started/"],
      ["names the cycle (1 pts)", "cannot wait for itself"],
      ["names the cycle (1 pts)", "/^bad size: \\d+$/"],
      ["catches the message (1 pts)", "/never return/"],
      ["catches the message (1 pts)", "timed out"],
    ]);
  });

  it("lists every wording the README does not quote, and none it does", () => {
    const readme = [
      "## Task 2: start",
      "Starting a thread twice throws an `Error` whose message says it is `already started`.",
      "Waiting for yourself throws: *cannot wait\n  for itself*. A negative size throws `bad size: <n>`.",
    ].join("\n");
    expect(unquoted("03-cancellation", errorWordings(tests), readme)).toEqual([
      `03-cancellation: test "names the cycle (1 pts)" matches /^bad size: \\d+$/, which README.md does not quote`,
      `03-cancellation: test "catches the message (1 pts)" matches /never return/, which README.md does not quote`,
      `03-cancellation: test "catches the message (1 pts)" matches "timed out", which README.md does not quote`,
    ]);
    const full = `${readme}\nA bad size says so: bad size: 3. Waiting for the pool from inside it would never return; a deadline says timed out.`;
    expect(unquoted("03-cancellation", errorWordings(tests), full)).toEqual([]);
  });
});
