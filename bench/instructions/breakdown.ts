// What one more unit's instructions are made of, function by function, for `npm run bench:instructions -- <case>
// --breakdown` (run.ts): where a request or a round trip spends them, and where two systems differ.
//
// callgrind counts every function of the main thread, and `callgrind_annotate --inclusive=no` lists each one's own
// instructions. It names the machine code of Node, V8 and the C library from their symbols, but the code V8 compiles
// from JavaScript has none: callgrind shows it as `???:0x…`. Started with --perf-basic-prof, V8 writes what it
// compiled to /tmp/perf-<pid>.map ("<start> <size> <name>" in hex, the file perf reads), which names those addresses.
// Subtracting a pair's two runs function by function, as the counts subtract their totals, leaves what one more unit
// costs in each function.
//
// Names are approximate where V8 moves or reuses code: callgrind keeps a function at the address it first ran at,
// and the map's later entry for an address wins.
//
// `npm run bench:instructions -- --breakdown` (no case) takes one pair of every system of every case so and saves
// what it read (breakdownRows) as bench/results/breakdown.json, from which the READMEs' breakdown tables are generated.
import type { Row } from "../lib/suite";
import { marginal } from "./callgrind";

/** Each function's own instructions, by name. */
export type FunctionCounts = ReadonlyMap<string, number>;

/** A perf map's code objects, in order of their start: a name for an address of compiled JavaScript. */
export interface PerfMap {
  readonly starts: readonly number[];
  readonly entries: readonly { readonly end: number; readonly name: string }[];
}

/** The own count of every function in a `callgrind_annotate --inclusive=no` report (every line "<count> (<share>)  <function>"). */
export function parseAnnotate(text: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const line of text.split("\n")) {
    const m = /^\s*([\d,]+)\s+\(\s*[\d.]+%\)\s+(.+?)\s*$/.exec(line);
    if (!m || m[2] === "PROGRAM TOTALS") continue;
    counts.set(m[2]!, (counts.get(m[2]!) ?? 0) + Number(m[1]!.replaceAll(",", "")));
  }
  return counts;
}

/** Reads V8's perf map; of two entries at one start, the later (V8 compiled new code where old code was). */
export function parsePerfMap(text: string): PerfMap {
  const byStart = new Map<number, { end: number; name: string }>();
  for (const line of text.split("\n")) {
    const m = /^([0-9a-f]+) ([0-9a-f]+) (.+)$/i.exec(line);
    if (!m) continue;
    const start = parseInt(m[1]!, 16);
    byStart.set(start, { end: start + parseInt(m[2]!, 16), name: m[3]! });
  }
  const starts = [...byStart.keys()].sort((a, b) => a - b);
  return { starts, entries: starts.map((s) => byStart.get(s)!) };
}

/** The map's name of the code at `address`, or null when no code object there is known. */
export function codeAt(map: PerfMap, address: number): string | null {
  let lo = 0, hi = map.starts.length - 1, found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (map.starts[mid]! <= address) (found = mid), (lo = mid + 1);
    else hi = mid - 1;
  }
  return found >= 0 && address < map.entries[found]!.end ? map.entries[found]!.name : null;
}

/**
 * A readable name: compiled JavaScript named from the map ("recv solutions/05-green-sockets/node-socket.ts"), its
 * tiers merged (V8 marks them `~` interpreted, `^` baseline, `+` Maglev, `*` optimized), paths inside `root` made
 * relative, and callgrind's marks of recursion ('2) dropped, so that one function is one row.
 */
