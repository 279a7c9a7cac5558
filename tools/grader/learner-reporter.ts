// A vitest reporter for `npm run watch`: after each run, one line per task and what to do next,
// instead of a wall of output. It also saves the results for `npm run course` and `npm run hint`.
import type { Reporter, TestModule } from "vitest/node";
import { styleText } from "node:util";
import { loadProgress, saveProgress } from "../lib/progress";
import { pointsOf, taskOf } from "./points";

const color = Boolean(process.stdout.isTTY) && !process.env.NO_COLOR;
const paint = (style: Parameters<typeof styleText>[0], text: string): string => (color ? styleText(style, text) : text);

export default class LearnerReporter implements Reporter {
  onTestRunEnd(modules: readonly TestModule[]): void {
    const lab = process.env.HUB_LAB ?? "";
    const tasks = new Map<string, { passed: number; total: number; score: number; max: number; firstFailure?: string }>();
    for (const m of modules) {
      for (const e of m.errors()) console.log(paint("red", `Could not load your code: ${e.message}`));
      for (const t of m.children.allTests()) {
        const key = String(taskOf(t.fullName) ?? "other");
        const row = tasks.get(key) ?? { passed: 0, total: 0, score: 0, max: 0 };
        const r = t.result();
        const pts = pointsOf(t.name) ?? 0;
        row.total++;
        row.max += pts;
        if (r.state === "passed") {
          row.passed++;
          row.score += pts;
        } else if (!row.firstFailure) {
          const message = r.state === "failed" ? (r.errors?.[0]?.message ?? "failed") : r.state;
          row.firstFailure = `${t.name}: ${message.split("\n")[0]}`;
        }
        tasks.set(key, row);
      }
    }
    const rows = [...tasks.entries()].sort(([a], [b]) => Number(a) - Number(b));
    console.log("");
    for (const [task, r] of rows) {
      const done = r.passed === r.total;
      const head = `${done ? paint("green", "✓") : paint("red", "✗")} task ${task}: ${r.passed}/${r.total} tests, ${r.score}/${r.max} pts`;
      console.log(head);
      if (!done && r.firstFailure) console.log(paint("dim", `    ${r.firstFailure.slice(0, 140)}`));
    }
    const next = rows.find(([, r]) => r.passed < r.total);
    const score = rows.reduce((s, [, r]) => s + r.score, 0);
    const max = rows.reduce((s, [, r]) => s + r.max, 0);
    console.log(
      next
        ? paint("bold", `\n${score}/${max} points. Next: task ${next[0]} (see labs/${lab}/README.md; stuck? npm run hint ${lab.slice(0, 2)})`)
        : paint("green", `\nAll ${max} points. Lab ${lab} is done: on to the next chapter (npm run course).`),
    );
    if (lab && rows.length) {
      const p = loadProgress();
      p.labs[lab] = {
        score, max, outcome: "completed", when: new Date().toISOString(),
        tasks: Object.fromEntries(rows.map(([k, r]) => [k, { passed: r.passed, total: r.total }])),
      };
      saveProgress(p);
    }
  }
}
