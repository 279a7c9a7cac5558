// Gradescope's run_autograder: grades one submission with the instructor's own tests and tools (those in
// /autograder/source, never the submission's), and writes /autograder/results/results.json. Only lab files
// are taken from the submission; its tests and tools, if it has any, are compared with the handed-out copies
// and any difference is reported. AUTOGRADER_ROOT moves /autograder elsewhere (for testing).
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { loadManifest, readyChapters, ROOT } from "../lib/manifest";

const ag = process.env.AUTOGRADER_ROOT ?? "/autograder";
const submission = join(ag, "submission");
const resultsFile = join(ag, "results", "results.json");
const config = JSON.parse(readFileSync(join(ROOT, "autograder.json"), "utf8")) as { labs: string[] };
const manifest = loadManifest(ROOT);

class AutograderError extends Error {}
function fail(message: string): never {
  throw new AutograderError(message);
}

/** Folders of the submission, a few levels deep (an uploaded repository may sit in a folder of its own). */
function dirs(base: string, depth = 3): string[] {
  if (depth < 0 || !existsSync(base)) return [];
  const out: string[] = [];
  for (const name of readdirSync(base)) {
    if (name === "node_modules" || name.startsWith(".")) continue;
    const p = join(base, name);
    if (statSync(p).isDirectory()) out.push(p, ...dirs(p, depth - 1));
  }
  return out;
}

/** Where the submission holds a lab: a folder named after it, or (grading one lab) loose files at the top. */
function findLab(id: string, all: readonly string[], starters: string): string | null {
  const named = all.filter((d) => d.endsWith(`/${id}`) || d.endsWith(`\\${id}`));
  const preferred = named.find((d) => /[/\\]labs[/\\][^/\\]+$/.test(d)) ?? named[0];
  if (preferred) return preferred;
  if (config.labs.length === 1 && config.labs[0] === id) {
    const files = existsSync(submission) ? readdirSync(submission).filter((f) => existsSync(join(starters, id, f))) : [];
    if (files.some((f) => f.endsWith(".ts"))) return submission;
  }
  return null;
}

const work = mkdtempSync(join(tmpdir(), "autograder-"));
try {
  if (!existsSync(submission)) fail(`there is no submission folder (${submission})`);
  const labs = join(work, "labs");
  cpSync(join(ROOT, "labs"), labs, { recursive: true });
  const all = dirs(submission);
  const taken: string[] = [];
  // Every ready lab the submission has, so later labs import the student's own earlier chapters.
  for (const lab of readyChapters(manifest)) {
    const from = findLab(lab.id, all, labs);
    if (!from) continue;
    for (const f of readdirSync(from)) {
      const src = join(from, f);
      // Lab code only: a lab folder's own files, and only kinds a lab has (no tests, no tools, no configs).
      if (!statSync(src).isFile() || !f.endsWith(".ts") || f.endsWith(".test.ts")) continue;
      cpSync(src, join(labs, lab.id, f));
      taken.push(relative(submission, src) || f);
    }
  }
  // The submitted repository's root, if it is one: its tests and tools are compared with the handed-out copies.
  const repo = [submission, ...all].find((d) => existsSync(join(d, "labs")) || existsSync(join(d, "test"))) ?? submission;
  const out = join(work, "out");
  const r = spawnSync(
    process.execPath,
    ["--import", "tsx", join(ROOT, "tools/grade.ts"), ...config.labs, "--target", labs, "--out", out, "--submission", repo, "--quiet"],
    { cwd: ROOT, stdio: ["ignore", "inherit", "inherit"], env: { ...process.env, GITHUB_STEP_SUMMARY: "" } },
  );
  if (!existsSync(join(out, "results.json"))) fail(`the grader wrote no results (exit code ${r.status})`);
  const results = JSON.parse(readFileSync(join(out, "results.json"), "utf8")) as { output?: string };
  const from = (taken.length ? `Graded the lab files of your submission: ${taken.join(", ")}.` : "Your submission holds no lab files: the starters were graded.") +
    " The tests and grading tools are the course's own, whatever the submission holds.";
  results.output = [from, results.output].filter(Boolean).join("\n");
  mkdirSync(dirname(resultsFile), { recursive: true });
  writeFileSync(resultsFile, JSON.stringify(results, null, 2) + "\n");
} catch (e) {
  // Gradescope shows results.json, so the message goes there; a crash would leave the student with nothing.
  const message = e instanceof AutograderError ? e.message : `the autograder crashed: ${(e as Error).stack ?? e}`;
  mkdirSync(dirname(resultsFile), { recursive: true });
  writeFileSync(resultsFile, JSON.stringify({ score: 0, output: `Autograder error (not the student's fault): ${message}`, tests: [] }, null, 2) + "\n");
  console.error(message);
} finally {
  rmSync(work, { recursive: true, force: true });
}
