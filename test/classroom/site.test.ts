// Course check: the course site a student edition builds (from its starters only) shows no reference code
// in any generated page, script or source map, and speaks to the learner: "Your code", no benchmarks (they are
// part of the full course), notebooks that run the learner's labs. Skipped while the course has no site.
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findLeaks, formatLeaks, solutionBodies } from "../../tools/export/leaks";
import { exportStudent } from "../../tools/export/student";
import { listFiles } from "../../tools/lib/files";
import { loadManifest, readyChapters, ROOT } from "../../tools/lib/manifest";
import { internalLinks, resolveLink } from "../site/helpers";

const hasSite = existsSync(join(ROOT, "site/src/build/index.ts"));
const dir = mkdtempSync(join(tmpdir(), "student-site-"));
const site = join(dir, ".course", "site");
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.runIf(hasSite)("the student edition's course site", () => {
  let pages: string[] = [];
  const page = (p: string): string => readFileSync(join(site, p), "utf8");

  beforeAll(() => {
    exportStudent({ outDir: dir, git: false });
    symlinkSync(join(ROOT, "node_modules"), join(dir, "node_modules"), "junction");
    execFileSync(process.execPath, ["--import", "tsx", join(dir, "tools/site.ts"), "--out", site], { cwd: dir, stdio: "ignore" });
    pages = listFiles(site);
  }, 300_000);

  it("builds from starter code, with no reference code in any page", () => {
    expect(pages).toContain("index.html");
    // Starter code is on the site by design: a single body line found in it is no leak.
    const starters = listFiles(join(dir, "labs")).filter((f) => f.endsWith(".ts")).map((f) => readFileSync(join(dir, "labs", f), "utf8"));
    expect(formatLeaks(findLeaks(site, pages, solutionBodies(ROOT), starters)), "reference code in the student site").toBe("");
  }, 120_000); // every page, script and source map against every solution body: seconds on a shared machine

  it("says what the learner has: their own code, no benchmarks, notebooks that run their labs", { timeout: 60_000 }, () => {
    const html = pages.filter((p) => p.endsWith(".html"));
    const home = page("index.html");
    expect(home).toContain('<a href="code/index.html">Your code</a>');
    expect(home).not.toContain("Reference code");
    expect(home).not.toContain("a reference solution");
    // Benchmarks are part of the full course: no page, no link, no command the student edition does not have.
    expect(pages).not.toContain("bench.html");
    for (const p of html) {
      const text = page(p);
      expect(text, p).not.toContain('bench.html"');
      expect(text, p).not.toContain("npm run bench</code> writes");
      expect(text, p).not.toContain("tested reference in <code>solutions/</code>");
    }
    expect(page("code/index.html")).toContain("<h1>Your code</h1>");

    const ready = readyChapters(loadManifest(dir)).filter((c) => pages.includes(`chapters/${c.id}.html`));
    expect(ready.length).toBeGreaterThan(0);
    let notebooks = 0;
    for (const c of ready) {
      const chapter = page(`chapters/${c.id}.html`);
      expect(chapter, c.id).toContain("Your lab's code");
      // Excerpts name the file they come from: the learner's lab.
      expect(chapter, c.id).not.toMatch(/<figcaption><a [^>]*>solutions\//);
      expect(pages, c.id).not.toContain(`code/${c.id}/solutions/${c.demo}.html`);
      expect(pages, c.id).toContain(`code/${c.id}/labs/${c.demo}.html`);
      const nb = `notebooks/${c.id}.html`;
      if (!pages.includes(nb)) continue;
      notebooks++;
      // The notebook's banner and its own introduction speak of the learner's code, not of a reference.
      expect(page(nb), nb).toContain("It runs your own code from <code>labs/</code>");
      expect(page(nb), nb).not.toMatch(/reference code|solutions\/\d\d-/);
    }
    // Every link between its pages resolves, #fragments included (excerpts link to regions of the learner's files).
    const broken: string[] = [];
    for (const p of html) {
      for (const url of internalLinks(page(p))) {
        const { path, hash } = resolveLink(p, url);
        if (!pages.includes(path)) broken.push(`${p}: ${url}`);
        else if (hash && path.endsWith(".html") && !page(path).includes(` id="${hash}"`)) broken.push(`${p}: ${url} (no id)`);
      }
    }
    expect(broken).toEqual([]);
    // `npm run notebook` says the same.
    if (existsSync(join(dir, "tools/notebook.ts"))) {
      const help = execFileSync(process.execPath, ["--import", "tsx", join(dir, "tools/notebook.ts")], { cwd: dir, encoding: "utf8" });
      expect(help).toContain("short experiments on your own lab code");
      expect(help).toContain("the notebooks import ./labs/NN-slug/file");
    }
    expect(notebooks, "notebook pages checked").toBe(ready.filter((c) => existsSync(join(dir, "notebooks", `${c.id}.ipynb`))).length);
  });
});
