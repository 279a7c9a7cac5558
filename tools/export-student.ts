// `npm run export:student -- OUT_DIR`: writes the student edition of the course into OUT_DIR, a new git
// repository of one commit (see tools/export/student.ts and INSTRUCTORS.md).
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { exportStudent } from "./export/student";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { "no-git": { type: "boolean", default: false }, help: { type: "boolean", short: "h", default: false } },
});
if (values.help || positionals.length !== 1) {
  console.log(`Usage: npm run export:student -- OUT_DIR [--no-git]
  OUT_DIR   a new (or empty) folder; it becomes a git repository with one commit
  --no-git  write the files only`);
  process.exit(values.help ? 0 : 1);
}
try {
  const started = Date.now();
  // npm runs scripts from the package root; a relative OUT_DIR means relative to where the command was typed.
  const out = resolve(process.env.INIT_CWD ?? process.cwd(), positionals[0]);
  const r = exportStudent({ outDir: out, git: !values["no-git"] });
  for (const n of r.notes) console.log(`note: ${n}`);
  console.log(`Wrote the student edition (${r.files.length} files) to ${out} in ${((Date.now() - started) / 1000).toFixed(1)} s.`);
  console.log(`Checksum record ${r.record}: every grade report of an untouched copy prints it. Keep it to compare.`);
  console.log(`Next: cd ${out} && npm ci && npm run grade`);
} catch (e) {
  console.error(`export:student: ${(e as Error).message}`);
  process.exit(1);
}
