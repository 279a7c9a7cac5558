// The student copy's GitHub Actions workflow, .github/workflows/classroom.yml: on every push it restores the
// tests and grading tools as handed out (from the repository's first commit, the template's own copy, as the
// Gradescope autograder uses its own), grades the labs with them (step summary included), reports how the
// pushed tests and tools differ from the handed-out ones as a 0-point "integrity" result, and hands one
// result per lab, with the lab's points from the manifest, to GitHub Classroom's reporter action. The build
// passes whatever the score: a learner's unfinished lab is not a broken build.
import type { Manifest } from "../lib/manifest";
import { readyChapters } from "../lib/manifest";
import { runnerId } from "../grader/classroom";

/** What decides a grade, restored from the handed-out commit before grading (the labs stay the student's). */
export const RESTORED = ["test", "tools", "vitest.config.ts", "course.json", "package.json", "package-lock.json", "tsconfig.json"];

export function classroomWorkflow(m: Manifest): string {
  const labs = readyChapters(m);
  const runners = [...labs.map((l) => runnerId(l.id)), "integrity"];
  const env = runners.map((r) => `          ${r.toUpperCase()}_RESULTS: "\${{ steps.results.outputs.${r} }}"`).join("\n");
  const points = labs.map((l) => `#   ${l.id}: ${l.points} points`).join("\n");
  return `# GitHub Classroom autograding for ${m.title}. Grades every ready lab on each push and reports the points:
${points}
# The tests and grading tools are restored from the repository's first commit (the template as handed out)
# before grading, so edited tests earn nothing; how the pushed ones differ is reported as evidence.
# The grader's own table goes to the job's step summary; the reporter sends the points to GitHub Classroom.
# Failing tests never fail this workflow: only a broken grader does.
name: Classroom autograding
on:
  push:
  workflow_dispatch:
  repository_dispatch:
permissions:
  checks: write
  actions: read
  contents: read
jobs:
  grade:
    runs-on: ubuntu-latest
    if: github.actor != 'github-classroom[bot]'
    timeout-minutes: 30
    steps:
      - uses: actions/checkout@v4
        with:
          fetch-depth: 0 # the whole history: the first commit holds the tests as handed out
      - name: Restore the tests and grading tools as handed out
        run: |
          submitted="$RUNNER_TEMP/submitted"
          rm -rf "$submitted" && mkdir -p "$submitted"
          git archive HEAD | tar -x -C "$submitted"
          handed_out="$(git rev-list --max-parents=0 HEAD | tail -n 1)"
          rm -rf test tools
          git checkout "$handed_out" -- ${RESTORED.join(" ")}
          echo "Grading with the tests and tools of $handed_out, the repository's first commit."
      - uses: actions/setup-node@v4
        with:
          node-version: 20
          cache: npm
      - run: npm ci --no-audit --no-fund
      - name: Grade the labs
        run: npm run grade -- --out .course/grade --submission "$RUNNER_TEMP/submitted"
      - name: Points per lab for GitHub Classroom
        id: results
        if: always()
        run: npx tsx tools/grader/classroom.ts --results .course/grade/results.json
      - name: Report to GitHub Classroom
        if: always()
        # The reporter marks its step failed when a test fails; the points are reported either way.
        continue-on-error: true
        uses: classroom-resources/autograding-grading-reporter@v1
        env:
${env}
        with:
          runners: ${runners.join(",")}
      - name: Keep the grade reports
        if: always()
        uses: actions/upload-artifact@v4
        with:
          name: grade-reports
          path: .course/grade/
`;
}
