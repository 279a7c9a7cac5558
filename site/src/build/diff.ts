// A starter-versus-solution diff for the reference browser: the `diff` package finds the hunks, and each
// side is highlighted as a whole file first, so a line keeps the colours it has in context.
import { structuredPatch } from "diff";
import { highlightLines, langFor } from "./highlight";

export function renderDiff(starter: string, solution: string, file: string): string {
  const patch = structuredPatch("starter", "solution", starter, solution, "", "", { context: 3 });
  if (!patch.hunks.length) return `<p class="same">No task in this file: the starter is the reference, unchanged.</p>`;
  const lang = langFor(file);
  const oldLines = highlightLines(starter, lang);
  const newLines = highlightLines(solution, lang);
  const rows: string[] = [];
  for (const hunk of patch.hunks) {
    rows.push(`<span class="hunk">@@ starter line ${hunk.oldStart}, solution line ${hunk.newStart} @@</span>`);
    let o = hunk.oldStart - 1;
    let n = hunk.newStart - 1;
    for (const line of hunk.lines) {
      const mark = line[0];
      if (mark === "\\") continue; // "\ No newline at end of file": not code
      if (mark === "-") rows.push(row("del", o + 1, "", oldLines[o++]));
      else if (mark === "+") rows.push(row("add", "", n + 1, newLines[n++]));
      else rows.push(row("ctx", ++o, ++n, newLines[n - 1]));
    }
  }
  const added = patch.hunks.flatMap((h) => h.lines).filter((l) => l[0] === "+").length;
  const removed = patch.hunks.flatMap((h) => h.lines).filter((l) => l[0] === "-").length;
  return `<p class="diff-stat"><span class="del">−${removed}</span> starter lines, <span class="add">+${added}</span> reference lines</p>
<pre class="shiki diff"><code>${rows.join("\n")}</code></pre>`;
}

const row = (kind: string, oldNo: number | string, newNo: number | string, html = ""): string =>
  `<span class="line ${kind}" data-old="${oldNo}" data-new="${newNo}" data-mark="${kind === "add" ? "+" : kind === "del" ? "−" : " "}">${html}</span>`;
