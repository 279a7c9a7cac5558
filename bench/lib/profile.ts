// Where the time goes (chapter 8): reads a V8 CPU profile (`node --cpu-prof`) and sums self time per function,
// so `npm run bench -- <suite> --profile` can say which lines of the hub a slow case spends its time in.
import { readFileSync } from "node:fs";

interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[];
  samples: number[];
}

/** The functions with the most self time, as "percent  function  file", heaviest first. */
export function topSelfTime(file: string, limit = 20): string[] {
  const profile = JSON.parse(readFileSync(file, "utf8")) as CpuProfile;
  const frames = new Map(profile.nodes.map((n) => [n.id, n.callFrame]));
  const self = new Map<string, number>();
  for (const id of profile.samples) {
    const f = frames.get(id)!;
    // The last two path segments name the file without naming the machine (02-hub/hub.ts, esm/hooks);
    // a module tsx loaded as CommonJS shows up as a data: URL that carries its file name inside.
    const url = f.url.startsWith("data:") ? (/__filename="([^"]+)"/.exec(decodeURIComponent(f.url))?.[1] ?? "data:") : f.url;
    const where = url ? url.split("/").slice(-2).join("/") : "";
    const key = `${f.functionName || "(anonymous)"}  ${where}`.trimEnd();
    self.set(key, (self.get(key) ?? 0) + 1);
  }
  const total = profile.samples.length;
  return [...self]
    .sort((a, b) => b[1] - a[1])
    .slice(0, limit)
    .map(([key, count]) => `${((100 * count) / total).toFixed(1).padStart(5)}%  ${key}`);
}
