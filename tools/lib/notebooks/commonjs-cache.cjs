// Course machinery for the notebooks (all chapters): tslab turns every module a notebook compiles into CommonJS with
// `ts.transpileModule`, which builds a TypeScript program and type-checks the file again just to convert its
// imports. It does that for every chapter file a notebook imports, again in the next notebook, and again in every
// Jupyter kernel, though the file is the same: about a quarter of a notebook's CPU. This keeps each conversion,
// keyed by TypeScript's version, the options and the whole input, in memory and in .course/cache/notebooks-cjs/, so
// that a file is converted once (the API run of `npm test` fills the folder, and the Jupyter run that follows finds
// everything there). The conversion is a pure function of that key, so a kept one is the one tslab would compute.
// Plain CommonJS, not TypeScript: the Jupyter kernel (tools/notebooks/kernel.cjs) loads it with bare `node`.
"use strict";
const { createHash, randomUUID } = require("node:crypto");
const { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } = require("node:fs");
const { createRequire } = require("node:module");
const { join } = require("node:path");

const DIR = [".course", "cache", "notebooks-cjs"];
/** More files than this (old versions of edited files pile up) and the folder is emptied when a process starts. */
const KEEP = 5000;
const INSTALLED = Symbol.for("hub-and-spokes.commonjs-cache");

/** What a process converted, found in its memory, or found on disk: for the tests and for measuring. */
const counts = { converted: 0, remembered: 0, read: 0 };

/**
 * Makes the TypeScript that tslab (installed under `root`) loads convert through the cache. Must run before tslab's
 * converter is first loaded: it reads `ts.transpileModule` from the module's exports, which are replaced here by a
 * copy whose every property reads through to TypeScript's, `transpileModule` aside. Returns false when tslab is not
 * installed or its converter was loaded already (nothing changes then; notebooks just convert without the cache).
 * `dir` is where conversions are kept on disk (`null`: in memory only).
 */
function install(root, dir = join(root, ...DIR)) {
  let tsPath;
  try {
    const fromRoot = createRequire(join(root, "package.json"));
    tsPath = createRequire(fromRoot.resolve("tslab/package.json")).resolve("@tslab/typescript-for-tslab");
  } catch {
    return false;
  }
  const ts = require(tsPath);
  if (ts[INSTALLED]) return true;
  const converter = Object.keys(require.cache).find((f) => /[\\/]tslab[\\/]dist[\\/]converter\.js$/.test(f));
  if (converter) return false;
  if (dir) prune(dir);
  const cached = withCache(ts, dir);
  const entry = require.cache[tsPath];
  // TypeScript's own exports are getters that cannot be redefined, hence a copy rather than a patch.
  const copy = {};
  for (const key of Object.keys(ts)) {
    Object.defineProperty(copy, key, key === "transpileModule" ? { enumerable: true, value: cached } : { enumerable: true, get: () => ts[key] });
  }
  Object.defineProperty(copy, INSTALLED, { value: true });
  entry.exports = copy;
  return true;
}

/** `ts.transpileModule`, remembering each conversion that had no diagnostics. */
function withCache(ts, dir) {
  const memory = new Map();
  return function transpileModule(input, options) {
    const key = createHash("sha256").update(`${ts.version}\0${JSON.stringify(options)}\0`).update(input).digest("hex");
    const known = memory.get(key) ?? readKept(dir, key);
    if (known !== undefined) {
      if (memory.has(key)) counts.remembered++;
      else counts.read++;
      memory.set(key, known);
      return { outputText: known, diagnostics: [], sourceMapText: undefined };
    }
    counts.converted++;
    const result = ts.transpileModule(input, options);
    // A conversion with diagnostics is not kept: the next caller gets them too.
    if (!result.diagnostics?.length && result.sourceMapText === undefined) {
      memory.set(key, result.outputText);
      keep(dir, key, result.outputText);
    }
    return result;
  };
}

function readKept(dir, key) {
  if (!dir) return undefined;
  try {
    return readFileSync(join(dir, `${key}.js`), "utf8");
  } catch {
    return undefined;
  }
}

/** Written whole under another name, then renamed: a reader in another process never sees half a file. */
function keep(dir, key, text) {
  if (!dir) return;
  const file = join(dir, `${key}.js`);
  const partial = `${file}.${randomUUID()}.tmp`;
  try {
    mkdirSync(dir, { recursive: true });
    writeFileSync(partial, text);
    renameSync(partial, file);
  } catch {
    // A full disk or a read-only checkout: the conversion is only not kept.
    rmSync(partial, { force: true });
  }
}

function prune(dir) {
  try {
    if (readdirSync(dir).length > KEEP) rmSync(dir, { recursive: true, force: true });
  } catch {
    // no folder yet
  }
}

module.exports = { install, withCache, prune, counts, DIR, KEEP };
