// Course checks for the notebooks: every ready chapter has one, committed clean (tslab kernel, no outputs); every
// cell of every notebook runs through tslab's own API; and once more through real Jupyter (nbconvert) when it is
// installed — which CI=true requires.
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadManifest, readyChapters, ROOT } from "../../tools/lib/manifest";
import { checkWithJupyter, INSTALL_HINT, JUPYTER_NOTEBOOK_SECONDS, jupyterVersion, type JupyterResult } from "../../tools/notebooks/jupyter";
import { chaptersWithNotebooks, KERNELSPEC, leftovers, notebookIds, notebookPath, readNotebook } from "../../tools/notebooks/nbformat";
import { NOTEBOOK_SECONDS, problems, runNotebook } from "../../tools/notebooks/run";

const manifest = loadManifest();
const ready = readyChapters(manifest);
const files = chaptersWithNotebooks(ROOT, manifest).map((c) => notebookPath(c.id));
const LIMIT_MS = (NOTEBOOK_SECONDS + 10) * 1000;

describe("notebooks: one per ready chapter, committed clean", () => {
  it.each(ready.map((c) => c.id))("%s has its notebook", (id) => {
    const file = notebookPath(id);
    expect(existsSync(join(ROOT, file)), `${file} is missing: every ready chapter has a notebook (CONTRIBUTING.md, Notebooks)`).toBe(true);
  });

  it("every notebook in notebooks/ is named after a chapter", () => {
    const ids = new Set(manifest.chapters.map((c) => c.id));
    expect(notebookIds(ROOT).filter((id) => !ids.has(id)), "notebooks named after no chapter in course.json").toEqual([]);
  });

  it.each(files)("%s names the tslab kernel and carries no outputs or execution counts", (file) => {
    const nb = readNotebook(join(ROOT, file));
    expect(nb.metadata.kernelspec?.name, `${file}: the kernelspec must be tslab's`).toBe(KERNELSPEC.name);
    expect(leftovers(nb), `${file} was committed with outputs: run npm run notebook -- strip`).toEqual([]);
  });
});

describe.concurrent("notebooks: every cell runs through tslab's API", () => {
  it.each(files)(
    "%s",
    async (file) => {
      const r = await runNotebook(file);
      expect(problems(r).join("\n"), `run it yourself: npm run notebook -- run ${file.slice(10, 12)}`).toBe("");
    },
    LIMIT_MS,
  );
});

describe("notebooks: every cell runs in real Jupyter (jupyter nbconvert --execute)", () => {
  const version = jupyterVersion("nbconvert");
  if (!version) {
    if (process.env.CI === "true") {
      it("jupyter nbconvert is installed (required when CI=true)", () => {
        throw new Error(`jupyter nbconvert is not installed: ${INSTALL_HINT}`);
      });
    } else {
      console.log(`Skipping the Jupyter run of the notebooks: jupyter nbconvert is not installed; ${INSTALL_HINT}`);
      it.skip.each(files)("%s (skipped: Jupyter is not installed)", () => {});
    }
    return;
  }
  let results: JupyterResult[] = [];
  let out = "";
  beforeAll(async () => {
    out = mkdtempSync(join(tmpdir(), "hub-nbconvert-"));
    results = await checkWithJupyter(files, out);
  }, (JUPYTER_NOTEBOOK_SECONDS * files.length + 10) * 1000); // each notebook has its own limit; this only backs them up
  afterAll(() => rmSync(out, { recursive: true, force: true }));
  it.each(files)("%s", (file) => {
    const r = results.find((x) => x.file === file);
    expect(r?.problems.join("\n") ?? "not run", `check it yourself: npm run notebook -- check-jupyter ${file.slice(10, 12)}`).toBe("");
  });
});
