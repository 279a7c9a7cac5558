// `npm run course [--refresh]`: the course map — every chapter by part, your points per lab from your last
// test runs, what to measure of the labs you finished (lib/measure.ts), and what to do next. `--refresh` grades every
// ready lab first (it takes a few seconds a lab).
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { styleText } from "node:util";
import { loadManifest, ROOT } from "./lib/manifest";
import { labBenchCommandsOf } from "./lib/measure";
import { loadProgress } from "./lib/progress";

const manifest = loadManifest();
if (process.argv.includes("--refresh")) {
  spawnSync(process.execPath, ["--import", "tsx", join(ROOT, "tools/grade.ts"), "--quiet"], { cwd: ROOT, stdio: "ignore" });
}
const progress = loadProgress();
const color = Boolean(process.stdout.isTTY) && !process.env.NO_COLOR;
const paint = (style: Parameters<typeof styleText>[0], text: string): string => (color ? styleText(style, text) : text);

const lines = [paint("bold", `${manifest.title} — ${manifest.tagline}`), ""];
let next: string | null = null;
let earned = 0;
let possible = 0;
let hiddenEarned = 0;
let hiddenPossible = 0;
const measure: string[] = [];
for (const part of manifest.parts) {
  lines.push(paint("bold", `Part ${part.id}: ${part.title}`));
  for (const c of manifest.chapters.filter((x) => x.part === part.id)) {
    const r = progress.labs[c.id];
    let state: string;
    if (c.status === "planned") state = paint("dim", "planned");
    else {
      possible += c.points;
      // Public tests only: instructor-only points are shown apart and never inflate the total (a run
      // recorded before they were kept apart is capped at the lab's points).
      const score = Math.min(r?.score ?? 0, c.points);
      earned += score;
      if (!r) state = `not started   ·/${c.points}`;
      else if (score >= c.points) state = paint("green", `done       ${String(score).padStart(3)}/${c.points}`);
      else state = paint("yellow", `in progress ${String(score).padStart(3)}/${c.points}`);
      if (r?.hidden) {
        hiddenEarned += r.hidden.score;
        hiddenPossible += r.hidden.max;
        state += paint("dim", `   instructor tests ${r.hidden.score}/${r.hidden.max}`);
      }
      if (!next && (!r || score < c.points)) next = c.id;
      if (r && score >= c.points) for (const command of labBenchCommandsOf(c.id)) measure.push(`  lab ${c.id.slice(0, 2)}: ${command}`);
    }
    lines.push(`  ${c.id.padEnd(18)} ${c.title.padEnd(22)} ${state}`);
  }
  lines.push("");
}
lines.push(`Points: ${earned}/${possible} over the ready labs (from your last runs of npm run watch or npm run grade).`);
if (hiddenPossible) lines.push(paint("dim", `Instructor tests, not in that total: ${hiddenEarned}/${hiddenPossible}.`));
if (measure.length) lines.push("Measure what you built, beside the course's code (its lab's README says how to read it):", ...measure);
if (next) {
  const nn = next.slice(0, 2);
  lines.push(paint("bold", `Next: ${next}.`) + ` Read chapters/${next}.md, then: npm run lab ${nn} · npm run watch ${nn} (or once: npm run grade ${nn}) · npm run hint ${nn}`);
} else lines.push(paint("green", "Every ready lab is done."));
console.log(lines.join("\n"));
