// The course site built from this repository, once for the tests that need it (build.test.ts checks its pages and
// links, browser.test.ts opens it in Chromium): a build takes seconds of both cores, and both files ran one each.
// The build is kept in .course/cache/ under a hash of everything it reads, like the test listing
// (tools/lib/test-list.ts): any change to a chapter, a solution, a lab, a notebook, a cast, a benchmark result, the
// site's code, the machinery it uses, the installed packages, Node or the git commit builds it again.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { hashInputs } from "../../tools/lib/content-hash";
import { ROOT } from "../../tools/lib/manifest";
import { buildSite } from "../../site/src/build/index";

export interface BuiltSite {
  /** The built site: read it, never write into it (other test files read the same folder). */
  readonly dir: string;
  readonly pages: readonly string[];
  readonly warnings: readonly string[];
}

/** What the build reads under the root (site/screenshots is written by the browser test, site/dist by npm run site:build). */
const INPUT_DIRS = ["chapters", "solutions", "labs", "notebooks", "bench/results", "site", "tools/lib"];
const SKIP = new Set(["site/screenshots", "site/dist"]);
const INPUT_FILES = ["course.json", "package.json", "package-lock.json", "tsconfig.json"];

/** The commit checked out: the benchmarks page says, from git history, whether each result is still current. */
function head(root: string): string {
  try {
    return execFileSync("git", ["rev-parse", "HEAD"], { cwd: root, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
  } catch {
    return "no git";
  }
}

export function siteKey(root = ROOT): string {
  const hash = createHash("sha256");
  hash.update(`${process.version}\n${head(root)}\n`);
  return hashInputs(hash, root, INPUT_DIRS, INPUT_FILES, SKIP).digest("hex").slice(0, 24);
}

const CACHE = join(ROOT, ".course", "cache");
/** A build that waits on another process's build gives up after this long (the build's own limit in the tests). */
const WAIT_MS = 170_000;
/** Builds of older versions of the repository are of no more use: the newest few are kept. */
const KEEP = 2;

const readBuilt = (dir: string): BuiltSite | null => {
  try {
    const { pages, warnings } = JSON.parse(readFileSync(`${dir}.json`, "utf8")) as BuiltSite;
    return existsSync(join(dir, "index.html")) ? { dir, pages, warnings } : null;
  } catch {
    return null;
  }
};

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
};

/**
 * The site built from the repository as it is now: from the cache when nothing it reads changed, else built (once:
 * a second test file asking at the same time waits for the first one's build instead of building too). A build
 * that fails is not kept, and its error is thrown to every caller.
 */
export async function builtSite(): Promise<BuiltSite> {
  const key = siteKey();
  const dir = join(CACHE, `site-${key}`);
  const lock = `${dir}.lock`;
  mkdirSync(CACHE, { recursive: true });
  const started = Date.now();
  for (;;) {
    const done = readBuilt(dir);
    if (done) return done;
    let fd: number | undefined;
    try {
      fd = openSync(lock, "wx");
    } catch {
      // Another process is building it: wait for its result, or take over if that process died.
      let owner = 0;
      try {
        owner = Number(readFileSync(lock, "utf8").trim());
      } catch {
        continue; // the build just ended: its result is there now, or the lock is free
      }
      if (owner && !alive(owner)) rmSync(lock, { force: true });
      if (Date.now() - started > WAIT_MS) throw new Error(`waited ${WAIT_MS / 1000} s for another process's site build (${lock})`);
      await new Promise((r) => setTimeout(r, 300));
      continue;
    }
    try {
      writeFileSync(fd, String(process.pid));
      closeSync(fd);
      const partial = `${dir}.${process.pid}.tmp`;
      rmSync(partial, { recursive: true, force: true });
      const { pages, warnings } = await buildSite({ root: ROOT, outDir: partial });
      // The pages' list first, then the folder under its name: a reader that sees the folder sees a whole build.
      writeFileSync(`${dir}.json`, JSON.stringify({ pages, warnings }));
      renameSync(partial, dir);
      prune();
      return { dir, pages, warnings };
    } finally {
      rmSync(lock, { force: true });
    }
  }
}

function prune(): void {
  try {
    // Half-written builds of processes that were killed.
    for (const f of readdirSync(CACHE)) {
      const m = f.match(/^site-[0-9a-f]+\.(\d+)\.tmp$/);
      if (m && !alive(Number(m[1]))) rmSync(join(CACHE, f), { recursive: true, force: true });
    }
    const old = readdirSync(CACHE)
      .filter((f) => /^site-[0-9a-f]+$/.test(f))
      .map((f) => ({ f, at: statSync(join(CACHE, f)).mtimeMs }))
      .sort((a, b) => b.at - a.at)
      .slice(KEEP);
    for (const { f } of old) {
      rmSync(join(CACHE, f), { recursive: true, force: true });
      rmSync(join(CACHE, `${f}.json`), { force: true });
    }
  } catch {
    // another run pruned at the same time: nothing is lost but a cache entry
  }
}
