// The course's dependency rules (stated in CONTRIBUTING.md, "Who may import what") as a checker: which folder's
// code may import which. A pure function over (file, imports) pairs, so a test can prove it fails on a bad example.
import { isBuiltin } from "node:module";
import { posix } from "node:path";
import ts from "typescript";

export interface FileImports {
  /** Repository-relative, forward slashes: `solutions/02-hub/main.ts`. */
  readonly file: string;
  /** Module specifiers as written: `../01-coroutines/scheduler`, `node:fs`, `vitest`. */
  readonly imports: readonly string[];
}

export interface Violation {
  readonly file: string;
  readonly spec: string;
  readonly rule: string;
}

/** Every module specifier a file names: import and export … from, import(), require(), `import type` too. */
export function importsOf(text: string): string[] {
  return ts.preProcessFile(text, true, true).importedFiles.map((f) => f.fileName);
}

/**
 * Files written into another place than where they sit are checked from where they land: the student edition's
 * `npm run site:build` entry point is a template under tools/export/templates/ that the exporter writes as tools/site.ts.
 */
const LANDS_AT: Readonly<Record<string, string>> = { "tools/export/templates/site.ts.tmpl": "tools/site.ts" };

/** The only files of tools/ that may import site/: the commands that build and serve it. */
export const SITE_ENTRY_POINTS: readonly string[] = ["tools/start.ts", "tools/site.ts"];

type Area =
  | { kind: "common"; tree: "solutions" | "labs" }
  | { kind: "chapter"; tree: "solutions" | "labs"; n: number; id: string }
  | { kind: "solutions-other"; tree: "solutions" | "labs" }
  | { kind: "tools/lib" | "tools" | "site" | "bench" | "test" | "root" | "outside" };

export const COMMON = "00-common";

function areaOf(path: string): Area {
  if (path.startsWith("../") || path === "..") return { kind: "outside" };
  const [top, second] = path.split("/");
  if (top === "solutions" || top === "labs") {
    if (second === COMMON) return { kind: "common", tree: top };
    const m = second?.match(/^(\d\d)-[a-z0-9-]+$/);
    if (m && path.includes("/", top.length + 1)) return { kind: "chapter", tree: top, n: Number(m[1]), id: second };
    return { kind: "solutions-other", tree: top };
  }
  if (top === "tools") return { kind: second === "lib" ? "tools/lib" : "tools" };
  if (top === "site" || top === "bench" || top === "test") return { kind: top };
  return { kind: "root" };
}

const isPackage = (spec: string): boolean => !spec.startsWith(".") && !spec.startsWith("/");

/**
 * The packages a chapter's reference code may import (CONTRIBUTING.md, "Who may import what"), each for a reason no
 * Node module covers. Short on purpose: every name here is a package a learner installs to run the labs.
 *   yaml — chapter 12's discovery file may be YAML, and a YAML parser is not what the course teaches.
 *   zod — chapter 14's config schema: checking a whole config, with every mistake at once, is what a schema library
 *         does well and not what the course teaches.
 */
export const SOLUTION_PACKAGES: readonly string[] = ["yaml", "zod"];

/** "yaml" for "yaml" and "yaml/util"; "@scope/name" for "@scope/name/sub". */
const packageName = (spec: string): string => spec.split("/").slice(0, spec.startsWith("@") ? 2 : 1).join("/");

/** The rule `spec`, imported by `file`, breaks; null when it keeps them all. */
export function ruleBroken(file: string, spec: string): string | null {
  const from = LANDS_AT[file] ?? file;
  const here = areaOf(from);
  if (here.kind === "test") return null; // tests may import anything
  if (isPackage(spec)) {
    if (isBuiltin(spec)) return null;
    if (here.kind === "chapter" && SOLUTION_PACKAGES.includes(packageName(spec))) return null;
    if (here.kind === "common" || here.kind === "chapter" || here.kind === "solutions-other") {
      return `reference code and labs use Node's own modules and no packages but the course's short list (${SOLUTION_PACKAGES.join(", ")}): a learner runs them with nothing else installed`;
    }
    return null; // tools, site, bench and configuration may use the course's locked packages
  }
  const target = posix.normalize(posix.join(posix.dirname(from), spec));
  const there = areaOf(target);

  switch (here.kind) {
    case "common":
      return there.kind === "common" && there.tree === here.tree
        ? null
        : `${COMMON} imports only Node's modules and its own folder (it is the bottom of the reference code)`;
    case "chapter": {
      const rule = `reference code in ${here.tree}/NN-slug imports only Node's modules, its own folder, earlier chapters (lower NN) and ${here.tree}/${COMMON}`;
      if (there.kind === "common") return there.tree === here.tree ? null : rule;
      if (there.kind !== "chapter" || there.tree !== here.tree) return rule;
      return there.id === here.id || there.n < here.n ? null : rule;
    }
    case "solutions-other":
      return `${here.tree}/ holds only chapter folders (NN-slug) and ${COMMON}`;
    case "tools/lib":
      return there.kind === "tools/lib" ? null : "tools/lib is the shared library: it imports only tools/lib, Node's modules and packages";
    case "tools":
      if (there.kind === "tools" || there.kind === "tools/lib") return null;
      if (there.kind === "site" && SITE_ENTRY_POINTS.includes(from)) return null;
      if (there.kind === "site") return `tools/ imports site/ only from the commands that build it (${SITE_ENTRY_POINTS.join(", ")}); share code through tools/lib`;
      return "tools/ imports only tools/, Node's modules and packages (never solutions/, bench/ or test/)";
    case "site":
      return there.kind === "site" || there.kind === "tools/lib" ? null : "site/ imports only site/, tools/lib/, Node's modules and packages";
    case "bench":
      return there.kind === "bench" || there.kind === "tools/lib" || (there.kind === "chapter" && there.tree === "solutions") || (there.kind === "common" && there.tree === "solutions")
        ? null
        : "bench/ imports only bench/, solutions/, tools/lib/, Node's modules and packages";
    case "root":
      return there.kind === "root" || there.kind === "tools/lib" ? null : "configuration at the root imports only tools/lib/, Node's modules and packages";
    case "outside":
      return "nothing outside the repository";
  }
}

export function checkImports(files: readonly FileImports[]): Violation[] {
  return files.flatMap(({ file, imports }) =>
    imports.flatMap((spec) => {
      const rule = ruleBroken(file, spec);
      return rule ? [{ file, spec, rule }] : [];
    }),
  );
}

export const formatViolation = (v: Violation): string => `${v.file}: imports "${v.spec}", but ${v.rule}`;

/** The files whose imports the rules cover: code in any language the course compiles, and the .ts templates. */
export const isChecked = (file: string): boolean =>
  /\.(ts|tsx|mts|cts|js|mjs|cjs)$/.test(file) && !file.endsWith(".d.ts") || file.endsWith(".ts.tmpl");
