// Course machinery for the notebooks (all chapters): the Jupyter kernel `npm run notebook -- install` registers as
// "tslab". Jupyter starts a kernel in the notebook's folder (notebooks/), but tslab compiles only files under its
// working directory, so `../solutions/…` cannot be imported from there. This launcher moves to the repository root
// first (the nearest folder above with course.json and tslab installed) and then starts tslab's own kernel, so
// notebooks import `./solutions/NN-slug/file`. Outside a course repository it behaves exactly like tslab's kernel.
// Plain CommonJS, not TypeScript: Jupyter runs it with bare `node`, and a kernel should start fast.
"use strict";
const { existsSync } = require("node:fs");
const { dirname, join, resolve } = require("node:path");

const TSLAB_MAIN = ["node_modules", "tslab", "dist", "main.js"];

function courseRoot(from) {
  for (let dir = resolve(from); ; dir = dirname(dir)) {
    if (existsSync(join(dir, "course.json")) && existsSync(join(dir, ...TSLAB_MAIN))) return dir;
    if (dirname(dir) === dir) return null;
  }
}

const root = courseRoot(process.cwd());
if (root) process.chdir(root);
const at = process.argv.indexOf("--config-path");
const configPath = at > 0 ? process.argv[at + 1] : undefined;
if (!configPath) {
  console.error("usage: kernel.cjs --config-path <connection file> (Jupyter passes it; see npm run notebook)");
  process.exit(2);
}
// In a course repository, each file's conversion to CommonJS is done once and kept (commonjs-cache.cjs).
if (root) require("../lib/notebooks/commonjs-cache.cjs").install(root);
// The tslab of the repository we moved to, else the one installed beside this launcher.
const tslab = require(join(root ?? resolve(__dirname, "..", ".."), ...TSLAB_MAIN));
tslab.startKernel({ configPath, enableFindLocal: false });
