// `npm run notebook`: the chapters' notebooks (notebooks/NN-slug.ipynb) — how to open them in Jupyter, run them
// without Jupyter through tslab's API, check them (also with real Jupyter), strip their outputs before a commit, and
// write executed copies for the site.
import { spawn } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { parseArgs } from "node:util";
import { findChapter, loadManifest, ROOT } from "./lib/manifest";
import { EXECUTED_DIR, writeExecutedNotebooks } from "./notebooks/build";
import {
  APT_PACKAGES, checkWithJupyter, INSTALL_HINT, installedKernel, installKernel, jupyterVersion, PIP_INSTALL,
} from "./notebooks/jupyter";
import { chaptersWithNotebooks, notebookPath, outputAsText, readNotebook, serialize, stripped } from "./lib/notebooks/nbformat";
import { checkNotebooks, problems, runNotebook } from "./lib/notebooks/run";

/** Where `check-jupyter` leaves what nbconvert executed, to look at when it fails. */
const JUPYTER_OUT_DIR = ".course/notebooks-jupyter";

const USAGE = `npm run notebook -- <command>

  (no command)        how to open the notebooks, and what is installed
  open [lab|notebook] register the kernel and start Jupyter in the repository root
  install             register the course's tslab kernel with Jupyter (for your user)
  run NN…             run notebooks without Jupyter (tslab's API) and print their outputs
  check [NN…]         run notebooks without Jupyter and report only problems (what npm test does where Jupyter is not installed)
  check-jupyter [NN…] execute notebooks with jupyter nbconvert and check every cell's outputs
  strip [NN…]         remove outputs and execution counts (do this before committing)
  build [NN…]         write executed copies to ${EXECUTED_DIR}/ (for the site)

NN is a chapter number or id (01, 01-coroutines); without NN: every notebook.`;

const manifest = loadManifest();
// A student edition has no solutions/: its notebooks import the learner's own labs/ instead.
const student = !existsSync(join(ROOT, "solutions"));
const codeTree = student ? "labs" : "solutions";
const rel = (p: string): string => relative(process.cwd(), join(ROOT, p)) || ".";

/** The notebooks named on the command line, or all of them. */
function notebooksFor(queries: string[]): string[] {
  if (!queries.length) return chaptersWithNotebooks(ROOT, manifest).map((c) => notebookPath(c.id));
  return queries.map((q) => {
    const c = findChapter(manifest, q, { readyOnly: false });
    const file = notebookPath(c.id);
    if (!chaptersWithNotebooks(ROOT, manifest).includes(c)) throw new Error(`${file} does not exist (yet)`);
    return file;
  });
}

function help(): void {
  const files = chaptersWithNotebooks(ROOT, manifest).map((c) => `  ${notebookPath(c.id)}  — ${c.title}`);
  const lab = jupyterVersion("lab");
  const classic = jupyterVersion("notebook");
  const kernel = installedKernel();
  console.log(`Notebooks: short experiments on ${student ? "your own lab code" : "each chapter's reference code"}. Change a cell, run it again.

${files.join("\n") || "  (none yet)"}

They use the tslab TypeScript kernel, started from the repository root (tslab compiles only files under its working
directory, so the notebooks import ./${codeTree}/NN-slug/file). In Jupyter:

  1. Install Jupyter once: ${PIP_INSTALL}
     or, on Debian/Ubuntu: sudo apt-get install ${APT_PACKAGES}
     (all four: jupyter-notebook alone brings neither \`jupyter kernelspec\` nor nbconvert)
  2. npm run notebook -- open      registers the kernel (as "tslab") and starts Jupyter here
     (or: npm run notebook -- install, then jupyter lab  — from any folder of this repository)
  3. Open notebooks/NN-slug.ipynb; the kernel is "TypeScript".

Without Jupyter: npm run notebook -- run 01   (runs every cell and prints the outputs; pictures show as a note).

Here: Jupyter Lab ${lab ?? "not installed"}, Jupyter Notebook ${classic ?? "not installed"}, kernel "tslab" ${
    kernel ? (kernel.ours ? "registered (the course's)" : "registered, but tslab's own: run npm run notebook -- install") : "not registered"
  }.

${USAGE}`);
}

function install(): boolean {
  if (!jupyterVersion("kernelspec")) {
    console.error(`Jupyter is not installed: ${INSTALL_HINT}`);
    return false;
  }
  const r = installKernel();
  console.log(r.ok ? `Registered the course's tslab kernel. ${r.message}` : `Could not register the kernel:\n${r.message}`);
  return r.ok;
}

