// The README's chapter table, made from the manifest and kept in step by `npm run labs` and a course check.
import type { Manifest } from "./manifest";

export const TABLE_START = "<!-- chapters: generated from course.json by npm run labs -->";
export const TABLE_END = "<!-- /chapters -->";

export function chapterTable(m: Manifest): string {
  const rows = m.chapters.map((c) => {
    const part = m.parts.find((p) => p.id === c.part)!;
    const title = c.status === "ready" ? `[${c.title}](chapters/${c.id}.md)` : c.title;
    const lab = c.status === "ready" ? `[lab](labs/${c.id}/README.md) · ${c.points} pts` : "planned";
    return `| \`${c.id}\` | ${part.title} | ${title} | ${c.summary} | ${lab} |`;
  });
  return [TABLE_START, "| id | part | chapter | what you build | lab |", "|---|---|---|---|---|", ...rows, TABLE_END].join("\n");
}

/** The README with its chapter table replaced; throws if the markers are missing. */
export function withChapterTable(readme: string, m: Manifest): string {
  const start = readme.indexOf(TABLE_START);
  const end = readme.indexOf(TABLE_END);
  if (start < 0 || end < start) throw new Error(`README.md has no chapter table markers (${TABLE_START} … ${TABLE_END})`);
  return readme.slice(0, start) + chapterTable(m) + readme.slice(end + TABLE_END.length);
}
