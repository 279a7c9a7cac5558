// The recordings on a chapter page: the reference demo's cast, and the untouched lab's (what a learner sees at
// minute one). Casts are committed in site/casts/ by `npm run record`; the client script mounts the player.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Chapter } from "../../../tools/lib/manifest";
import { parseCast, screenRows } from "../../../tools/lib/cast";
import { escapeHtml } from "./highlight";
import { href } from "./layout";
import { CAST_DIR, castFile, type Site } from "./site";

/** Wider lines than this still wrap: a terminal of more columns would be unreadable even scrolled. */
const MAX_COLS = 160;

function player(site: Site, chapter: Chapter, kind: "solution" | "lab", page: string): string | null {
  const name = castFile(chapter.id, kind);
  const abs = join(site.root, CAST_DIR, name);
  if (!existsSync(abs)) return null;
  const cast = parseCast(readFileSync(abs, "utf8"), `${CAST_DIR}/${name}`);
  site.assets.set(`casts/${name}`, abs);
  // The poster is the whole output, so the terminal shows the finished run before anyone presses play. (An "npt:"
  // poster at the cast's end is not enough: a run of half a second has its last events merged into later frames.)
  const output = cast.events.filter((e) => e[1] === "o").map((e) => e[2]).join("");
  const poster = `data:text/plain,${output}`;
  // The demo ran in 80 columns, and a line longer than that wrapped mid-word. The player gets a terminal as wide as
  // the longest line instead (the page scrolls it sideways when it does not fit), and the rows that output then fills.
  const longest = Math.max(0, ...output.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, "").split("\n").map((l) => [...l.replace(/\r/g, "")].length));
  const cols = Math.min(MAX_COLS, Math.max(cast.header.width, longest));
  const rows = Math.min(cast.header.height, Math.max(screenRows(output, cols) + 1, 8));
  return `<div class="cast-player" data-cast="${escapeHtml(href(page, `casts/${name}`))}" data-poster="${escapeHtml(poster)}"
  data-cols="${cols}" data-rows="${rows}"${cast.header.idle_time_limit ? ` data-idle="${cast.header.idle_time_limit}"` : ""}></div>`;
}

export function castPlayer(site: Site, chapter: Chapter, page: string): string {
  const solution = player(site, chapter, "solution", page);
  const lab = player(site, chapter, "lab", page);
  if (!solution && !lab) {
    site.warnings.push(`${chapter.id}: no recording yet (run npm run record ${chapter.id.slice(0, 2)})`);
    return "";
  }
  const demo = `solutions/${chapter.id}/${chapter.demo}`;
  return `<aside class="casts" aria-label="Recordings">
${solution ? `<figure class="cast"><figcaption>The reference demo: <code>npx tsx ${escapeHtml(demo)}</code></figcaption>${solution}</figure>` : ""}
${lab ? `<details class="cast cast-lab"${solution ? "" : " open"}><summary>What the untouched lab prints: <code>npm run lab ${chapter.id.slice(0, 2)}</code></summary>${lab}</details>` : ""}
</aside>`;
}
