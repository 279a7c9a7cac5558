// One measurement in a fresh Node process (chapter 8): bench/run.ts starts this file once per case, system and rep,
// so garbage, JIT feedback and heap growth of one measurement never leak into another.
// Usage: node --expose-gc --import tsx bench/lib/child.ts <case module, relative to bench/> <case id> <n> [profile]
// With a profile file, the measured run (and only it: not start-up, not the warm-up) is sampled by V8's CPU profiler.
import { writeFileSync } from "node:fs";
import { Session } from "node:inspector/promises";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { errorLine } from "./lab";
import type { CaseModule } from "./measure";
import { collect } from "./measure";

const [modulePath, caseId, nText, profileFile] = process.argv.slice(2);
const n = Number(nText);
if (!modulePath || !caseId || !(n > 0)) {
  console.error("usage: child.ts <case module> <case id> <n>");
  process.exit(2);
}

const benchDir = resolve(import.meta.dirname, "..");

/**
 * What a measurement that threw reports, as its last line of output (`{"error": …}`, which bench/run.ts prints): one
 * line (lab.ts, errorLine), where the runner would otherwise show the last lines of a stack trace.
 */
function failed(e: unknown): never {
  console.error(e instanceof Error ? e.stack : e);
  console.log(JSON.stringify({ error: errorLine(e) }));
  process.exit(1);
}

const mod = (await import(pathToFileURL(resolve(benchDir, modulePath)).href).catch(failed)) as CaseModule;
const measure = mod.cases[caseId];
if (!measure) {
  console.error(`${modulePath} has no case ${caseId}; it has: ${Object.keys(mod.cases).join(", ")}`);
  process.exit(2);
}
/** One run of the case at size `size`; a throw, even a synchronous one, ends the process through `failed`. */
const run = async (size: number): Promise<number> => {
  try {
    return await measure(size);
  } catch (e) {
    return failed(e);
  }
};

// A warm-up run at a tenth of the size lets V8 compile the hot paths, so the measured run is nearer the steady state
// that a long-lived server sees than the interpreter; eventlet's script does the same for symmetry. Not all the way:
// code compiled for objects the warm-up made (a hub of its own) is dropped once they are collected, and compiled again
// in the measured run, so a case is sized to make that a small part of it (bench/README.md, "Steady state").
await run(Math.max(1, Math.floor(n / 10)));
collect();
const session = profileFile ? new Session() : null;
if (session) {
  session.connect();
  await session.post("Profiler.enable");
  // 100 µs, not the default 1 ms: a measured run lasts a fraction of a second and needs enough samples.
  await session.post("Profiler.setSamplingInterval", { interval: 100 });
  await session.post("Profiler.start");
}
const value = await run(n);
if (session) {
  const { profile } = await session.post("Profiler.stop");
  writeFileSync(profileFile!, JSON.stringify(profile));
  session.disconnect();
}
console.log(JSON.stringify({ value }));
