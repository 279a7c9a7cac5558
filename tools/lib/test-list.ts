// The name of every test in some test files, as `vitest list` gives it on the reference (HUB_TARGET=solutions/).
// The grader needs it (tests a broken lab never reached still show by name), so do the exports' catalog and the
// course checks of points. Listing loads every test file and the code it imports, which takes seconds (far more on a
// busy machine), and `npm test` asks for it several times, for different files (all chapters, each half of them, one
// chapter). So one listing is made of every grading test file under the root and each request is answered from it;
// it is kept in .course/cache/ under a hash of those files and of every file the list could depend on, and made again
// when any of them changes.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { hashInputs } from "./content-hash";
import { writeWhole } from "./files";
import { ROOT } from "./manifest";

export interface ListedTest {
  /** Full name as vitest reports it: "describe > test". */
  readonly name: string;
  /** Absolute path of the test file. */
  readonly file: string;
}

/** What a listing can depend on, under the course root: the tests and what they import, and the configuration. */
const INPUT_DIRS = ["test", "solutions", "tools/lib"];
const INPUT_FILES = ["vitest.config.ts", "course.json", "package.json", "tsconfig.json"];

/** A hash of the files asked for, the vitest that lists them and the content of every input. */
function listingKey(root: string, files: readonly string[]): string {
  const hash = createHash("sha256");
  hash.update(`${root}\n${[...files].sort().join("\n")}\n`);
  const vitest = join(ROOT, "node_modules", "vitest", "package.json");
  if (existsSync(vitest)) hash.update(readFileSync(vitest));
  return hashInputs(hash, root, INPUT_DIRS, INPUT_FILES).digest("hex").slice(0, 24);
}

/**
 * Every grading test file under `root`, as absolute paths: test/NN-….test.ts (public), then test/hidden/NN-….test.ts
 * (instructor only), each folder in name order. A lab's are those named after it (tools/grader/test-files.ts).
 */
export function gradingTestFiles(root: string): { path: string; visibility: "visible" | "hidden" }[] {
  const pick = (dir: string, visibility: "visible" | "hidden") =>
    existsSync(dir) ? readdirSync(dir).filter((f) => /^\d\d-.*\.test\.ts$/.test(f)).sort().map((f) => ({ path: join(dir, f), visibility })) : [];
  return [...pick(join(root, "test"), "visible"), ...pick(join(root, "test", "hidden"), "hidden")];
}

/**
 * The tests of `files` (absolute paths under `root`), listed by vitest with `@target` at `root/solutions`, or from
 * the cache when nothing they depend on changed. Throws when vitest cannot list them (a test file that fails to load).
 */
export function listTests(root: string, files: readonly string[], timeoutMs = 180_000): ListedTest[] {
  if (!files.length) return [];
  const all = gradingTestFiles(root).map((f) => f.path);
  const asked = new Set(files);
  if (files.every((f) => all.includes(f))) {
    try {
      return listed(root, all, timeoutMs).filter((t) => asked.has(t.file));
    } catch {
      // Some other chapter's file does not load (a chapter being written): list only the files asked for.
    }
  }
  return listed(root, files, timeoutMs);
}

/** Every test of `files`, from the cache or from `vitest list`. */
function listed(root: string, files: readonly string[], timeoutMs: number): ListedTest[] {
  const cacheDir = join(ROOT, ".course", "cache");
  const cached = join(cacheDir, `test-list-${listingKey(root, files)}.json`);
  if (existsSync(cached)) {
    try {
      return JSON.parse(readFileSync(cached, "utf8")) as ListedTest[];
    } catch {
      // a damaged cache file: list again
    }
  }
  // --no-isolate: a listing only collects names, so the files may share their modules instead of each loading the
  // solutions again; that took the listing of every grading file from about 12.5 s of CPU to 4.7 s. The files then
  // finish in any order, so the tests are put back in the order of `files` (each file's own order is vitest's).
  const out = execFileSync(
    process.execPath,
    [join(ROOT, "node_modules", "vitest", "vitest.mjs"), "list", ...files, "--json", "--no-isolate", "--root", root, "--config", join(root, "vitest.config.ts")],
    {
      cwd: root, encoding: "utf8", timeout: timeoutMs, stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, HUB_TARGET: join(root, "solutions"), HUB_QUIET: "1" },
    },
  );
  const order = new Map(files.map((f, i) => [f, i]));
  const tests = (JSON.parse(out.slice(out.indexOf("["))) as ListedTest[])
    .map((t) => ({ name: t.name, file: t.file }))
    .sort((a, b) => (order.get(a.file) ?? files.length) - (order.get(b.file) ?? files.length)); // stable: keeps each file's order
  // Written whole: a run reading it at the same time sees all of it or nothing.
  writeWhole(cached, JSON.stringify(tests));
  prune(cacheDir);
  return tests;
}

/** Listings of older versions of the files are of no more use: the newest few are kept, the rest removed. */
const KEEP = 8;
function prune(cacheDir: string): void {
  try {
    const old = readdirSync(cacheDir)
      .filter((f) => /^test-list-[0-9a-f]+\.json$/.test(f))
      .map((f) => ({ f, at: statSync(join(cacheDir, f)).mtimeMs }))
      .sort((a, b) => b.at - a.at)
      .slice(KEEP);
    for (const { f } of old) rmSync(join(cacheDir, f), { force: true });
  } catch {
    // another run pruned at the same time: nothing is lost but a cache file
  }
}
