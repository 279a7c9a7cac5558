// `npm run record [NN…]` records each ready chapter's demo (the reference's, and the untouched lab's) as an
// asciicast v2 file in site/casts/, for the course site's player. `npm run record -- --check` records again and
// fails when what the terminal shows (the text, not the timing) differs from the committed casts.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { createTwoFilesPatch } from "diff";
import { findChapter, loadManifest, readyChapters, ROOT, type Chapter } from "./lib/manifest";
import { castText, parseCast, serializeCast } from "./lib/cast";
import { recordTerminal } from "./record/terminal";

const CAST_DIR = "site/casts";

const USAGE = `usage: npm run record [NN…]            record the demos of these ready chapters (default: all)
       npm run record -- --check [NN…]   record again; fail when the text of a committed cast differs`;

interface Target {
  readonly chapter: Chapter;
  readonly kind: "solution" | "lab";
  /** The demo, relative to the repository root. */
  readonly program: string;
  readonly cast: string;
}

function targets(chapters: readonly Chapter[]): Target[] {
  return chapters.flatMap((c) => {
    const out: Target[] = [{ chapter: c, kind: "solution", program: `solutions/${c.id}/${c.demo}`, cast: `${CAST_DIR}/${c.id}.cast` }];
    // The lab's demo shows what a learner sees at minute one; labs/ exists only once generated.
    if (existsSync(join(ROOT, "labs", c.id, c.demo))) {
      out.push({ chapter: c, kind: "lab", program: `labs/${c.id}/${c.demo}`, cast: `${CAST_DIR}/${c.id}.lab.cast` });
    }
    return out;
  });
}

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { check: { type: "boolean" }, help: { type: "boolean", short: "h" } },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const manifest = loadManifest();
  const chapters = positionals.length ? positionals.map((q) => findChapter(manifest, q)) : readyChapters(manifest);
  if (!chapters.length) {
    console.log("No chapter is ready yet: nothing to record.");
    return 0;
  }
  let failed = 0;
  for (const t of targets(chapters)) {
    const label = `${t.chapter.id} ${t.kind === "lab" ? "lab" : "reference"} demo`;
    let cast;
    try {
      cast = await recordTerminal({
        cwd: ROOT,
        argv: ["node_modules/.bin/tsx", t.program],
        shown: `npx tsx ${t.program}`,
        title: `${manifest.title}, chapter ${t.chapter.id}: ${t.kind === "lab" ? "the untouched lab" : "the reference"}`,
      });
    } catch (e) {
      console.error(`✗ ${label}: ${(e as Error).message}`);
      failed++;
      continue;
    }
    const file = join(ROOT, t.cast);
    if (values.check) {
      if (!existsSync(file)) {
        console.error(`✗ ${label}: ${t.cast} is not committed. Run: npm run record ${t.chapter.id.slice(0, 2)}`);
        failed++;
        continue;
      }
      const before = castText(parseCast(readFileSync(file, "utf8"), t.cast));
      const now = castText(cast);
      if (before === now) console.log(`✓ ${label}: ${t.cast} is up to date`);
      else {
        failed++;
        console.error(`✗ ${label}: ${t.cast} is stale; the demo now prints something else:`);
        console.error(createTwoFilesPatch(`${t.cast} (committed)`, `${t.program} (now)`, before, now, "", "", { context: 2 }));
        console.error(`  Run: npm run record ${t.chapter.id.slice(0, 2)}   and commit ${t.cast}`);
      }
    } else {
      mkdirSync(join(ROOT, CAST_DIR), { recursive: true });
      writeFileSync(file, serializeCast(cast));
      console.log(`✓ ${label} → ${t.cast} (${cast.header.width}×${cast.header.height}, ${cast.events.length} events)`);
    }
  }
  if (failed) console.error(`\n${failed} recording(s) failed.${values.check ? " The committed casts must match what the demos print." : ""}`);
  return failed ? 1 : 0;
}

process.exitCode = await main();
