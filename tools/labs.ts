// `npm run labs` writes labs/ from solutions/; `npm run labs:check` fails when labs/ is stale, naming each file.
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { listFiles } from "./lib/files";
import { expectedLabs } from "./lib/labs";
import { loadManifest, ROOT } from "./lib/manifest";
import { withChapterTable } from "./lib/readme";

const check = process.argv.includes("--check");
const force = process.argv.includes("--force");
const labsDir = join(ROOT, "labs");

/** Lab files with uncommitted edits: possibly a learner's work, which regenerating would overwrite. */
function editedLabFiles(): Set<string> {
  try {
    const out = execFileSync("git", ["status", "--porcelain", "--", "labs"], { cwd: ROOT, encoding: "utf8" });
    return new Set(out.split("\n").filter(Boolean).map((l) => l.slice(3).replace(/^labs\//, "")));
  } catch {
    return new Set(); // not a git checkout: nothing to compare against
  }
}

try {
  const manifest = loadManifest();
  const expected = expectedLabs(manifest);
  const readmePath = join(ROOT, "README.md");
  const readme = readFileSync(readmePath, "utf8");
  const readmeFresh = withChapterTable(readme, manifest);
  const actual = new Set(listFiles(labsDir));
  const changes: { file: string; what: "missing" | "stale" | "extra" }[] = [];
  for (const [file, text] of expected) {
    if (!actual.has(file)) changes.push({ file, what: "missing" });
    else if (readFileSync(join(labsDir, file), "utf8") !== text) changes.push({ file, what: "stale" });
  }
  for (const file of actual) {
    if (!expected.has(file) && file !== ".gitkeep") changes.push({ file, what: "extra" });
  }
  const list = changes.map((c) => `${c.what.padEnd(7)} labs/${c.file}`).join("\n  ");

  if (check) {
    if (readmeFresh !== readme) {
      console.error("README.md's chapter table is out of date with course.json. Run `npm run labs` to refresh it.");
      process.exit(1);
    }
    if (changes.length) {
      console.error(`labs/ is out of date with solutions/ (${changes.length} file(s)):\n  ${list}`);
      console.error("Run `npm run labs` to regenerate it. labs/ is generated: edit solutions/ instead.");
      process.exit(1);
    }
    console.log(`labs/ is up to date (${expected.size} files).`);
  } else {
    const edited = editedLabFiles();
    const clobbered = changes.filter((c) => c.what !== "missing" && edited.has(c.file));
    if (clobbered.length && !force) {
      throw new Error(
        `these lab files have uncommitted edits (your work?) that regenerating would overwrite:\n  ` +
          clobbered.map((c) => `labs/${c.file}`).join("\n  ") +
          "\nCommit or stash them first, or run `npm run labs -- --force`.",
      );
    }
    if (readmeFresh !== readme) {
      writeFileSync(readmePath, readmeFresh);
      console.log("Refreshed README.md's chapter table.");
    }
    for (const { file, what } of changes) {
      const path = join(labsDir, file);
      if (what === "extra") rmSync(path);
      else {
        mkdirSync(dirname(path), { recursive: true });
        writeFileSync(path, expected.get(file)!);
      }
    }
    console.log(changes.length ? `Wrote labs/:\n  ${list}` : `labs/ was already up to date (${expected.size} files).`);
  }
} catch (e) {
  console.error(`npm run labs: ${(e as Error).message}`);
  process.exit(1);
}
