// Course check: the course site a student edition builds (from its starters only) shows no reference code
// in any generated page, script or source map. Skipped while the course has no site.
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { findLeaks, formatLeaks, solutionBodies } from "../../tools/export/leaks";
import { exportStudent } from "../../tools/export/student";
import { listFiles } from "../../tools/lib/files";
import { ROOT } from "../../tools/lib/manifest";

const hasSite = existsSync(join(ROOT, "site/src/build/index.ts"));
const dir = mkdtempSync(join(tmpdir(), "student-site-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.runIf(hasSite)("the student edition's course site", () => {
  it("builds from starter code, with no reference code in any page", () => {
    exportStudent({ outDir: dir, git: false });
    symlinkSync(join(ROOT, "node_modules"), join(dir, "node_modules"), "junction");
    const site = join(dir, ".course", "site");
    execFileSync(process.execPath, ["--import", "tsx", join(dir, "tools/site.ts"), "--out", site], { cwd: dir, stdio: "ignore" });
    const pages = listFiles(site);
    expect(pages).toContain("index.html");
    // Starter code is on the site by design: a single body line found in it is no leak.
    const starters = listFiles(join(dir, "labs")).filter((f) => f.endsWith(".ts")).map((f) => readFileSync(join(dir, "labs", f), "utf8"));
    expect(formatLeaks(findLeaks(site, pages, solutionBodies(ROOT), starters)), "reference code in the student site").toBe("");
  }, 300_000);
});