async function open(which: string | undefined): Promise<boolean> {
  const app = which ?? (jupyterVersion("lab") ? "lab" : jupyterVersion("notebook") ? "notebook" : undefined);
  if (!app || !jupyterVersion(app)) {
    console.error(`Jupyter ${which ?? "Lab or Notebook"} is not installed: ${INSTALL_HINT.replace(/^install Jupyter: /, "")}`);
    return false;
  }
  if (!installedKernel()?.ours && !install()) return false;
  console.log(`Starting jupyter ${app} in the repository root; open notebooks/ there. Stop it with Ctrl+C.`);
  const child = spawn("jupyter", [app], { cwd: ROOT, stdio: "inherit" });
  return new Promise((resolve) => {
    child.once("error", (e) => {
      console.error(`could not start jupyter ${app}: ${e.message}`);
      resolve(false);
    });
    child.on("close", (code) => resolve(code === 0));
  });
}

async function run(files: string[]): Promise<boolean> {
  let ok = true;
  for (const file of files) {
    console.log(`\n### ${file}`);
    const r = await runNotebook(file, (e) => {
      if (e.type === "cell-start") console.log(`\n── cell ${e.cell} ${"─".repeat(60)}\n${e.source.replace(/^/gm, "│ ")}\n`);
      if (e.type === "output") process.stdout.write(outputAsText(e.output));
    });
    const bad = problems(r);
    console.log(bad.length ? `\n✗ ${bad.join("\n")}` : `\n✓ ${file}: ${r.cells.length} code cells ran in ${(r.ms / 1000).toFixed(1)} s`);
    ok &&= !bad.length;
  }
  return ok;
}

async function check(files: string[]): Promise<boolean> {
  let ok = true;
  for (const r of await checkNotebooks(files)) {
    const bad = problems(r);
    console.log(bad.length ? `✗ ${bad.join("\n")}` : `✓ ${r.file}: ${r.cells.length} code cells in ${(r.ms / 1000).toFixed(1)} s`);
    ok &&= !bad.length;
  }
  return ok;
}

async function checkJupyter(files: string[]): Promise<boolean> {
  const version = jupyterVersion("nbconvert");
  if (!version) {
    const ci = process.env.CI === "true";
    console.error(`${ci ? "✗" : "skipped:"} jupyter nbconvert is not installed; ${INSTALL_HINT}`);
    return !ci;
  }
  console.log(`jupyter nbconvert ${version}; executed notebooks go to ${JUPYTER_OUT_DIR}/`);
  const results = await checkWithJupyter(files, join(ROOT, JUPYTER_OUT_DIR));
  for (const r of results) console.log(r.ok ? `✓ ${r.file}: executed by Jupyter in ${(r.ms / 1000).toFixed(1)} s` : `✗ ${r.problems.join("\n")}`);
  return results.every((r) => r.ok);
}

function strip(files: string[]): boolean {
  for (const file of files) {
    const before = readFileSync(join(ROOT, file), "utf8");
    const after = serialize(stripped(readNotebook(join(ROOT, file))));
    if (before === after) continue;
    writeFileSync(join(ROOT, file), after);
    console.log(`stripped ${rel(file)}`);
  }
  return true;
}

async function build(files: string[]): Promise<boolean> {
  const done = await writeExecutedNotebooks(files.map((f) => f.slice("notebooks/".length, -".ipynb".length)));
  for (const e of done) console.log(e.problems.length ? `✗ ${e.problems.join("\n")}\n  (written anyway: ${e.path})` : `✓ ${e.path}`);
  return done.every((e) => !e.problems.length);
}

async function main(): Promise<boolean> {
  const { positionals } = parseArgs({ allowPositionals: true, strict: true, options: {} });
  const [command, ...rest] = positionals;
  switch (command) {
    case undefined:
    case "help":
      help();
      return true;
    case "install":
      return install();
    case "open":
      return open(rest[0]);
    case "run":
      return run(notebooksFor(rest));
    case "check":
      return check(notebooksFor(rest));
    case "check-jupyter":
      return checkJupyter(notebooksFor(rest));
    case "strip":
      return strip(notebooksFor(rest));
    case "build":
      return build(notebooksFor(rest));
    default:
      console.error(`unknown command "${command}"\n\n${USAGE}`);
      return false;
  }
}

try {
  process.exitCode = (await main()) ? 0 : 1;
} catch (e) {
  console.error((e as Error).message);
  process.exitCode = 1;
}
