// Course check: the Gradescope autograder zip, unpacked into a folder laid out like Gradescope's
// (AUTOGRADER_ROOT stands in for /autograder; node_modules borrowed from this repository instead of
// setup.sh's install), grades a starter submission 0 and the reference full marks, hidden tests included
// and shown after publishing, with the instructor's tests even when a submission carries edited ones.
import { execFileSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { exportGradescope } from "../../tools/export/gradescope";
import { expectedLabs } from "../../tools/lib/labs";
import { hiddenPoints, loadManifest, readyChapters, ROOT } from "../../tools/lib/manifest";

interface Results {
  score: number;
  max_score: number;
  output: string;
  tests: { name: string; status: string; visibility: string }[];
}

const manifest = loadManifest();
const lab = readyChapters(manifest)[0];
const full = lab.points + hiddenPoints(lab);
let base: string;

/** A fresh /autograder with the zip unpacked in source/ and `submit` laying out submission/. */
function runAutograder(name: string, submit: (dir: string) => void): Results {
  const ag = join(base, name);
  mkdirSync(join(ag, "source"), { recursive: true });
  mkdirSync(join(ag, "submission"));
  execFileSync("unzip", ["-q", join(base, "autograder.zip"), "-d", join(ag, "source")]);
  symlinkSync(join(ROOT, "node_modules"), join(ag, "source", "node_modules"), "junction");
  submit(join(ag, "submission"));
  execFileSync(join(ag, "source", "run_autograder"), [], {
    cwd: ag, stdio: "ignore", env: { ...process.env, AUTOGRADER_ROOT: ag, GITHUB_STEP_SUMMARY: "", HUB_TARGET: "" },
  });
  return JSON.parse(readFileSync(join(ag, "results", "results.json"), "utf8")) as Results;
}

beforeAll(() => {
  base = mkdtempSync(join(tmpdir(), "gradescope-check-"));
  exportGradescope({ labs: [lab], zipFile: join(base, "autograder.zip") });
}, 120_000);
afterAll(() => rmSync(base, { recursive: true, force: true }));

describe(`the Gradescope autograder for ${lab.id}`, () => {
  it("has setup.sh and an executable run_autograder at the root of the zip, and no solutions", () => {
    const list = execFileSync("unzip", ["-Z1", join(base, "autograder.zip")], { encoding: "utf8" }).split("\n");
    expect(list).toEqual(expect.arrayContaining(["setup.sh", "run_autograder", `test/hidden/${lab.id}.test.ts`, "test/catalog.json"]));
    expect(list.filter((f) => f.startsWith("solutions/"))).toEqual([]);
    execFileSync("unzip", ["-q", "-o", join(base, "autograder.zip"), "run_autograder", "-d", join(base, "peek")]);
    expect(statSync(join(base, "peek", "run_autograder")).mode & 0o111).not.toBe(0);
  });

  it("gives a starter submission 0, and grades with its own tests when the submission edited one", () => {
    const r = runAutograder("starter", (sub) => {
      // A whole repository, as a GitHub upload sends it, with a public test edited to pass anything.
      for (const [f, text] of expectedLabs(manifest)) {
        if (!f.startsWith(`${lab.id}/`)) continue;
        mkdirSync(join(sub, "repo", "labs", lab.id), { recursive: true });
        writeFileSync(join(sub, "repo", "labs", f), text);
      }
      mkdirSync(join(sub, "repo", "test"));
      writeFileSync(join(sub, "repo", "test", `${lab.id}.test.ts`), `import { it } from "vitest";\nit("free points (100 pts)", () => {});\n`);
    });
    expect(r.score).toBe(0);
    expect(r.max_score).toBe(full);
    expect(r.output).toMatch(new RegExp(`changed +test/${lab.id}\\.test\\.ts`));
    expect(r.tests.some((t) => /free points/.test(t.name))).toBe(false);
  }, 120_000);

  it("gives the reference, uploaded as loose files, full points, hidden tests after publishing", () => {
    const r = runAutograder("solution", (sub) => cpSync(join(ROOT, "solutions", lab.id), sub, { recursive: true }));
    expect(r.tests.filter((t) => t.status !== "passed").map((t) => t.name)).toEqual([]);
    expect(r.score).toBe(full);
    if (hiddenPoints(lab)) expect(r.tests.some((t) => t.visibility === "after_published")).toBe(true);
    expect(r.tests.every((t) => ["visible", "after_published"].includes(t.visibility))).toBe(true);
  }, 120_000);
});
