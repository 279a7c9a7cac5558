// Reads a lab's hints.md: "## Task N: name", then one "### " heading per hint level, nudge first.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "./manifest";

export interface TaskHints {
  readonly task: number;
  readonly name: string;
  readonly levels: readonly { title: string; text: string }[];
}

export function parseHints(markdown: string, file: string): TaskHints[] {
  const tasks: { task: number; name: string; levels: { title: string; text: string }[] }[] = [];
  for (const line of markdown.split("\n")) {
    const task = line.match(/^## Task (\d+):\s*(.+)$/);
    const level = line.match(/^### (.+)$/);
    if (task) tasks.push({ task: Number(task[1]), name: task[2].trim(), levels: [] });
    else if (level) {
      if (!tasks.length) throw new Error(`${file}: a hint level ("### ${level[1]}") before any "## Task N: name"`);
      tasks[tasks.length - 1].levels.push({ title: level[1].trim(), text: "" });
    } else {
      const levels = tasks[tasks.length - 1]?.levels;
      const current = levels?.[levels.length - 1];
      if (current) current.text += line + "\n";
    }
  }
  return tasks.map((t) => ({ ...t, levels: t.levels.map((l) => ({ title: l.title, text: l.text.trim() })) }));
}

/** Hints of a lab, read from the lab folder (where a learner has them), else from the solution folder. */
export function loadHints(lab: string, root = ROOT): TaskHints[] {
  for (const dir of ["labs", "solutions"]) {
    const file = join(root, dir, lab, "hints.md");
    if (existsSync(file)) return parseHints(readFileSync(file, "utf8"), `${dir}/${lab}/hints.md`);
  }
  return [];
}
