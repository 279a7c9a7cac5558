// The recordings on a chapter page: the reference demo's cast, and the untouched lab's (what a learner sees at
// minute one). Casts are committed in site/casts/ by `npm run record`; the client script mounts the player.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Chapter } from "../../../tools/lib/manifest";
import { parseCast } from "../../../tools/lib/cast";
import { escapeHtml } from "./highlight";
import { href } from "./layout";
import { CAST_DIR, castFile, type Site } from "./site";

function player(site: Site, chapter: Chapter, kind: "solution" | "lab", page: string): string | null {
  const name = castFile(chapter.id, kind);
  const abs = join(site.root, CAST_DIR, name);
  if (!existsSync(abs)) return null;
  const cast = parseCast(readFileSync(abs, "utf8"), `${CAST_DIR}/${name}`);
  site.assets.set(`casts/${name}`, abs);
  // The poster is the whole output, so the terminal shows the finished run before anyone presses play. (An "npt:"
  // poster at the cast's end is not enough: a run of half a second has its last events merged into later frames.)
  const poster = `data:text/plain,${cast.events.filter((e) => e[1] === "o").map((e) => e[2]).join("")}`;
  return `<div class="cast-player" data-cast="${escapeHtml(href(page, `casts/${name}`))}" data-poster="${escapeHtml(poster)}"
  data-cols="${cast.header.width}" data-rows="${cast.header.height}"${cast.header.idle_time_limit ? ` data-idle="${cast.header.idle_time_limit}"` : ""}></div>`;
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
