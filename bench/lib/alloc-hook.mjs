// Preloaded by `npm run bench:alloc` (bench/alloc/run.ts, lib/alloc.ts) into the Node program it measures; chapters
// 08, 11 and 14. SIGUSR2 starts V8's sampling heap profiler, counting the objects the collector has freed as well as
// the ones still alive (what the program allocates, not what it keeps), and says so by writing
// <tmpdir>/bench-alloc-<pid>.started; a second SIGUSR2 writes the profile to <tmpdir>/bench-alloc-<pid>.json. When
// <tmpdir>/bench-alloc-<pid>.kept exists as sampling starts, the profile keeps only what is still alive instead: freed
// objects are left out, and a full collection runs just before the profile is taken (`bench:alloc --kept`).
// Plain JavaScript, not TypeScript: it loads before the program's own `--import tsx`.
import { existsSync, renameSync, writeFileSync } from "node:fs";
import { Session } from "node:inspector";
import { tmpdir } from "node:os";
import { join } from "node:path";

const session = new Session();
session.connect();
const post = (method, params) => new Promise((resolve, reject) => session.post(method, params, (e, r) => (e ? reject(e) : resolve(r))));
const file = (ext) => join(tmpdir(), `bench-alloc-${process.pid}.${ext}`);
let sampling = false;
let keptOnly = false;

process.on("SIGUSR2", () => {
  const step = sampling ? stop() : start();
  sampling = !sampling;
  step.catch((e) => console.error(`bench:alloc's hook: ${e instanceof Error ? e.message : String(e)}`));
});

async function start() {
  keptOnly = existsSync(file("kept"));
  await post("HeapProfiler.enable");
  // A sample every 1 KiB: about one per small object on a request's path, at a cost the measured run shows.
  await post("HeapProfiler.startSampling", { samplingInterval: 1024, includeObjectsCollectedByMinorGC: !keptOnly, includeObjectsCollectedByMajorGC: !keptOnly });
  writeFileSync(file("started"), "");
}

async function stop() {
  // Only what is alive, not also the garbage no collection has reached yet: a full collection first.
  if (keptOnly) await post("HeapProfiler.collectGarbage");
  const { profile } = await post("HeapProfiler.stopSampling");
  // Written aside and renamed: the profile appears whole, never half written, to a reader waiting for it.
  writeFileSync(file("part"), JSON.stringify(profile));
  renameSync(file("part"), file("json"));
}
