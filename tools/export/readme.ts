// The README of a student copy: written for the learner (no reference solutions, no course machinery),
// with the ready chapters from the manifest.
import { type Manifest, readyChapters } from "../lib/manifest";

export interface ReadmeOptions {
  readonly hasSite: boolean;
  readonly notebooks: readonly string[];
  readonly commands: readonly string[];
  /** Scripts the chapters name that this copy does not have: the course repository's own (`bench`, …). */
  readonly courseCommands?: readonly string[];
}

export function studentReadme(m: Manifest, o: ReadmeOptions): string {
  const ready = readyChapters(m);
  const rows = ready.map((c) => {
    const part = m.parts.find((p) => p.id === c.part)?.title ?? "";
    return `| \`${c.id}\` | ${part} | [${c.title}](chapters/${c.id}.md) | ${c.summary} | [lab](labs/${c.id}/README.md) · ${c.points} pts |`;
  });
  const has = (cmd: string): boolean => o.commands.includes(cmd);
  const programs = ready.flatMap((c) => Object.keys(c.programs ?? {}).map((name) => `\`npm run ${name}\` (lab ${c.id.slice(0, 2)})`));
  const first = ready[0]?.id.slice(0, 2) ?? "01";
  const loop = [
    `1. Read the chapter: \`chapters/NN-slug.md\`${o.hasSite ? " (or on the course site, `npm start`)" : ""}.`,
    `2. Open the lab: \`labs/NN-slug/README.md\` lists the tasks. Every task is a \`// TODO(task N)\` in the lab's code.`,
    has("lab") ? `3. Run the lab's demo: \`npm run lab ${first}\`. It runs from minute one and says which task to do next.${programs.length ? ` A lab's own programs run your code too: ${programs.join(", ")}.` : ""}` : "",
    has("grade") ? `4. Check it: \`npm run grade ${first}\` runs the lab's tests once: points per test, as your instructor will see them, the first failure of each task in full with a diff, and a notice of type errors. Every failure in full: \`.course/grade/report.txt\`.` : "",
    has("watch") ? `5. Or as you go: \`npm run watch ${first}\` reruns the lab's tests on every save.` : "",
    has("hint") ? `5. Stuck? \`npm run hint ${first}\` shows hints for the first unfinished task, one level at a time.` : "",
    has("grade") ? `7. Grade every lab: \`npm run grade\`.` : "",
    has("course") ? `7. Where am I? \`npm run course\` shows your points per lab and what to do next.` : "",
  ].filter(Boolean).map((l, i) => l.replace(/^\d+\./, `${i + 1}.`));
  return `# ${m.title}

${m.tagline}

This is your copy of the course: the chapters, the labs you complete, the tests that grade them and the
tools to run them. Chapter by chapter you build a cooperative-concurrency **hub** (green threads scheduled by
an event loop) and then a load balancer on top of it.

## Set up

You need Node.js 20 (20.19 or later) and npm.

\`\`\`sh
npm ci
npm run grade        # every lab scores 0 until you start: that is expected
\`\`\`

## How to work through a chapter

${loop.join("\n")}

Later labs build on your earlier ones (chapter 3 imports your hub from chapter 2), so finish them in order.

\`npm test\` runs every public test against your labs. The tests of a lab fail until you solve it — that is
how you know what is left.
${o.courseCommands?.length ? `
The chapters also name commands of the course's own repository, which runs them on its reference solution:
${o.courseCommands.map((c) => `\`npm run ${c}\``).join(", ")}. They are not part of this copy; the chapters quote what they printed.
` : ""}
## Chapters

| id | part | chapter | what you build | lab |
|---|---|---|---|---|
${rows.join("\n")}

${o.notebooks.length ? `## Notebooks

\`notebooks/\` holds a notebook per chapter (${o.notebooks.map((n) => `\`${n}\``).join(", ")}) for experiments, in
Jupyter with the [tslab](https://github.com/yunabe/tslab) kernel. They import **your** lab code (\`../labs/…\`),
so a cell that calls a task you have not done yet says "not implemented yet". Start Jupyter from this folder.

` : ""}${o.hasSite ? `## The course site

\`npm start\` builds the site (chapters beside the code, your lab's code, recordings) from this copy and serves
it locally; \`npm run site:build\` writes it to \`site/dist/\`.

` : ""}## Grading

- \`npm run grade\` writes \`.course/grade/report.txt\` (every failure in full), \`results.json\` (Gradescope's format), \`junit.xml\` and \`summary.md\`.
  Each lab runs in a process of its own with a time limit (${m.limits.labSeconds} s per lab, ${m.limits.testMilliseconds / 1000} s per
  test): an endless loop costs the test it runs in its points (a loop at import, the lab's), never the grader.
- Edit only \`labs/\`. The tests (\`test/\`) and the grading tools (\`tools/\`) are recorded with checksums when
  this copy was made; grading says so in its report when any of them differ, and your instructor grades with
  the copies handed out anyway (so does the GitHub workflow): an edited test earns nothing.
- Your lab's code never needs the test framework, the grader's files or environment, or other processes: a lab
  that reaches for them scores 0, "results tampered with".
- Pushing to GitHub runs the grader in GitHub Actions (\`.github/workflows/classroom.yml\`) and reports your
  points; unfinished labs never make that build fail.
- Your instructor may also grade with tests you do not see here.
`;
}
