// Shared by the learner's commands: which lab the learner means, and how to run vitest on it.
import { spawn, type SpawnOptions } from "node:child_process";
import { join } from "node:path";
import { type Chapter, findChapter, loadManifest, ROOT } from "./manifest";

/** The lab named on the command line, or a clear error listing the valid ids. */
export function labFromArgs(query: string | undefined, usage: string): Chapter {
  const manifest = loadManifest();
  if (!query) {
    console.error(`${usage}\nReady labs: ${manifest.chapters.filter((c) => c.status === "ready").map((c) => c.id).join(", ")}`);
    process.exit(1);
  }
  try {
    return findChapter(manifest, query);
  } catch (e) {
    console.error((e as Error).message);
    process.exit(1);
  }
}

export const VITEST = join(ROOT, "node_modules", "vitest", "vitest.mjs");

/** Runs a node process with the terminal attached and resolves with its exit code. */
export function runAttached(args: string[], options: SpawnOptions = {}): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { stdio: "inherit", cwd: ROOT, ...options });
    child.once("error", (e) => {
      console.error(`could not start ${args.join(" ")}: ${e.message}`);
      resolve(1);
    });
    child.once("close", (code) => resolve(code ?? 1));
  });
}
