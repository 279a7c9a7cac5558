// `npm run hint NN [task]`: shows the next hint level for the first unfinished task of lab NN (or the task
// you name), and remembers which levels you have seen. Hints are questions first, nearly the answer last.
import { loadHints } from "./lib/hints";
import { labFromArgs } from "./lib/labrun";
import { loadProgress, saveProgress } from "./lib/progress";

const lab = labFromArgs(process.argv[2], "Usage: npm run hint NN [task]   (for example: npm run hint 01, or npm run hint 01 2)");
const hints = loadHints(lab.id);
if (!hints.length) {
  console.error(`Lab ${lab.id} has no hints.`);
  process.exit(1);
}
const progress = loadProgress();
const results = progress.labs[lab.id];

/** The first task the last test run did not pass, the first task when no run is recorded, null when all passed. */
function firstUnfinished(): number | null {
  if (!results) return hints[0].task;
  const open = hints.find((h) => {
    const t = results.tasks[String(h.task)];
    return !t || t.passed < t.total;
  });
  return open?.task ?? null;
}

const asked = process.argv[3];
const unfinished = asked ? null : firstUnfinished();
if (!asked && unfinished === null) {
  // Nothing to hint at: say so rather than open (and count as seen) a hint of a task already done.
  console.log(`Every task of lab ${lab.id} passed in your last test run. To read a task's hints anyway: npm run hint ${lab.id.slice(0, 2)} N`);
  console.log(`Tasks: ${hints.map((h) => `${h.task} (${h.name})`).join(", ")}`);
  process.exit(0);
}
const taskNo = asked ? Number(asked) : unfinished!;
const task = hints.find((h) => h.task === taskNo);
if (!task) {
  console.error(`Lab ${lab.id} has no task ${asked}. Tasks: ${hints.map((h) => `${h.task} (${h.name})`).join(", ")}`);
  process.exit(1);
}

const key = `${lab.id}/${task.task}`;
const seen = progress.hints[key] ?? 0;
const level = Math.min(seen, task.levels.length - 1);
const why = asked ? "" : results ? " (your first unfinished task, from your last test run)" : " (run npm run watch to let hints follow your progress)";
console.log(`Lab ${lab.id}, task ${task.task}: ${task.name}${why}\n`);
for (let i = 0; i <= level; i++) {
  const l = task.levels[i];
  console.log(`Hint ${i + 1} of ${task.levels.length} — ${l.title}\n${l.text}\n`);
}
if (seen >= task.levels.length) console.log("That is every hint for this task. The chapter and the README's spec have the rest.");
else if (level + 1 < task.levels.length) console.log(`Still stuck? Run it again for hint ${level + 2}.`);
progress.hints[key] = Math.min(seen + 1, task.levels.length);
saveProgress(progress);
