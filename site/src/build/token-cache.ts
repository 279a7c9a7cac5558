// The site build's syntax tokens, kept between builds. Highlighting with two themes tokenizes every text twice, and it
// is most of a build's CPU, though between two builds few texts change: a chapter edited, or the student edition's
// site built after the course's (its starter files are the course's lab files). A text's tokens are kept under a hash
// of shiki's version, the themes and languages, the language and the whole text, so a kept entry is exactly what
// shiki would give again. They live in node_modules/.cache/, beside the packages that made them: a fresh install
// starts empty, and an exported copy that links the packages shares them.
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { writeWhole } from "../../../tools/lib/files";

/** A line as cached: each token's text and its inline style ("color:#…;--shiki-dark:#…"). */
export type StyledLine = [text: string, style: string][];

interface Stored {
  readonly styles: string[];
  readonly lines: [text: string, style: number][][];
}

/** Past this many texts (old versions of edited files pile up), the folder is emptied when a build starts. */
export const KEEP = 3000;

export class TokenCache {
  private constructor(private readonly dir: string, private readonly salt: string) {}

  /** The cache of the packages installed under `root`; `setup` names the themes and languages the tokens depend on. */
  static at(root: string, setup: string): TokenCache | null {
    let version: string;
    try {
      version = (JSON.parse(readFileSync(join(root, "node_modules", "shiki", "package.json"), "utf8")) as { version: string }).version;
    } catch {
      return null; // no shiki installed there: nothing to key the tokens by
    }
    const dir = join(root, "node_modules", ".cache", "hub-and-spokes", "tokens");
    try {
      if (readdirSync(dir).length > KEEP) rmSync(dir, { recursive: true, force: true });
    } catch {
      // no folder yet
    }
    return new TokenCache(dir, `shiki ${version}\0${setup}\0`);
  }

  private file(lang: string, text: string): string {
    return join(this.dir, `${createHash("sha256").update(this.salt).update(`${lang}\0`).update(text).digest("hex")}.json`);
  }

  /** The tokens kept for `text`, or undefined (never kept, or a file that does not read as tokens). */
  get(lang: string, text: string): StyledLine[] | undefined {
    try {
      const { styles, lines } = JSON.parse(readFileSync(this.file(lang, text), "utf8")) as Stored;
      return lines.map((line) => line.map(([t, i]): [string, string] => [t, styles[i]!]));
    } catch {
      return undefined;
    }
  }

  /** Keeps `lines` for `text`, written whole so that no reader sees half a file. */
  set(lang: string, text: string, lines: StyledLine[]): void {
    try {
      // Each style once per file: a text has a few dozen, shared by thousands of tokens.
      const index = new Map<string, number>();
      const stored: Stored = { styles: [], lines: [] };
      for (const line of lines) {
        stored.lines.push(line.map(([t, style]) => {
          let i = index.get(style);
          if (i === undefined) index.set(style, (i = stored.styles.push(style) - 1));
          return [t, i];
        }));
      }
      writeWhole(this.file(lang, text), JSON.stringify(stored));
    } catch {
      // a read-only install: the tokens are only not kept
    }
  }
}
