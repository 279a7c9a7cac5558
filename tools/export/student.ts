// The student edition: a fresh, self-contained repository made from this one — chapters, starters, public
// tests, notebooks pointed at the labs, the learner's tools, a test catalog, checksums of the grading files
// and a GitHub Classroom workflow — with no reference solution in any file (checked before it is committed).
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { CATALOG } from "../grader/catalog";
import { CHECKSUMS, makeChecksums, recordDigest } from "../grader/integrity";
import { testFilesOf } from "../grader/test-files";
import { isSource } from "../lib/files";
import { expectedLabs } from "../lib/labs";
import { type Chapter, loadManifest, readyChapters, ROOT } from "../lib/manifest";
import { buildCatalog } from "./catalog";
import { classroomWorkflow } from "./classroom";
import { findLeaks, formatLeaks, needlesOf, solutionBodies, type Leak } from "./leaks";
import { redactMarkdown, studentNotebook, withoutCourseOnly } from "./notebooks";
import { type Lock, type PackageJson, pruneLock, studentPackage } from "./packages";
import { studentReadme } from "./readme";
import { filesUnder, GRADER_DIRS, importClosure, packagesImported, relativePosix, STUDENT_COMMANDS } from "./select";

const TEMPLATES = join(dirname(fileURLToPath(import.meta.url)), "templates");

export interface StudentExportOptions {
  readonly root?: string;
  readonly outDir: string;
  /** Make it a git repository with one commit (the default). */
  readonly git?: boolean;
}

export interface StudentExport {
  /** Every file written, relative to outDir. */
  readonly files: readonly string[];
  /** Digest of the checksum record: the value every grade report of this copy should print. */
  readonly record: string;
  readonly notes: readonly string[];
}

/** Tools the student copy runs by path, not by import (the vitest config, the grader's worker files). */
const GRADING_EXTRAS = ["tools/grader/setup.ts", "tools/grader/reporter.ts", "tools/lib/test-banner.ts", "tools/grader/stuck-notice.ts"];
const NOTEBOOK_TOOL = "tools/notebook.ts";

