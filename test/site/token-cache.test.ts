// The site build's token cache (site/src/build/token-cache.ts): what it gives back is what was kept for exactly that
// text, shiki version and setup; anything else, or an entry that does not read, is a miss; old entries are dropped.
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { KEEP, TokenCache, type StyledLine } from "../../site/src/build/token-cache";

/** A root with shiki "installed" at `version`: all the cache reads of it. */
function rootWithShiki(version: string): string {
  const root = mkdtempSync(join(tmpdir(), "hub-tokens-"));
  mkdirSync(join(root, "node_modules", "shiki"), { recursive: true });
  writeFileSync(join(root, "node_modules", "shiki", "package.json"), JSON.stringify({ name: "shiki", version }));
  return root;
}

const LINES: StyledLine[] = [
  [["const", "color:#D73A49;--shiki-dark:#F97583"], [" x = ", "color:#24292E;--shiki-dark:#E1E4E8"], ["1", "color:#005CC5;--shiki-dark:#79B8FF"]],
  [],
  [["x", "color:#24292E;--shiki-dark:#E1E4E8"], [";", ""]],
];

describe("the site's token cache", () => {
  it("gives back the tokens kept for that text, and nothing for another text, language, setup or shiki version", () => {
    const root = rootWithShiki("4.6.0");
    try {
      const cache = TokenCache.at(root, "themes A")!;
      expect(cache.get("typescript", "const x = 1\n\nx;")).toBeUndefined();
      cache.set("typescript", "const x = 1\n\nx;", LINES);
      expect(cache.get("typescript", "const x = 1\n\nx;")).toEqual(LINES);
      // A new build (a new cache object) reads it from disk.
      expect(TokenCache.at(root, "themes A")!.get("typescript", "const x = 1\n\nx;")).toEqual(LINES);
      expect(cache.get("typescript", "const x = 2\n\nx;")).toBeUndefined();
      expect(cache.get("javascript", "const x = 1\n\nx;")).toBeUndefined();
      expect(TokenCache.at(root, "themes B")!.get("typescript", "const x = 1\n\nx;")).toBeUndefined();
      writeFileSync(join(root, "node_modules", "shiki", "package.json"), JSON.stringify({ version: "4.7.0" }));
      expect(TokenCache.at(root, "themes A")!.get("typescript", "const x = 1\n\nx;")).toBeUndefined();
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it("treats an entry that does not read as a miss, keeps nothing without shiki, and empties the folder past its limit", () => {
    const root = rootWithShiki("4.6.0");
    try {
      const cache = TokenCache.at(root, "themes A")!;
      cache.set("typescript", "a", LINES);
      const dir = join(root, "node_modules", ".cache", "hub-and-spokes", "tokens");
      const [entry] = readdirSync(dir);
      writeFileSync(join(dir, entry!), '{"styles": [');
      expect(cache.get("typescript", "a")).toBeUndefined();
      cache.set("typescript", "a", LINES);
      expect(cache.get("typescript", "a")).toEqual(LINES);
      expect(TokenCache.at(join(root, "nowhere"), "themes A")).toBeNull();
      for (let i = 0; i < KEEP; i++) writeFileSync(join(dir, `old-${i}.json`), "[]");
      expect(TokenCache.at(root, "themes A")!.get("typescript", "a")).toBeUndefined();
      expect(readdirSync(join(root, "node_modules", ".cache", "hub-and-spokes")).includes("tokens")).toBe(false);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
