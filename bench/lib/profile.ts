// Where the time goes (chapter 8): reads a V8 CPU profile (`node --cpu-prof`) and sums self time per function,
// so `npm run bench -- <suite> --profile` can say which lines of the hub a slow case spends its time in.
import { readFileSync } from "node:fs";

interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[];
  samples: number[];
}

/** Samples per (function, file) of the profile; files as their last two path segments (02-hub/hub.ts, esm/hooks). */
function selfSamples(file: string): { counts: Map<string, { name: string; url: string; count: number }>; total: number } {
  const profile = JSON.parse(readFileSync(file, "utf8")) as CpuProfile;
  const frames = new Map(profile.nodes.map((n) => [n.id, n.callFrame]));
  const counts = new Map<string, { name: string; url: string; count: number }>();
  for (const id of profile.samples) {
    const f = frames.get(id)!;
    // The last two path segments name the file without naming the machine;
    // a module tsx loaded as CommonJS shows up as a data: URL that carries its file name inside.
    const url = f.url.startsWith("data:") ? (/__filename="([^"]+)"/.exec(decodeURIComponent(f.url))?.[1] ?? "data:") : f.url;
    const where = url ? url.split("/").slice(-2).join("/") : "";
    const name = f.functionName || "(anonymous)";
    const key = `${name}  ${where}`.trimEnd();
    const entry = counts.get(key) ?? { name, url: where, count: 0 };
    entry.count++;
    counts.set(key, entry);
  }
  return { counts, total: profile.samples.length };
}

const percent = (count: number, total: number): string => `${((100 * count) / total).toFixed(1).padStart(5)}%`;

/** The functions with the most self time, as "percent  function  file", heaviest first. */
export function topSelfTime(file: string, limit = 20): string[] {
  const { counts, total } = selfSamples(file);
  return [...counts]
    .sort((a, b) => b[1].count - a[1].count)
    .slice(0, limit)
    .map(([key, { count }]) => `${percent(count, total)}  ${key}`);
}

/**
 * Self time summed by part ("the hub", "socket writes", "idle"), heaviest first: `group` names the part of a function
 * given its name and its file (the last two path segments, "02-hub/hub.ts"; empty for V8's and Node's natives).
 */
export function selfTimeGroups(file: string, group: (functionName: string, file: string) => string): string[] {
  const { counts, total } = selfSamples(file);
  const sums = new Map<string, number>();
  for (const { name, url, count } of counts.values()) {
    const g = group(name, url);
    sums.set(g, (sums.get(g) ?? 0) + count);
  }
  return [...sums].sort((a, b) => b[1] - a[1]).map(([g, count]) => `${percent(count, total)}  ${g}`);
}

/**
 * Where a profiled function's self time goes, by part (the proxy suites' `--profile`): V8's pseudo-frames, socket
 * reads and writes (Node's stream plumbing and the native calls under it), and our code by chapter.
 */
export function profilePart(name: string, file: string): string {
  if (name === "(idle)") return "idle";
  if (name === "(garbage collector)") return "garbage collection";
  if (name === "(program)") return "V8 and native code (program)";
  if (/^(writev|writeBuffer|write(Utf8|Latin1|Ascii|Ucs2)String)$/.test(name)) return "socket writes (native)";
  // Opening and closing connections: the natives under accept, connect and close, and the objects each one makes.
  if (/^(connect|close|reset|getsockname|getpeername|setNoDelay|onconnection)$/.test(name) && !/^\d\d-/.test(file)) return "connections opened and closed";
  if (/^(Socket|Socket\._destroy|Socket\._getsockname|Duplex|ReadableState|WritableState)$/.test(name)) return "connections opened and closed";
  if (/stream_base_commons|internal\/net|node:net|streams\/writable/.test(file) && /write|Write|afterWrite|doWrite/.test(name)) return "socket writes (Node's stream plumbing)";
  if (/stream_base_commons|internal\/net|node:net|streams\/(readable|duplex)/.test(file) || /^(onStreamRead|readableAddChunk)$/.test(name)) return "socket reads and Node's stream plumbing";
  const chapter = /^(\d\d)-[\w-]+\//.exec(file)?.[1];
  if (chapter) {
    if (["02", "03", "04"].includes(chapter)) return "the hub (chapters 02–04)";
    if (chapter === "05") return "green sockets (chapter 05)";
    if (chapter === "07") return "HTTP parser and messages (chapter 07)";
    if (chapter === "08") return "the TCP proxy (chapter 08)";
    if (chapter === "11") return "the HTTP proxy (chapter 11)";
    if (chapter === "13") return "observability (chapter 13)";
    return `chapter ${chapter}`;
  }
  return "other Node internals";
}

export interface ProfileSummary {
  /** Samples in the profile. */
  readonly samples: number;
  /** Percent of the samples per part, heaviest first. */
  readonly parts: readonly { readonly part: string; readonly percent: number }[];
  /** Percent of the samples per function (self time), heaviest first, `limit` of them. */
  readonly functions: readonly { readonly name: string; readonly file: string; readonly percent: number }[];
}

/** A profile's self time as data: shares of the samples by part and by function, for a results file. */
export function profileSummary(file: string, group: (functionName: string, file: string) => string, limit = 15): ProfileSummary {
  const { counts, total } = selfSamples(file);
  const share = (n: number): number => Number(((100 * n) / total).toFixed(1));
  const sums = new Map<string, number>();
  for (const { name, url, count } of counts.values()) sums.set(group(name, url), (sums.get(group(name, url)) ?? 0) + count);
  return {
    samples: total,
    parts: [...sums].sort((a, b) => b[1] - a[1]).map(([part, n]) => ({ part, percent: share(n) })),
    functions: [...counts.values()].sort((a, b) => b.count - a.count).slice(0, limit).map((f) => ({ name: f.name, file: f.url, percent: share(f.count) })),
  };
}
