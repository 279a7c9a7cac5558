// The student copy's GitHub Actions workflow, .github/workflows/classroom.yml: on every push it grades the
// labs with the course grader (step summary included), then hands one result per lab, with the lab's points
// from the manifest, to GitHub Classroom's reporter action. The build passes whatever the score: a learner's
// unfinished lab is not a broken build.
import type { Manifest } from "../lib/manifest";
import { readyChapters } from "../lib/manifest";
import { runnerId } from "../grader/classroom";

export function classroomWorkflow(m: Manifest): string {
  const labs = readyChapters(m);
  const runners = [...labs.map((l) => runnerId(l.id)), "integrity"];
  const env = runners.map((r) => `          ${r.toUpperCase()}_RESULTS: "\${{ steps.results.outputs.${r} }}"`).join("\n");
  const points = labs.map((l) => `#   ${l.id}: ${l.points} points`).join("\n");
  return `# GitHub Classroom autograding for ${m.title}. Grades every ready lab on each push and reports the points:
${points}
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
      - uses: actions/setup-node@v4
        with:
          node-version: 20
          cache: npm
      - run: npm ci --no-audit --no-fund
      - name: Grade the labs
        run: npm run grade -- --out .course/grade
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
