// Runs the real grader (tools/grade.ts) in a child process, for the course checks that grade every starter and the
// reference: resolves with its results.json.
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT } from "../../tools/lib/manifest";

export interface Graded {
  score: number;
  max_score: number;
  tests: { name: string; status: string }[];
}

export const grade = (args: string[]): Promise<Graded> =>
  new Promise((resolve, reject) => {
    const out = mkdtempSync(join(tmpdir(), "grade-check-"));
    execFile(process.execPath, ["--import", "tsx", join(ROOT, "tools/grade.ts"), ...args, "--out", out, "--quiet"], {
      cwd: ROOT, env: { ...process.env, GITHUB_STEP_SUMMARY: "" }, maxBuffer: 64 * 1024 * 1024,
    }, (error) => {
      try {
        if (error) throw error;
        resolve(JSON.parse(readFileSync(join(out, "results.json"), "utf8")) as Graded);
      } catch (e) {
        reject(e);
      } finally {
        rmSync(out, { recursive: true, force: true });
      }
    });
  });