export function nameOf(fn: string, map: PerfMap | null, root: string): string {
  const jit = /^\?\?\?:0x([0-9a-f]+) \[\?\?\?\]$/.exec(fn);
  let name = fn;
  if (jit) {
    const code = map && codeAt(map, parseInt(jit[1]!, 16));
    if (!code) return "compiled code the map does not name";
    name = code.replace(/^(?:JS|LazyCompile|Function):[*~^+]?/, "").replace(/:\d+:\d+$/, "");
  }
  // "???:" is callgrind's unknown source file, which says nothing the object in brackets does not.
  return name.replaceAll(`file://${root}/`, "").replaceAll(`${root}/`, "").replace(/'\d+/g, "").replace(/^\?\?\?:/, "").trim();
}

/**
 * Each function's own instructions over a pair of runs at two sizes of the load, per unit of it: what `marginal`
 * makes of the runs' totals, function by function.
 */
export function perUnit(small: FunctionCounts, large: FunctionCounts, sizes: { small: number; large: number }): Map<string, number> {
  const out = new Map<string, number>();
  for (const name of new Set([...small.keys(), ...large.keys()])) {
    const { perUnit } = marginal({ size: sizes.small, instructions: small.get(name) ?? 0 }, { size: sizes.large, instructions: large.get(name) ?? 0 });
    out.set(name, perUnit);
  }
  return out;
}

/** Names merged as `nameOf` reads them. */
export function named(counts: FunctionCounts, map: PerfMap | null, root: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const [fn, n] of counts) {
    const name = nameOf(fn, map, root);
    out.set(name, (out.get(name) ?? 0) + n);
  }
  return out;
}

/** The kinds of code a breakdown groups its functions into, in the order it prints them. */
export const KINDS = [
  "the program's own JavaScript (solutions/, bench/)",
  "Node's JavaScript (node:…)",
  "other compiled code (regular expressions, libraries' JavaScript, unnamed)",
  "V8 built-ins: generators",
  "V8 built-ins: inline-cache misses",
  "V8 built-ins: other",
  "V8's runtime and API",
  "the heap and its collector (the main thread's part)",
  "Node's C++",
  "libuv",
  "the C library",
  "the rest",
] as const;
export type Kind = (typeof KINDS)[number];

/** Which kind of code a function (named by `nameOf`) is. */
export function kindOf(name: string): Kind {
  if (/(^|\s)(solutions|bench)\//.test(name)) return KINDS[0];
  if (/(^|\s)node:(?!:)/.test(name)) return KINDS[1]; // node:internal/…, not node::Buffer
  // callgrind's names end in the object they came from ("[/usr/bin/node]", "[???]"); the map's names do not.
  if (!/ \[(\?\?\?|\/[^\]]*)\]$/.test(name)) return KINDS[2];
  if (/Builtins_\w*(Generator|IterResult)/.test(name)) return KINDS[3];
  if (/Builtins_\w*(Load|Store)\w*IC/.test(name)) return KINDS[4];
  if (/Builtins_/.test(name)) return KINDS[5];
  // A C++ function's own name, without its parameters, which name other namespaces' types (node::X(v8::Local<…>)).
  const fn = name.replaceAll("(anonymous namespace)", "").split("(")[0]!;
  if (/v8::internal::(Heap|Scaveng|Mark|Sweep|Evacuat|Minor|Concurrent)|heap::base|Scavenge/.test(fn)) return KINDS[7];
  const namespace = /(?:^|[\s<])(v8|node)::/.exec(fn)?.[1];
  if (namespace === "v8") return KINDS[6];
  if (namespace === "node") return KINDS[8];
  if (/\buv_|\/uv\/|deps\/uv/.test(name)) return KINDS[9];
  if (/libc\.so|libstdc\+\+|libm\.so/.test(name)) return KINDS[10];
  return KINDS[11];
}

/** Sums by kind, every kind present (zero where none). */
export function byKind(counts: FunctionCounts): Map<Kind, number> {
  const out = new Map<Kind, number>(KINDS.map((k) => [k, 0]));
  for (const [name, n] of counts) {
    const kind = kindOf(name);
    out.set(kind, out.get(kind)! + n);
  }
  return out;
}

/** One system's breakdown: its functions' instructions per unit. */
export interface SystemBreakdown {
  readonly system: string;
  readonly perUnit: FunctionCounts;
}

const num = (x: number): string => Math.round(x).toLocaleString("en-US");
const sum = (m: Iterable<number>): number => [...m].reduce((a, b) => a + b, 0);

/**
 * The breakdown as lines of text: totals, kinds, then the `top` functions. With two systems or more, each is set
 * beside the first (the first's count minus its) and the functions are those whose difference from it is largest;
 * with one, its largest.
 */
