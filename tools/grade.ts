// `npm run grade [NN…] [--isolate] [--out DIR]`: grades labs/ against the grading tests, each lab in a
// child process with a time limit, and writes a terminal table, report.txt (every failure in full),
// results.json (Gradescope), JUnit XML and, when $GITHUB_STEP_SUMMARY is set, a markdown summary. It is
// also the learner's one-shot check (`npm run grade 02`): the first failure of each task in full, with a
// diff, a notice of type errors in the lab, and what to do next. Exit code 0 when the report was written, 2 when
// the grader itself failed (never because a lab failed).
import { appendFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { parseArgs } from "node:util";
import { type Chapter, findChapter, hiddenPoints, labSeconds, loadManifest, readyChapters, ROOT } from "./lib/manifest";
import { isInside } from "./lib/files";
import { COMMON } from "./lib/labs";
import { loadProgress, saveProgress, stateDir } from "./lib/progress";
import { catalogTests } from "./grader/catalog";
import { checkIntegrity, integrityLines } from "./grader/integrity";
import { findingLine, scanLab } from "./grader/lab-scan";
import { gradescopeResults, junitXml, markdownSummary, terminalReport } from "./grader/report";
import { terminalWidth } from "./grader/failure-text";
import { type LabResult, runLab } from "./grader/run-lab";
import { typeErrorsInBackground, typeNotice } from "./grader/typecheck";
import { testFilesOf } from "./grader/test-files";
import { listTests } from "./lib/test-list";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    isolate: { type: "boolean", default: false },
    out: { type: "string" },
    root: { type: "string" },
    target: { type: "string" },
    submission: { type: "string" },
    quiet: { type: "boolean", default: false },
    help: { type: "boolean", short: "h", default: false },
  },
});

if (values.help) {
  console.log(`Usage: npm run grade -- [NN …] [--isolate] [--out DIR]
  NN …        labs to grade (default: every ready lab)
  --isolate   grade each lab with the earlier chapters taken from solutions/, so one bug upstream does not zero it
  --out DIR   where report.txt, results.json, junit.xml and summary.md go (default: .course/grade)
  --quiet     no progress lines, no type-check notice (for scripts and autograders)
  --target    the lab tree to grade (default: labs/)
  --submission DIR  a submitted repository whose tests and tools are compared with the handed-out copies
              (the Gradescope autograder; by default the course root itself is checked)`);
  process.exit(0);
}

const root = resolve(values.root ?? ROOT);
const manifest = loadManifest(root);
const outDir = resolve(values.out ?? join(stateDir(root), "grade"));

/** The grading tests of a lab: test/NN-slug*.test.ts (public) and test/hidden/NN-slug*.test.ts (instructor only). */
export { testFilesOf };

/** Names of every test the reference passes, so tests a broken lab never reached still show up by name. */
function expectedTests(files: readonly string[]): Map<string, string[]> {
  const byFile = new Map<string, string[]>();
  const solutions = join(root, "solutions");
  if (!files.length) return byFile;
  // A student copy or an autograder has no reference to list tests from: the export wrote them down.
  if (!existsSync(solutions)) return catalogTests(root, files);
  try {
    for (const t of listTests(root, files, 60_000)) byFile.set(t.file, [...(byFile.get(t.file) ?? []), t.name]);
  } catch {
    // Without the list the grader still counts the lab's points from the manifest; names are a nicety.
  }
  return byFile;
}

/** A tree with every chapter from solutions/ except `lab`, which comes from the learner's labs/. */
function isolatedTree(lab: Chapter, labsDir: string): string {
  const solutions = join(root, "solutions");
  if (!existsSync(solutions)) throw new Error("--isolate needs the reference solutions (solutions/), which this copy does not have");
  const tree = join(stateDir(root), "isolate", lab.id);
  rmSync(tree, { recursive: true, force: true });
  mkdirSync(tree, { recursive: true });
  if (existsSync(join(solutions, COMMON))) cpSync(join(solutions, COMMON), join(tree, COMMON), { recursive: true });
  for (const c of readyChapters(manifest)) {
    const from = join(c.id === lab.id ? labsDir : solutions, c.id);
    if (existsSync(from)) cpSync(from, join(tree, c.id), { recursive: true });
  }
  return tree;
}

/**
 * The tree to grade for `dir`. Some tests start the lab's own code outside vitest (tsx on chapter 14's cli.ts, a worker
 * thread for a call that may never return), and Node finds a file's packages (yaml, zod) and whether it is an ES module
 * from the folders above it: a tree outside the course (a learner's clone, the autograder's scratch folder) has neither,
 * so its lab folders are graded from a copy in .course/, removed when grading ends.
 */
function treeInsideCourse(dir: string): string {
  if (isInside(ROOT, dir)) return dir;
  mkdirSync(stateDir(ROOT), { recursive: true });
  const copy = mkdtempSync(join(stateDir(ROOT), "graded-"));
  process.on("exit", () => rmSync(copy, { recursive: true, force: true }));
  cpSync(dir, copy, { recursive: true, filter: (from) => !/[/\\](node_modules|\.git)$/.test(from) });
  return copy;
}