export function exportStudent(options: StudentExportOptions): StudentExport {
  const root = options.root ?? ROOT;
  const out = options.outDir;
  if (existsSync(out) && readdirSync(out).length) throw new Error(`${out} exists and is not empty: give a new folder`);
  const manifest = loadManifest(root);
  const ready = readyChapters(manifest);
  const notes: string[] = [];
  const written = new Map<string, string | Buffer>();
  const put = (file: string, content: string | Buffer): void => {
    written.set(file, content);
    mkdirSync(dirname(join(out, file)), { recursive: true });
    writeFileSync(join(out, file), content);
  };
  const copy = (file: string): void => put(file, readFileSync(join(root, file)));
  const read = (file: string): string => readFileSync(join(root, file), "utf8");

  // Public tests and whatever they import; nothing instructor-only may come along.
  const publicTests = ready.flatMap((c) => testFilesOf(root, c).filter((f) => f.visibility === "visible"));
  const testFiles = [...importClosure(root, publicTests.map((f) => relativePosix(root, f.path)))];
  // tools/lib/ is the machinery's shared library, handed out with the grader anyway (chapter 14's loopback tests use
  // its process groups); it holds no test and no solution.
  const privateTest = testFiles.find((f) => !(f.startsWith("test/") || f.startsWith("tools/lib/")) || /^test\/(hidden|course|site|fixtures|classroom)\//.test(f));
  if (privateTest) throw new Error(`a public test imports ${privateTest}, which is not handed out`);
  testFiles.forEach(copy);

  // What a student may see anyway (starter code, public tests): a line found there gives nothing away.
  const starters = expectedLabs(manifest, root);
  const allowed = [...[...starters].filter(([f]) => isSource(f)).map(([, t]) => t), ...testFiles.map(read)];
  const needles = needlesOf(solutionBodies(root), allowed);

  // Starters, made afresh from solutions/ (so a stale labs/ cannot leak or lag), and the narrative; a hint or
  // a paragraph that spells out reference code is left out.
  const markdown = (file: string, text: string): void => {
    const r = redactMarkdown(withoutCourseOnly(text).text, file, needles);
    for (const where of r.redacted) notes.push(`left out of ${where}: it spelled out reference code`);
    put(file, r.text);
  };
  for (const [f, text] of starters) (f.endsWith(".md") ? markdown : put)(`labs/${f}`, text);
  for (const c of ready) {
    const ch = `chapters/${c.id}.md`;
    if (existsSync(join(root, ch))) markdown(ch, read(ch));
  }

  // The learner's tools and the grader, with everything they import.
  const commands = Object.entries(STUDENT_COMMANDS).filter(([, f]) => existsSync(join(root, f)));
  const hasSite = existsSync(join(root, "site/src/build/index.ts"));
  const toolEntries = [...commands.map(([, f]) => f), ...GRADER_DIRS.flatMap((d) => filesUnder(root, d)), ...GRADING_EXTRAS];
  const sources = new Set(importClosure(root, toolEntries.filter((f) => f.endsWith(".ts"))));
  if (hasSite) {
    put("tools/site.ts", readFileSync(join(TEMPLATES, "site.ts.tmpl"), "utf8"));
    for (const f of importClosure(root, filesUnder(root, "site/src").filter((x) => x.endsWith(".ts")))) sources.add(f);
    for (const f of filesUnder(root, "site/src")) sources.add(f);
    if (existsSync(join(root, "site/.gitignore"))) sources.add("site/.gitignore");
    // The lab's recording only: the reference demo's shows what finished code prints.
    for (const c of ready) if (existsSync(join(root, "site/casts", `${c.id}.lab.cast`))) sources.add(`site/casts/${c.id}.lab.cast`);
  } else {
    notes.push("site/ was not there: the copy has no course site (export again once it exists)");
  }
  for (const f of sources) {
    if (f.startsWith("tools/export/") || f === CHECKSUMS || f.startsWith("solutions/")) continue;
    copy(f);
  }

  // Notebooks, pointed at the learner's labs, without outputs, with the tool that opens and runs them.
  const notebooks: string[] = [];
  for (const c of ready) {
    const nb = `notebooks/${c.id}.ipynb`;
    if (!existsSync(join(root, nb))) continue;
    const { json, replaced } = studentNotebook(read(nb), nb, needles);
    if (replaced) notes.push(`${nb}: ${replaced} cell(s) showed reference code and were replaced by a note`);
    put(nb, json);
    notebooks.push(nb);
  }
  if (!notebooks.length) notes.push("no notebooks for the ready chapters yet: the copy has none");
  const notebookTool = notebooks.length > 0 && existsSync(join(root, NOTEBOOK_TOOL));
  if (notebookTool) {
    commands.push(["notebook", NOTEBOOK_TOOL]);
    // The kernel launcher and the runner's worker are started by path, so both folders come along whole.
    const folders = ["tools/notebooks", "tools/lib/notebooks"].flatMap((d) => filesUnder(root, d));
    for (const f of importClosure(root, [NOTEBOOK_TOOL, ...folders])) if (!written.has(f)) copy(f);
    if (existsSync(join(root, "notebooks/README.md"))) {
      put("notebooks/README.md", read("notebooks/README.md").replace(/solutions\//g, "labs/").replace(/the chapter's reference code/g, "your own lab code"));
    }
  }

  // The manifest without instructor-only points, the test configuration aimed at labs/, the catalog.
  put("course.json", JSON.stringify(studentManifest(read("course.json")), null, 2) + "\n");
  put("vitest.config.ts", studentVitestConfig(read("vitest.config.ts")));
  put("tsconfig.json", studentTsconfig(read("tsconfig.json"), (p) => existsSync(join(out, p))));
  const labs = ready.map((lab: Chapter) => ({ lab, files: testFilesOf(root, lab).filter((f) => f.visibility === "visible") }));
  put(CATALOG, JSON.stringify(buildCatalog(root, labs), null, 2) + "\n");
  put(".github/workflows/classroom.yml", classroomWorkflow(loadManifest(out)));
  put(".gitignore", readFileSync(join(TEMPLATES, "gitignore"), "utf8"));

  // Only the packages the copied files import, at this repository's locked versions.
  const pkg = JSON.parse(read("package.json")) as PackageJson;
  const tsTexts = [...written].filter(([f]) => /\.(ts|tsx)$/.test(f)).map(([, t]) => t.toString());
  const imported = packagesImported(tsTexts);
  const allDeps = { ...pkg.dependencies, ...pkg.devDependencies };
  const deps = new Set(["tsx", "typescript", "vitest", "@types/node", ...imported]);
  if (notebookTool) deps.add("tslab"); // loaded with require() by tools/lib/notebooks, which the import scan does not see
  for (const d of [...deps]) if (allDeps[`@types/${d}`]) deps.add(`@types/${d}`);
  for (const d of deps) if (!allDeps[d]) deps.delete(d); // a type-only or transitive import (vite/client, vitest/node)
  const scripts: Record<string, string> = { test: "vitest run", typecheck: "tsc -p tsconfig.json" };
  for (const [name, file] of commands) scripts[name] = `tsx ${file}`;
  if (hasSite) Object.assign(scripts, { start: "tsx tools/site.ts --serve", "site:build": "tsx tools/site.ts" });
  // A lab's programs (chapter 14's `lb` and `drill`): here, where there is no reference, `npm run NAME` is the learner's.
  for (const c of ready) {
    for (const name of Object.keys(c.programs ?? {})) {
      if (scripts[name]) throw new Error(`course.json: lab ${c.id}'s program "${name}" has the name of the student edition's command "${name}"`);
      scripts[name] = `tsx tools/lab.ts ${c.id.slice(0, 2)} ${name}`;
    }
  }
  const student = studentPackage(pkg, scripts, [...deps]);
  put("package.json", JSON.stringify(student, null, 2) + "\n");
  const lock = JSON.parse(read("package-lock.json")) as Lock;
  put("package-lock.json", JSON.stringify(pruneLock(lock, student, student.devDependencies!), null, 2) + "\n");

  // The chapters also name the course repository's own commands (its benchmarks, mostly): the README says so.
  const chapterText = ready.map((c) => written.get(`chapters/${c.id}.md`)?.toString() ?? "").join("\n");
  const courseCommands = [...new Set(npmScriptsIn(chapterText))].filter((n) => !scripts[n]).sort();
  put("README.md", studentReadme(loadManifest(out), { hasSite, notebooks, commands: commands.map(([n]) => n), courseCommands }));

  // Tamper evidence: the checksums of everything that decides a grade.
  const graded = [...written.keys()].filter((f) =>
    /^test\//.test(f) || /^tools\/(grade\.ts|grader\/|lib\/)/.test(f) ||
    ["vitest.config.ts", "package.json", "course.json", ".github/workflows/classroom.yml"].includes(f));
  const checksums = makeChecksums(out, graded);
  put(CHECKSUMS, JSON.stringify(checksums, null, 2) + "\n");

  const files = [...written.keys()].sort();
  const leaks = findLeaks(out, files, solutionBodies(root), allowed);
  if (leaks.length) throw new LeakError(leaks);

  if (options.git !== false) {
    const git = (...args: string[]): void => void execFileSync("git", args, { cwd: out, stdio: "ignore" });
    git("init", "-q", "--initial-branch=main");
    git("add", "-A");
    git("-c", "user.name=Hub & Spokes", "-c", "user.email=course@example.invalid", "-c", "commit.gpgsign=false",
      "commit", "-q", "--no-verify", "-m", `${manifest.title}: student edition`);
  }
  return { files, record: recordDigest(checksums), notes };
}

export class LeakError extends Error {
  constructor(readonly leaks: readonly Leak[]) {
    super(`reference code found in the student copy:\n${formatLeaks(leaks)}`);
  }
}

/** The scripts a text tells its reader to run: "bench" of `npm run bench -- hub`, "bench:status" of `npm run bench:status`. */
export const npmScriptsIn = (text: string): string[] => [...text.matchAll(/\bnpm run ([a-z][\w:-]*)/g)].map((m) => m[1]!);

/** course.json for students: instructor-only points are the instructor's business. */
function studentManifest(text: string): unknown {
  const m = JSON.parse(text) as { chapters: Record<string, unknown>[] };
  return { ...m, chapters: m.chapters.map(({ hiddenPoints: _h, ...c }) => c) };
}

/** The course's test configuration with `@target` aimed at labs/ by default (the course aims it at solutions/). */
export function studentVitestConfig(text: string): string {
  const from = /process\.env\.HUB_TARGET \?\? "solutions"/;
  if (!from.test(text)) throw new Error(`vitest.config.ts: cannot find where @target defaults to solutions/ (${from.source}); update tools/export/student.ts`);
  return text
    .replace(/^\/\/.*\n(\/\/.*\n)*/, "// Test configuration. Tests import the code under test as `@target/NN-slug/file`, which points at your\n// labs/ (the grader may point it at another tree through HUB_TARGET).\n")
    // Set in the environment, not only here, so the banner and the workers see it too.
    .replace(from, `(process.env.HUB_TARGET ??= resolve("labs"))`);
}

/** The course's tsconfig, with `@target` at labs/ and only the folders this copy has. */
export function studentTsconfig(text: string, exists: (p: string) => boolean): string {
  const t = JSON.parse(text) as { compilerOptions: { paths?: Record<string, string[]> }; include?: string[] };
  t.compilerOptions.paths = { ...t.compilerOptions.paths, "@target/*": ["labs/*"] };
  if (t.include) t.include = t.include.filter((p) => !p.startsWith("solutions") && !p.startsWith("bench") && (p.includes("*") ? exists(p.split("/")[0]) : exists(p)));
  return JSON.stringify(t, null, 2) + "\n";
}
