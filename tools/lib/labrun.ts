// Shared by the learner's commands: which lab the learner means, and how to run vitest on it.
import { spawn, type SpawnOptions } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
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

/**
 * Node's arguments for running `file` of the lab folder `dir` through tsx. A lab whose programs need flags of Node's
 * own keeps them in its node-flags.ts (chapter 14's balancer: a larger young generation, which V8 reads only from the
 * command line), so `npm run lab 14 lb` runs the learner's balancer as `npm run lb` runs the course's.
 */
export async function nodeArgs(dir: string, file: string): Promise<string[]> {
  const flagsFile = join(dir, "node-flags.ts");
  const flags = existsSync(flagsFile) ? ((await import(pathToFileURL(flagsFile).href)) as { NODE_FLAGS?: readonly string[] }).NODE_FLAGS ?? [] : [];
  return [...flags, "--import", "tsx", file];
}
