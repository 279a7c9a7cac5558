// Course check: the student edition leaks no reference code (its site: site.test.ts); it grades its
// untouched starters 0 and the reference full marks with its own grader (node_modules borrowed from this
// repository, no install), and reports edited tests. Also checks the GitHub Classroom results made from its
// report, and runs its workflow's own steps on a push whose tests were edited to pass: they earn nothing.
import { execFileSync, execSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { classroomResults } from "../../tools/grader/classroom";
import { findLeaks, formatLeaks, solutionBodies } from "../../tools/export/leaks";
import { COURSE_ONLY, withoutCourseOnly } from "../../tools/export/notebooks";
import { exportStudent, npmScriptsIn, type StudentExport } from "../../tools/export/student";
import { loadManifest, readyChapters, ROOT } from "../../tools/lib/manifest";

interface Results {
  score: number;
  max_score: number;
  output: string;
  tests: { name: string; status: string; score: number; max_score: number; visibility: string }[];
}

const ready = readyChapters(loadManifest());
const first = ready[0];
let dir: string;
let exported: StudentExport;

/** Runs the export's own grader, as a student would with `npm run grade`. */
function grade(args: string[] = []): Results {
  const out = join(dir, ".course", "check");
  execFileSync(process.execPath, ["--import", "tsx", join(dir, "tools/grade.ts"), ...args, "--out", out, "--quiet"], {
    cwd: dir, stdio: "ignore", env: { ...process.env, GITHUB_STEP_SUMMARY: "", HUB_TARGET: "" },
  });
  return JSON.parse(readFileSync(join(out, "results.json"), "utf8")) as Results;
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "student-edition-"));
  exported = exportStudent({ outDir: dir });
  symlinkSync(join(ROOT, "node_modules"), join(dir, "node_modules"), "junction");
}, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("what a student copy's markdown keeps", () => {
  it("drops a paragraph marked as the course repository's, marker and all, and keeps the rest as it was", () => {
    const md = `# Lab\n\nCheckpoint: 30/30.\n\n${COURSE_ONLY}\nThen time it: \`npm run bench -- hub --lab\`\n(chapter 02).\n\n## Further reading\n`;
    expect(withoutCourseOnly(md)).toEqual({ text: "# Lab\n\nCheckpoint: 30/30.\n\n## Further reading\n", dropped: 1 });
    expect(withoutCourseOnly("# Lab\n\nNothing marked.\n")).toEqual({ text: "# Lab\n\nNothing marked.\n", dropped: 0 });
    expect(npmScriptsIn("run `npm run bench -- hub --lab`, then npm run bench:status and `npm run lab 14 drill`")).toEqual(["bench", "bench:status", "lab"]);
  });
});

