// `npm run course [--refresh]`: the course map — every chapter by part, your points per lab from your last
// test runs, and what to do next. `--refresh` grades every ready lab first (it takes a few seconds a lab).
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { styleText } from "node:util";
import { loadManifest, ROOT } from "./lib/manifest";
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
for (const part of manifest.parts) {
  lines.push(paint("bold", `Part ${part.id}: ${part.title}`));
  for (const c of manifest.chapters.filter((x) => x.part === part.id)) {
    const r = progress.labs[c.id];
    let state: string;
    if (c.status === "planned") state = paint("dim", "planned");
    else {
      possible += c.points;
      earned += r?.score ?? 0;
      if (!r) state = `not started   ·/${c.points}`;
      else if (r.score === r.max) state = paint("green", `done       ${String(r.score).padStart(3)}/${r.max}`);
      else state = paint("yellow", `in progress ${String(r.score).padStart(3)}/${r.max}`);
      if (!next && (!r || r.score < r.max)) next = c.id;
    }
    lines.push(`  ${c.id.padEnd(18)} ${c.title.padEnd(22)} ${state}`);
  }
  lines.push("");
}
lines.push(`Points: ${earned}/${possible} over the ready labs (from your last runs of npm run watch or npm run grade).`);
if (next) {
  const nn = next.slice(0, 2);
  lines.push(paint("bold", `Next: ${next}.`) + ` Read chapters/${next}.md, then: npm run lab ${nn} · npm run watch ${nn} · npm run hint ${nn}`);
} else lines.push(paint("green", "Every ready lab is done."));
console.log(lines.join("\n"));
