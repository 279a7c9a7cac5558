// Loaded into the test worker while grading: writes each test's start and result straight to the events
// file from inside the worker, so a lab that then loops forever still keeps the points it already earned
// (vitest's reporter hears of results in batches, and a worker stuck in a loop never sends its batch).
import { appendFileSync } from "node:fs";
import { beforeEach } from "vitest";

const out = process.env.HUB_GRADE_EVENTS;

interface Named {
  name: string;
  suite?: Named;
}
/** "describe > test", as vitest's reporters name a test: the file's own suite is not part of the name. */
function fullName(task: Named & { file: Named }): string {
  const names = [task.name];
  for (let s = task.suite; s && s !== task.file; s = s.suite) names.unshift(s.name);
  return names.join(" > ");
}

if (out) {
  beforeEach((ctx) => {
    const task = ctx.task as unknown as Named & { file: Named & { filepath: string } };
    const name = fullName(task);
    appendFileSync(out, JSON.stringify({ event: "ready", name }) + "\n");
    ctx.onTestFinished((done) => {
      const r = done.task.result;
      const message = (r?.errors ?? []).map((e) => `${e.name && e.name !== "Error" ? `${e.name}: ` : ""}${e.message}`).join("\n");
      const state = r?.state === "pass" ? "passed" : r?.state === "fail" ? "failed" : String(r?.state);
      appendFileSync(out, JSON.stringify({ event: "result", name, file: task.file.filepath, state, message, ms: r?.duration ?? 0 }) + "\n");
    });
  });
}