async function main(): Promise<number> {
  const labs = positionals.length ? positionals.map((q) => findChapter(manifest, q)) : readyChapters(manifest);
  const given = resolve(values.target ?? join(root, "labs"));
  const labsDir = treeInsideCourse(given);
  const files = new Map(labs.map((l) => [l.id, testFilesOf(root, l)]));
  // A notice for the learner (tsx runs code without checking types); graders and the autograder skip it.
  const types = values.quiet ? null : typeErrorsInBackground(root, labs.map((l) => join(labsDir, l.id)));
  const expected = expectedTests([...files.values()].flat().map((f) => f.path));

  const results: LabResult[] = [];
  for (const lab of labs) {
    const labFiles = files.get(lab.id)!;
    const hidden = labFiles.filter((f) => f.visibility === "hidden");
    if (!values.quiet) process.stderr.write(`grading ${lab.id}…\n`);
    if (!labFiles.length) throw new Error(`no grading tests found for ${lab.id} (expected test/${lab.id}.test.ts)`);
    const target = values.isolate ? isolatedTree(lab, labsDir) : labsDir;
    // What no lab needs and a forged grade does (the test framework, the grader's files…): the lab scores 0.
    const found = scanLab(target, labFiles.map((f) => f.path)).map(findingLine);
    results.push(
      await runLab({
        lab: lab.id,
        title: lab.title,
        root,
        target,
        files: labFiles,
        seconds: labSeconds(manifest, lab),
        testMilliseconds: manifest.limits.testMilliseconds,
        // Instructor-only tests count only where they are present (never in a student copy).
        points: lab.points + (hidden.length ? hiddenPoints(lab) : 0),
        expected: labFiles.flatMap((f) => expected.get(f.path) ?? []),
        expectedHidden: hidden.flatMap((f) => expected.get(f.path) ?? []),
        outputBytes: manifest.limits.outputBytesPerTest,
        tampering: found,
      }),
    );
  }

  // Tamper evidence: were the tests and grading tools changed from the copies handed out?
  const integrity = integrityLines(
    values.submission ? checkIntegrity(root, resolve(values.submission), { onlyPresent: true }) : checkIntegrity(root, root),
  );
  const summary = markdownSummary(results) + (integrity.length ? `\n${integrity.map((l) => (l.startsWith("  ") ? `- \`${l.trim()}\`` : l)).join("\n")}\n` : "");

  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, "results.json"), JSON.stringify(gradescopeResults(results, integrity.join("\n")), null, 2) + "\n");
  writeFileSync(join(outDir, "junit.xml"), junitXml(results));
  writeFileSync(join(outDir, "summary.md"), summary);
  if (process.env.GITHUB_STEP_SUMMARY) appendFileSync(process.env.GITHUB_STEP_SUMMARY, summary);
  recordProgress(results);

  const color = Boolean(process.stdout.isTTY) && !process.env.NO_COLOR;
  writeFileSync(join(outDir, "report.txt"), terminalReport(results, { color: false, width: 110, everyFailure: true }) + "\n" + integrity.map((l) => `${l}\n`).join(""));
  console.log(terminalReport(results, { color, width: terminalWidth() }));
  if (integrity.length) console.log(integrity.join("\n"));
  if (types) {
    // Checked in the copy, where the course's packages resolve; named as the learner's own files.
    const named = (file: string): string => relative(root, join(given, relative(labsDir, resolve(root, file))));
    const notice = typeNotice((await types.result()).map((e) => ({ ...e, file: named(e.file) })));
    if (notice.length) console.log(`\n${notice.join("\n")}`);
  }
  const report = relative(process.cwd(), join(outDir, "report.txt"));
  console.log(`\nEvery failure in full: ${report.startsWith("..") ? join(outDir, "report.txt") : report}; for tools: results.json, junit.xml, summary.md in the same folder.`);
  const next = results.find((r) => r.score < r.max && r.outcome !== "tampered");
  if (next && !values.quiet && !values.target) {
    const task = next.tests.find((t) => t.status === "failed")?.task;
    console.log(`Next: ${task ? `task ${task} of ` : ""}${next.lab} (labs/${next.lab}/README.md; stuck? npm run hint ${next.lab.slice(0, 2)}; again: npm run grade ${next.lab.slice(0, 2)})`);
  }
  const broken = results.filter((r) => r.outcome === "harness error");
  if (broken.length) {
    console.error(`Harness error in ${broken.map((b) => b.lab).join(", ")}: the grader could not run those tests. Not the learner's fault.`);
    return 2;
  }
  return 0;
}

function recordProgress(results: readonly LabResult[]): void {
  if (values.target || values.root) return; // fixture or foreign trees are not the learner's progress
  const p = loadProgress(root);
  for (const r of results) {
    // The learner's points are the public tests'; instructor-only tests are kept apart (npm run course).
    const visible = r.tests.filter((t) => t.visibility === "visible");
    const hidden = r.tests.filter((t) => t.visibility === "hidden");
    const sum = (ts: typeof r.tests, k: "score" | "max"): number => ts.reduce((s, t) => s + t[k], 0);
    const tasks: Record<string, { passed: number; total: number }> = {};
    for (const t of visible) {
      const k = String(t.task ?? "other");
      tasks[k] ??= { passed: 0, total: 0 };
      tasks[k].total++;
      if (t.status === "passed") tasks[k].passed++;
    }
    p.labs[r.lab] = {
      score: sum(visible, "score"), max: sum(visible, "max"), outcome: r.outcome, when: new Date().toISOString(), tasks,
      ...(hidden.length ? { hidden: { score: sum(hidden, "score"), max: sum(hidden, "max") } } : {}),
    };
  }
  saveProgress(p, root);
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    // The grader's own failure: say so plainly, and still leave a results.json that says what happened.
    const message = e instanceof Error ? e.message : String(e);
    console.error(`Harness error: ${message}`);
    try {
      mkdirSync(outDir, { recursive: true });
      writeFileSync(join(outDir, "results.json"), JSON.stringify({ score: 0, output: `Harness error (not the learner's fault): ${message}`, tests: [] }, null, 2) + "\n");
    } catch {
      /* nothing more we can do */
    }
    process.exit(2);
  },
);
