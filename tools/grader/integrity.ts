// Tamper evidence for a student copy: the export records a sha256 of every test and grading tool it hands
// out (tools/grader/checksums.json); grading compares the copies it finds with that record and says so in
// the report. Evidence, not prevention: whoever can edit the tests can edit this file too, so the record's
// own digest is printed in every report and instructors compare it with the one the export printed.
import { createHash } from "node:crypto";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";

export const CHECKSUMS = "tools/grader/checksums.json";

export interface Checksums {
  readonly algorithm: "sha256";
  /** Path relative to the course root (posix) → hex sha256 of the file's bytes. */
  readonly files: Readonly<Record<string, string>>;
}

export interface Integrity {
  /** Short digest of the record itself, printed so an instructor can compare it with the export's. */
  readonly record: string;
  readonly checked: number;
  readonly changed: readonly string[];
  readonly missing: readonly string[];
  /** Test files the record does not know: they would be graded too. */
  readonly added: readonly string[];
  /** Set when there is nothing to compare against (a student copy whose record was removed). */
  readonly problem?: string;
}

export const sha256 = (data: Buffer | string): string => createHash("sha256").update(data).digest("hex");

/** The digest of a record: one value that changes when any recorded hash or path changes. */
export const recordDigest = (c: Checksums): string =>
  sha256(Object.keys(c.files).sort().map((f) => `${c.files[f]}  ${f}\n`).join("")).slice(0, 16);

export function makeChecksums(root: string, files: readonly string[]): Checksums {
  const out: Record<string, string> = {};
  for (const f of [...files].sort()) out[f] = sha256(readFileSync(join(root, f)));
  return { algorithm: "sha256", files: out };
}

/**
 * Compares the grading files of `tree` with the record kept in `root`. Returns null in the instructor's own
 * repository (no record, and the reference solutions are there). With `onlyPresent`, files absent from
 * `tree` are not reported (a Gradescope submission usually holds the lab files alone).
 */
export function checkIntegrity(root: string, tree: string, { onlyPresent = false } = {}): Integrity | null {
  const file = join(root, CHECKSUMS);
  if (!existsSync(file)) {
    if (existsSync(join(root, "solutions"))) return null;
    return { record: "none", checked: 0, changed: [], missing: [], added: [], problem: `${CHECKSUMS} is missing: the handed-out grading files cannot be checked` };
  }
  let record: Checksums;
  try {
    record = JSON.parse(readFileSync(file, "utf8")) as Checksums;
    if (!record.files || typeof record.files !== "object") throw new Error("no files");
  } catch {
    return { record: "damaged", checked: 0, changed: [], missing: [], added: [], problem: `${CHECKSUMS} is not a valid record` };
  }
  const changed: string[] = [];
  const missing: string[] = [];
  let checked = 0;
  for (const [f, hash] of Object.entries(record.files)) {
    const p = join(tree, f);
    if (!existsSync(p)) {
      if (!onlyPresent) missing.push(f);
      continue;
    }
    checked++;
    if (sha256(readFileSync(p)) !== hash) changed.push(f);
  }
  const testDir = join(tree, "test");
  const added = existsSync(testDir)
    ? readdirSync(testDir).filter((f) => f.endsWith(".test.ts") && !(`test/${f}` in record.files)).map((f) => `test/${f}`)
    : [];
  return { record: recordDigest(record), checked, changed, missing, added };
}

export const isClean = (i: Integrity): boolean => !i.problem && !i.changed.length && !i.missing.length && !i.added.length;

/** Plain-text lines for the terminal and results.json. */
export function integrityLines(i: Integrity | null): string[] {
  if (!i) return [];
  if (i.problem) return [`Integrity: ${i.problem}.`];
  if (isClean(i) && !i.checked) return [`Integrity: no tests or grading tools to compare with the handed-out copies (record ${i.record}).`];
  if (isClean(i)) return [`Integrity: the ${i.checked} grading files match the handed-out copies (record ${i.record}).`];
  const lines = [`Integrity: grading files differ from the handed-out copies (record ${i.record}):`];
  for (const f of i.changed) lines.push(`  changed  ${f}`);
  for (const f of i.missing) lines.push(`  missing  ${f}`);
  for (const f of i.added) lines.push(`  added    ${f}`);
  return lines;
}
