// Course machinery for the notebooks (all chapters): passing notebook runs, kept in .course/cache/notebooks/ so that
// `npm test` does not run a notebook again while nothing it could depend on changed. The key of a run hashes the
// notebook itself, every file a notebook can reach (solutions/, which its cells import; tools/, the notebook
// machinery and `show`; bench/results/, which a notebook reads), the installed packages (the lock: tslab and its
// TypeScript), the configuration, Node's version and the kind of run (tslab's API, or Jupyter with nbconvert's
// version). Only a run without problems is kept, and only when its inputs were the same at its end as at its start:
// a failing notebook runs, and fails, every time.
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { hashInputs } from "../content-hash";
import { writeWhole } from "../files";

const INPUT_DIRS = ["solutions", "tools", "bench/results"];
const INPUT_FILES = ["package.json", "package-lock.json", "tsconfig.json", "course.json"];
/** Runs of older versions are of no more use: the newest ones are kept (a few bytes each). */
const KEEP = 200;

/** `kind` says how the notebook is run, with the version of what runs it: "api", or "jupyter nbconvert 7.16.6". */
export function notebookKey(root: string, file: string, kind: string): string {
  const hash = createHash("sha256").update(`${kind}\n${process.version}\n${file}\n`);
  hash.update(readFileSync(join(root, file)));
  return hashInputs(hash, root, INPUT_DIRS, INPUT_FILES).digest("hex").slice(0, 24);
}

export class NotebookCache {
  private readonly dir: string;
  private readonly keys = new Map<string, string>();

  constructor(private readonly root: string, private readonly kind: string) {
    this.dir = join(root, ".course", "cache", "notebooks");
  }

  /** Whether `file` passed a run of this kind with its inputs as they are now. */
  passed(file: string): boolean {
    const key = notebookKey(this.root, file, this.kind);
    this.keys.set(file, key);
    return existsSync(join(this.dir, `${key}.json`));
  }

  /** Keeps a run of `file` that found no `problems`, under the key `passed` computed before the run. */
  remember(file: string, problems: readonly string[]): void {
    const before = this.keys.get(file);
    if (problems.length || !before || notebookKey(this.root, file, this.kind) !== before) return;
    writeWhole(join(this.dir, `${before}.json`), `${JSON.stringify({ file, kind: this.kind, when: new Date().toISOString() })}\n`);
    this.prune();
  }

  private prune(): void {
    try {
      const old = readdirSync(this.dir)
        .map((f) => ({ f, at: statSync(join(this.dir, f)).mtimeMs }))
        .sort((a, b) => b.at - a.at)
        .slice(KEEP);
      for (const { f } of old) rmSync(join(this.dir, f), { force: true });
    } catch {
      // another run pruned at the same time: nothing is lost but a cache entry
    }
  }
}