describe("the student edition", () => {
  it("holds no solution block body in any file (whitespace normalized)", () => {
    // Starter code and public tests are handed out by design: a single body line found in them is no leak.
    const allowed = exported.files.filter((f) => /^(labs\/.*\.ts|test\/.*\.test\.ts)$/.test(f)).map((f) => readFileSync(join(dir, f), "utf8"));
    const leaks = findLeaks(dir, exported.files, solutionBodies(ROOT), allowed);
    expect(formatLeaks(leaks), "reference code in the student edition").toBe("");
  }, 30_000); // reads and compares every file of the edition: 1.7 s when the machine is quiet, over 7 s when it is busy

  it("keeps every hint, lab README and chapter whole: none of them spells out reference code", () => {
    // Hints are questions, pseudo-code or smaller examples, so the leak check needs no exceptions for them.
    expect(exported.notes.filter((n) => n.startsWith("left out of")), "parts the export had to leave out").toEqual([]);
  });

  it("has no solutions, no instructor-only tests or points, and one commit of its own", () => {
    expect(existsSync(join(dir, "solutions"))).toBe(false);
    expect(exported.files.filter((f) => f.startsWith("test/hidden/") || f.startsWith("test/course/") || f.startsWith("tools/export/"))).toEqual([]);
    expect(readFileSync(join(dir, "course.json"), "utf8")).not.toMatch(/hiddenPoints/);
    const log = execFileSync("git", ["log", "--oneline"], { cwd: dir, encoding: "utf8" }).trim().split("\n");
    expect(log).toHaveLength(1);
    const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
    expect(Object.keys(pkg.scripts)).toEqual(expect.arrayContaining(["test", "grade", "lab", "watch", "hint", "course"]));
    expect(pkg.devDependencies).not.toHaveProperty("playwright-core");
    const lock = JSON.parse(readFileSync(join(dir, "package-lock.json"), "utf8"));
    expect(lock.packages[""].devDependencies).toEqual(pkg.devDependencies);
  });

  it("has every command a lab's README or hints tell the learner to run, and names the chapters' others as the course's", () => {
    const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { scripts: Record<string, string> };
    const labText = exported.files.filter((f) => /^labs\/[^/]+\/(README|hints)\.md$/.test(f));
    expect(labText.length, "lab READMEs and hints").toBeGreaterThan(ready.length);
    const missing = labText.flatMap((f) => npmScriptsIn(readFileSync(join(dir, f), "utf8")).filter((n) => !pkg.scripts[n]).map((n) => `${f}: npm run ${n}`));
    expect([...new Set(missing)], "commands a student copy does not have (mark a course-only paragraph with <!-- course repository only -->)").toEqual([]);
    // Chapter 14's programs run the learner's lab here, where there is no reference.
    expect(pkg.scripts.drill).toBe("tsx tools/lab.ts 14 drill");
    const readme = readFileSync(join(dir, "README.md"), "utf8");
    const chapters = exported.files.filter((f) => f.startsWith("chapters/")).map((f) => readFileSync(join(dir, f), "utf8")).join("\n");
    for (const n of new Set(npmScriptsIn(chapters))) if (!pkg.scripts[n]) expect(readme, `the README names npm run ${n} as the course repository's`).toContain(`\`npm run ${n}\``);
  });

  it("points every notebook at the labs, without outputs", () => {
    for (const nb of exported.files.filter((f) => f.endsWith(".ipynb"))) {
      const text = readFileSync(join(dir, nb), "utf8");
      expect(text, nb).not.toMatch(/\.\/solutions\//);
      const cells = JSON.parse(text).cells as { outputs?: unknown[] }[];
      expect(cells.every((c) => !c.outputs?.length), nb).toBe(true);
    }
  });

  it("grades untouched starters 0, every test listed by name, and finds its grading files as handed out", () => {
    // One lab is enough to prove the copy's grader works (the course checks grade every starter already);
    // grading all of them here would make every `npm test` slower with each chapter.
    const r = grade([first.id]);
    expect(r.score).toBe(0);
    expect(r.max_score).toBe(first.points);
    const catalog = JSON.parse(readFileSync(join(dir, "test/catalog.json"), "utf8"));
    expect(r.tests.map((t) => t.name).sort()).toEqual(catalog.labs[first.id].tests.map((t: { name: string }) => `${first.id} › ${t.name}`).sort());
    expect(Object.keys(catalog.labs).sort()).toEqual(ready.map((c) => c.id).sort());
    expect(r.tests.every((t) => t.visibility === "visible" && !/did not run/.test(t.name))).toBe(true);
    expect(r.output).toMatch(/Integrity: the \d+ grading files match/);
    // GitHub Classroom gets one runner per lab with the manifest's points.
    const runners = classroomResults(dir, join(dir, ".course/check/results.json"));
    expect(runners.get(`lab${first.id.slice(0, 2)}`)).toMatchObject({ max_score: first.points, status: "fail" });
    expect(runners.get("integrity")).toMatchObject({ max_score: 0, status: "pass" });
    expect(readFileSync(join(dir, ".github/workflows/classroom.yml"), "utf8")).toMatch(/autograding-grading-reporter/);
  }, 120_000);

  it(`gives the reference of ${first.id} full points, and reports a public test that was edited`, () => {
    cpSync(join(ROOT, "solutions", first.id), join(dir, "labs", first.id), { recursive: true });
    const test = join(dir, "test", `${first.id}.test.ts`);
    writeFileSync(test, readFileSync(test, "utf8") + "\n// an edit\n");
    const r = grade([first.id]);
    expect(r.score).toBe(first.points);
    expect(r.max_score).toBe(first.points);
    expect(r.output).toMatch(new RegExp(`changed +test/${first.id}\\.test\\.ts`));
  }, 120_000);
});

/** The shell lines of a workflow step's `run:` (a block `run: |` or a single line), by the step's name. */
function stepScript(workflow: string, name: string): string {
  const lines = workflow.split("\n");
  const at = lines.findIndex((l) => l.trim() === `- name: ${name}`);
  if (at < 0) throw new Error(`no step "${name}" in the workflow`);
  const run = lines.findIndex((l, i) => i > at && /^\s+run:/.test(l));
  const inline = lines[run].replace(/^\s+run:\s*/, "");
  if (inline !== "|") return inline;
  const indent = lines[run + 1].match(/^\s*/)![0];
  const body: string[] = [];
  for (const l of lines.slice(run + 1)) {
    if (!l.startsWith(indent)) break;
    body.push(l.slice(indent.length));
  }
  return body.join("\n");
}

describe("the GitHub Classroom workflow, on a push that edited the tests to pass", () => {
  it(`grades ${first.id} with the tests as handed out (a starter scores 0), and reports the edits`, () => {
    const repo = mkdtempSync(join(tmpdir(), "classroom-push-"));
    const temp = mkdtempSync(join(tmpdir(), "classroom-runner-"));
    try {
      // A student's repository: the handed-out commit, then a push that makes every public test of the
      // first lab pass trivially and adds a test file of free points.
      execFileSync("git", ["clone", "-q", dir, repo]);
      const test = join(repo, "test", `${first.id}.test.ts`);
      // Every `it` of the file swapped for one that runs nothing: each test passes, whatever the lab does.
      const edited = readFileSync(test, "utf8").replace(/^import \{([^}]*)\} from "vitest";$/m, (_, names: string) =>
        `import {${names.split(",").filter((n) => n.trim() !== "it").join(",")}, it as vitestIt } from "vitest";\n` +
        `const it = (name: string, ..._rest: unknown[]) => vitestIt(name, () => {});`);
      expect(edited).toMatch(/vitestIt/);
      writeFileSync(test, edited);
      writeFileSync(join(repo, "test", `${first.id}-free.test.ts`), `import { it } from "vitest";\nit("free points (100 pts)", () => {});\n`);
      const git = (...args: string[]): void => void execFileSync("git", args, { cwd: repo, stdio: "ignore" });
      git("add", "-A");
      git("-c", "user.name=Student", "-c", "user.email=student@example.invalid", "-c", "commit.gpgsign=false", "commit", "-q", "-m", "tests pass now");
      symlinkSync(join(ROOT, "node_modules"), join(repo, "node_modules"), "junction");

      // The workflow's own steps, as Actions runs them (one lab, so the check stays quick).
      const workflow = readFileSync(join(repo, ".github/workflows/classroom.yml"), "utf8");
      const env = { ...process.env, RUNNER_TEMP: temp, GITHUB_STEP_SUMMARY: "", HUB_TARGET: "", NO_COLOR: "1" };
      execSync(stepScript(workflow, "Restore the tests and grading tools as handed out"), { cwd: repo, env, shell: "/bin/bash", stdio: "ignore" });
      execSync(`${stepScript(workflow, "Grade the labs")} ${first.id} --quiet`, { cwd: repo, env, shell: "/bin/bash", stdio: "ignore" });

      const r = JSON.parse(readFileSync(join(repo, ".course/grade/results.json"), "utf8")) as Results;
      expect(r.score).toBe(0);
      expect(r.max_score).toBe(first.points);
      expect(r.tests.some((t) => /free points/.test(t.name))).toBe(false);
      expect(r.output).toMatch(new RegExp(`changed +test/${first.id}\\.test\\.ts`));
      expect(r.output).toMatch(new RegExp(`added +test/${first.id}-free\\.test\\.ts`));
      const runners = classroomResults(repo, join(repo, ".course/grade/results.json"));
      expect(runners.get("integrity")).toMatchObject({ max_score: 0, status: "fail" });
    } finally {
      rmSync(repo, { recursive: true, force: true });
      rmSync(temp, { recursive: true, force: true });
    }
  }, 180_000);
});
