// The Gradescope autograder zip for one or more labs: the student edition's grading files plus the
// instructor-only tests, a catalog that names them, setup.sh (Node 20 and the locked dependencies) and
// run_autograder. It holds no reference solutions (submitted code runs beside it and could read them).
import { execFileSync } from "node:child_process";
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { CATALOG } from "../grader/catalog";
import { testFilesOf } from "../grader/test-files";
import { type Chapter, hiddenPoints, loadManifest, ROOT } from "../lib/manifest";
import { buildCatalog } from "./catalog";
import { findLeaks, formatLeaks, solutionBodies } from "./leaks";
import { type Lock, type PackageJson, pruneLock } from "./packages";
import { filesUnder, packagesImported, relativePosix } from "./select";
import { exportStudent } from "./student";

const TEMPLATES = join(dirname(fileURLToPath(import.meta.url)), "templates");

export interface GradescopeOptions {
  readonly root?: string;
  readonly labs: readonly Chapter[];
  readonly zipFile: string;
}

/** Builds the zip; returns the files it holds and the points it grades. */
export function exportGradescope(o: GradescopeOptions): { files: string[]; points: number } {
  const root = o.root ?? ROOT;
  const stage = mkdtempSync(join(tmpdir(), "gradescope-"));
  try {
    exportStudent({ root, outDir: stage, git: false });
    // What grading does not need: the narrative, the site, notebooks, the Classroom workflow.
    for (const p of ["chapters", "site", "notebooks", ".github", "tools/site.ts", "README.md", ".gitignore"]) {
      rmSync(join(stage, p), { recursive: true, force: true });
    }
    // The instructor's manifest (hidden points) and tests, and a catalog that lists the hidden tests too.
    copyFileSync(join(root, "course.json"), join(stage, "course.json"));
    const manifest = loadManifest(root);
    const labs = o.labs.map((lab) => ({ lab, files: testFilesOf(root, lab) }));
    for (const { files } of labs) {
      for (const f of files.filter((x) => x.visibility === "hidden")) {
        const rel = relativePosix(root, f.path);
        mkdirSync(dirname(join(stage, rel)), { recursive: true });
        copyFileSync(f.path, join(stage, rel));
      }
    }
    writeFileSync(join(stage, CATALOG), JSON.stringify(buildCatalog(root, labs), null, 2) + "\n");
    writeFileSync(join(stage, "autograder.json"), JSON.stringify({ labs: o.labs.map((l) => l.id) }, null, 2) + "\n");

    // Only what grading imports.
    const pkg = JSON.parse(readFileSync(join(stage, "package.json"), "utf8")) as PackageJson;
    const all = filesUnder(stage, ".").map((f) => f.replace(/^\.\//, ""));
    const imported = packagesImported(all.filter((f) => f.endsWith(".ts")).map((f) => readFileSync(join(stage, f), "utf8")));
    const have = pkg.devDependencies ?? {};
    const deps = Object.fromEntries(Object.entries(have).filter(([d]) => ["tsx", "vitest", "@types/node"].includes(d) || imported.has(d)));
    const graderPkg: PackageJson = { ...pkg, description: `${manifest.title}: Gradescope autograder.`, scripts: { grade: "tsx tools/grade.ts" }, devDependencies: deps };
    writeFileSync(join(stage, "package.json"), JSON.stringify(graderPkg, null, 2) + "\n");
    const lock = JSON.parse(readFileSync(join(root, "package-lock.json"), "utf8")) as Lock;
    writeFileSync(join(stage, "package-lock.json"), JSON.stringify(pruneLock(lock, graderPkg, deps), null, 2) + "\n");

    for (const script of ["setup.sh", "run_autograder"]) {
      copyFileSync(join(TEMPLATES, script), join(stage, script));
      chmodSync(join(stage, script), 0o755);
    }

    const files = filesUnder(stage, ".").map((f) => f.replace(/^\.\//, "")).sort();
    // Starters and tests are in the zip by design: a body line found in them gives nothing away.
    const allowed = files.filter((f) => /^(labs|test)\/.*\.ts$/.test(f)).map((f) => readFileSync(join(stage, f), "utf8"));
    const leaks = findLeaks(stage, files, solutionBodies(root), allowed);
    if (leaks.length) throw new Error(`reference code found in the autograder:\n${formatLeaks(leaks)}`);

    const zip = resolve(o.zipFile);
    mkdirSync(dirname(zip), { recursive: true });
    rmSync(zip, { force: true });
    try {
      execFileSync("zip", ["-q", "-r", "-X", zip, "."], { cwd: stage, stdio: ["ignore", "ignore", "pipe"] });
    } catch (e) {
      const missing = (e as NodeJS.ErrnoException).code === "ENOENT";
      throw new Error(missing ? "the zip command is not installed (Debian/Ubuntu: apt-get install zip)" : `zip failed: ${(e as Error).message}`);
    }
    const points = o.labs.reduce((s, l) => s + l.points + (labs.find((x) => x.lab === l)!.files.some((f) => f.visibility === "hidden") ? hiddenPoints(l) : 0), 0);
    return { files, points };
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}

export const zipExists = (file: string): boolean => existsSync(file);