export function breakdownLines(systems: readonly SystemBreakdown[], top: number): string[] {
  const first = systems[0];
  if (!first) return [];
  const others = systems.slice(1);
  const cols = systems.map((s) => s.system);
  const width = Math.max(12, ...cols.map((c) => c.length + 2));
  const diffHead = others.map((o) => `${first.system} − ${o.system}`);
  const row = (label: string, values: number[]): string => {
    const diffs = others.map((_, i) => values[0]! - values[i + 1]!);
    return `  ${label.slice(0, 78).padEnd(80)}${values.map((v) => num(v).padStart(width)).join("")}${diffs.map((d, i) => (d >= 0 ? `+${num(d)}` : num(d)).padStart(diffHead[i]!.length + 2)).join("")}`;
  };
  const lines = [`  ${"".padEnd(80)}${cols.map((c) => c.padStart(width)).join("")}${diffHead.map((d) => d.padStart(d.length + 2)).join("")}`];
  lines.push(row("every function", systems.map((s) => sum(s.perUnit.values()))));
  lines.push("  by kind of code:");
  const kinds = systems.map((s) => byKind(s.perUnit));
  for (const k of KINDS) lines.push(row(`  ${k}`, kinds.map((m) => m.get(k)!)));
  const names = new Set(systems.flatMap((s) => [...s.perUnit.keys()]));
  const at = (s: SystemBreakdown, n: string): number => s.perUnit.get(n) ?? 0;
  const weight = (n: string): number => (others.length ? Math.max(...others.map((o) => Math.abs(at(o, n) - at(first, n)))) : Math.abs(at(first, n)));
  const chosen = [...names].sort((a, b) => weight(b) - weight(a)).slice(0, top);
  lines.push(others.length ? `  the ${chosen.length} functions that differ most:` : `  the ${chosen.length} largest functions:`);
  for (const n of chosen) lines.push(row(`  ${n}`, systems.map((s) => at(s, n))));
  return lines;
}

/**
 * A name as a saved table shows it: without the object callgrind found it in (" [/usr/bin/node]": a path of the
 * machine that ran it, and the kind of code says as much) and without a C++ function's parameter list.
 */
export function shortName(name: string): string {
  let out = name.replace(/ \[[^\]]*\]$/, "").replace(/ const$/, "");
  if (out.endsWith(")")) {
    // The parameter list is the last parenthesised group at depth zero; templates may hold parentheses of their own.
    let depth = 0;
    for (let i = out.length - 1; i >= 0; i--) {
      if (out[i] === ")") depth++;
      else if (out[i] === "(" && --depth === 0) {
        if (i > 0) out = out.slice(0, i);
        break;
      }
    }
  }
  return out.length > 90 ? `${out.slice(0, 89)}…` : out;
}

/** What the saved rows call a case's total, its kinds of code and its functions: a table's filter picks each group. */
export const rowName = {
  total: (caseId: string): string => `${caseId}, every function`,
  kind: (caseId: string, kind: Kind): string => `${caseId}, by kind: ${kind}`,
  fn: (caseId: string, name: string): string => `${caseId}, function: ${name}`,
};

/**
 * One case's breakdown as a result's rows (one reading each, whole instructions per unit): every system's total and
 * kinds of code, and the functions among the `top` largest of any system, each with every system's count of it.
 */
export function breakdownRows(caseId: string, unit: string, systems: readonly SystemBreakdown[], top: number): Row[] {
  const rows: Row[] = [];
  const push = (name: string, system: string, value: number): void => {
    const v = Math.round(value);
    rows.push({ case: name, system, value: v, unit, min: v, max: v, better: "lower" });
  };
  const shortened = systems.map((s) => {
    const m = new Map<string, number>();
    for (const [name, n] of s.perUnit) {
      const short = shortName(name);
      m.set(short, (m.get(short) ?? 0) + n);
    }
    return m;
  });
  const chosen = new Set<string>();
  for (const m of shortened) for (const [name] of [...m].sort((a, b) => b[1] - a[1]).slice(0, top)) chosen.add(name);
  const largest = (name: string): number => Math.max(...shortened.map((m) => m.get(name) ?? 0));
  const order = [...chosen].sort((a, b) => largest(b) - largest(a) || a.localeCompare(b));
  for (const [i, s] of systems.entries()) {
    push(rowName.total(caseId), s.system, sum(s.perUnit.values()));
    for (const [kind, n] of byKind(s.perUnit)) push(rowName.kind(caseId, kind), s.system, n);
    for (const name of order) push(rowName.fn(caseId, name), s.system, shortened[i]!.get(name) ?? 0);
  }
  return rows;
}
