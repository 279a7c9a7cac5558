// What every page generator of the course site shares: the repository it reads, the manifest, and where
// each kind of page lives in the built site.
import { existsSync, readdirSync, statSync } from "node:fs";
import { join, posix } from "node:path";
import type { Chapter, Manifest } from "../../../tools/lib/manifest";

/**
 * Whom the site is for. "course": this repository, reference solutions and all. "student": a student edition, whose
 * solutions/ is the learner's labs/ (tools/export/templates/site.ts.tmpl) — its pages speak of the learner's own code,
 * and it has no benchmarks (they are part of the full course).
 */
export type Edition = "course" | "student";

export interface Site {
  /** The repository root the site is built from (a test may point it at a fixture). */
  readonly root: string;
  readonly manifest: Manifest;
  readonly edition: Edition;
  /** Ready chapters whose narrative exists: the ones that get pages. */
  readonly published: readonly Chapter[];
  /** Problems that do not stop the build (a ready chapter still being written, a broken bench file). */
  readonly warnings: string[];
  /** Files copied into the site as they are (casts), by site path → absolute source path. */
  readonly assets: Map<string, string>;
}

export const chapterPage = (id: string): string => `chapters/${id}.html`;
export const notebookPage = (id: string): string => `notebooks/${id}.html`;
export const codeIndexPage = (id: string): string => `code/${id}/index.html`;
/** The reference browser's page for one file of `solutions/NN-slug/` or `labs/NN-slug/`. */
export const codePage = (tree: "solutions" | "labs", id: string, file: string): string =>
  `code/${id}/${tree}/${file}.html`;
/** Casts, as committed (site/casts/) and as published. */
export const CAST_DIR = "site/casts";
export const castFile = (id: string, kind: "solution" | "lab"): string =>
  `${id}${kind === "lab" ? ".lab" : ""}.cast`;

export const partNumeral = (n: number): string => ["", "I", "II", "III", "IV", "V", "VI", "VII", "VIII"][n] ?? String(n);
export const chapterNumber = (c: Chapter): number => Number(c.id.slice(0, 2));

/** Files of a folder, recursively, as sorted posix paths relative to it; [] when it does not exist. */
export function listFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  const walk = (rel: string) => {
    for (const name of readdirSync(join(dir, rel)).sort()) {
      if (name === "node_modules" || name.startsWith(".")) continue;
      const r = rel ? posix.join(rel, name) : name;
      if (statSync(join(dir, r)).isDirectory()) walk(r);
      else out.push(r);
    }
  };
  walk("");
  return out;
}

/** The reference browser's tree a chapter's code is shown from: a student edition shows only labs/ (their own code). */
export const codeTree = (site: Site): "solutions" | "labs" => (site.edition === "student" ? "labs" : "solutions");

/** Where a link written in a repository file points on the site, or null when the site does not publish it. */
export function sitePathFor(site: Site, repoPath: string): string | null {
  const p = posix.normalize(repoPath).replace(/\/$/, "");
  const isPublished = (id: string) => site.published.some((c) => c.id === id);
  let m: RegExpMatchArray | null;
  if ((m = p.match(/^chapters\/(\d\d-[a-z0-9-]+)\.md$/))) {
    return isPublished(m[1]) ? chapterPage(m[1]) : `index.html#${m[1]}`;
  }
  if ((m = p.match(/^(solutions|labs)\/(\d\d-[a-z0-9-]+)(?:\/(.+))?$/)) && isPublished(m[2])) {
    const [, tree, id, file] = m;
    if (!file) return codeIndexPage(id);
    return existsSync(join(site.root, p)) && statSync(join(site.root, p)).isFile()
      ? codePage(site.edition === "student" ? "labs" : (tree as "solutions" | "labs"), id, file)
      : codeIndexPage(id);
  }
  if ((m = p.match(/^notebooks\/(\d\d-[a-z0-9-]+)\.ipynb$/)) && isPublished(m[1]) && existsSync(join(site.root, p))) {
    return notebookPage(m[1]);
  }
  return null;
}
