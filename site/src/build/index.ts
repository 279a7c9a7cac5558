// Builds the course site: every page is generated here as HTML (markdown-it, shiki, diff), written to a
// static site with relative paths; vite bundles the client script and the stylesheets they link.
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { build, type Plugin } from "vite";
import { loadManifest, readyChapters } from "../../../tools/lib/manifest";
import { renderBench } from "./bench";
import { renderChapter } from "./chapter";
import { renderCodePages } from "./code";
import { forgetHighlightedFiles, initHighlighter, tokenStylesheet } from "./highlight";
import { renderHome } from "./home";
import { CLIENT_ENTRY, renderPage, TOKENS_CSS, type Page } from "./layout";
import { renderNotebook } from "./notebook";
import { executeNotebooks, type ExecutedNotebook } from "./notebook-run";
import type { Edition, Site } from "./site";

const CLIENT = resolve(dirname(fileURLToPath(import.meta.url)), "../client/main.ts");

export interface BuildOptions {
  /** The repository to build from. */
  readonly root: string;
  /** Where the static site goes (emptied first). */
  readonly outDir: string;
  /** Print vite's report of the files it wrote. */
  readonly verbose?: boolean;
  /** Run the chapters' notebooks so their pages show outputs (slow: seconds per notebook, cached in .course/). */
  readonly executeNotebooks?: boolean;
  /** Hears what a slow build is doing (each notebook it runs, and how long it took). */
  readonly progress?: (line: string) => void;
  /** "student" for a student edition's site (see Edition); "course" by default. */
  readonly edition?: Edition;
}

export interface BuildResult {
  readonly pages: readonly string[];
  readonly warnings: readonly string[];
}

/** Generates every page; throws (with the chapter, line and include) when a chapter includes code that does not exist. */
export async function generatePages(
  root: string,
  {
    executeNotebooks: run = false,
    progress,
    edition = "course",
  }: { executeNotebooks?: boolean; progress?: (line: string) => void; edition?: Edition } = {},
): Promise<{ site: Site; pages: Page[] }> {
  await initHighlighter(root);
  forgetHighlightedFiles();
  const manifest = loadManifest(root);
  const warnings: string[] = [];
  const published = readyChapters(manifest).filter((c) => {
    if (existsSync(join(root, "chapters", `${c.id}.md`))) return true;
    warnings.push(`${c.id} is ready in course.json but chapters/${c.id}.md does not exist yet: listed, not published`);
    return false;
  });
  const site: Site = { root, manifest, edition, published, warnings, assets: new Map() };
  const executed = run ? await executeNotebooks(root, published, progress) : new Map<string, ExecutedNotebook>();
  const pages: Page[] = [renderHome(site)];
  for (const c of published) {
    pages.push(renderChapter(site, c));
    const nb = renderNotebook(site, c, executed.get(c.id));
    if (nb) pages.push(nb);
  }
  pages.push(...renderCodePages(site));
  // Benchmarks belong to the full course: a student edition has neither the suites nor their results.
  if (edition === "course") pages.push(...renderBench(site));
  return { site, pages };
}

export async function buildSite(options: BuildOptions): Promise<BuildResult> {
  const root = resolve(options.root);
  const outDir = resolve(options.outDir);
  const { site, pages } = await generatePages(root, {
    executeNotebooks: options.executeNotebooks,
    progress: options.progress,
    edition: options.edition,
  });

  // vite bundles the client script and the stylesheets through one small page; the generated pages then get the
  // same <head> tags. (Passing every page through vite's HTML pipeline took seconds per dozen pages, and it
  // rewrote inline styles wrongly; our pages need nothing from it but those tags.)
  const stage = mkdtempSync(join(tmpdir(), "course-site-"));
  try {
    writeFileSync(join(stage, "index.html"), `<!doctype html><html><head>
<link rel="stylesheet" href="${TOKENS_CSS}">
<script type="module" src="${CLIENT_ENTRY}"></script>
</head><body></body></html>`);
    writeFileSync(join(stage, TOKENS_CSS), tokenStylesheet());
    for (const [sitePath, source] of site.assets) {
      const file = join(stage, "public", sitePath);
      mkdirSync(dirname(file), { recursive: true });
      copyFileSync(source, file);
    }
    // The client entry lives in site/src/client, outside the staging root.
    const client: Plugin = { name: "course-client", resolveId: (id) => (id === CLIENT_ENTRY ? CLIENT : null) };
    await build({
      configFile: false,
      root: stage,
      base: "./",
      publicDir: join(stage, "public"),
      cacheDir: join(stage, ".vite"),
      logLevel: options.verbose ? "info" : "warn",
      plugins: [client],
      build: {
        outDir,
        emptyOutDir: true,
        // The player is large; it is loaded only on pages that have a recording.
        chunkSizeWarningLimit: 1024,
        rolldownOptions: { input: { index: join(stage, "index.html") } },
      },
    });
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
  const head = readFileSync(join(outDir, "index.html"), "utf8").match(/<head>([\s\S]*?)<\/head>/)?.[1].trim();
  if (!head || !head.includes("./assets/")) throw new Error("vite wrote no asset tags into its page: cannot link the client");
  for (const page of pages) {
    const file = join(outDir, page.path);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, renderPage(page, site.manifest.title, head, site.edition));
  }
  return { pages: pages.map((p) => p.path), warnings: site.warnings };
}
