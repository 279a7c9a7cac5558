// The benchmark reports (tools/lib/bench-tables.ts, chapters 02–09): tables, ratios, aims and inline figures made
// from a small results file, the markers rewritten in place, and a result's staleness read from git history.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT } from "../../tools/lib/manifest";
import { SIMULATIONS, stamped } from "../../bench/suites/sims";
import { measuredAt } from "../../bench/lib/report";
import {
  BENCH_SUITES, aimList, bySuiteOrder, compare, figuresPrint, figureTable, freshness, pairedRatioText, proseToRead, goalsTable, measuredCommit, movedVerdicts, previousRun, verdictBefore, verdictRecord, judgedBothWays, carriedRuns, readRunsBefore, EARLIER_RUNS, pairedRatio, ratioTable, rerunOutcome, rerunPlan, runLine, sameCode, staleReports, suiteTitle, verdictText, withBenchBlocks, type Freshness,
  type BenchFile,
} from "../../tools/lib/bench-tables";

const FILE: BenchFile = {
  suite: "hub",
  subject: "hub",
  date: "2026-11-25T17:10:49.388Z",
  machine: { cpus: 2, cpuModel: "Test CPU", node: "v20.1.0", eventlet: "eventlet 0.33.1", loadAverage1mAtStart: 1.5, loadAverage1mAtEnd: 2 },
  reps: 5,
  rows: [
    { case: "switch", system: "hub", value: 50, unit: "ns/switch", min: 45, max: 55, better: "lower" },
    { case: "switch", system: "eventlet", value: 200, unit: "ns/switch", min: 190, max: 210, better: "lower" },
    { case: "switch", system: "floor", value: 40, unit: "ns/switch", min: 38, max: 46, better: "lower" },
    { case: "rate", system: "hub", value: 1500, unit: "req/s", min: 1400, max: 1600, better: "higher" },
    { case: "rate", system: "eventlet", value: 1000, unit: "req/s", min: 900, max: 1100, better: "higher" },
  ],
  aims: [{ aim: "switch: CPU time below eventlet's", met: true, detail: "0.25×" }, { aim: "rate within 2× of floor", met: false }],
  notes: ["measured at commit abc1234"],
};
const load = (suite: string): BenchFile => {
  if (suite !== "hub") throw new Error(`no results for ${suite}`);
  return FILE;
};

/** A throwaway git repository holding `files`, in one commit, and a git that commits there without any set-up. */
function repository(files: Record<string, string>): { root: string; git: (...args: string[]) => string } {
  const root = mkdtempSync(join(tmpdir(), "bench-tables-"));
  const git = (...args: string[]) => execFileSync("git", ["-c", "user.email=t@t", "-c", "user.name=t", ...args], { cwd: root, encoding: "utf8" }).trim();
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  git("init", "-q");
  git("add", "-A");
  git("commit", "-qm", "one");
  return { root, git };
}

describe("bench tables", () => {
  it("gives every figure its median and min–max, and each ratio its direction", () => {
    expect(figureTable(FILE, "cases").split("\n")).toEqual([
      "| figure | hub | eventlet | floor | hub ÷ eventlet | hub ÷ floor |",
      "|---|---|---|---|---|---|",
      "| switch, ns/switch, lower is better | 50 (45–55) | 200 (190–210) | 40 (38–46) | 0.25× ahead | 1.25× ranges overlap |",
      "| rate, req/s, higher is better | 1,500 (1,400–1,600) | 1,000 (900–1,100) | — | 1.50× ahead | — |",
    ]);
    expect(figureTable(FILE, "systems").split("\n")[2]).toBe("| hub | 50 (45–55) | 1,500 (1,400–1,600) |");
    expect(ratioTable(FILE)).toContain("| rate | higher | 1.50× ahead | — |");
    expect(compare(FILE.rows[3]!, { ...FILE.rows[4]!, value: 3000, min: 2900, max: 3100 })).toEqual({ ratio: 0.5, verdict: "behind" });
  });

  it("judges rows with reps rep by rep, each pair taken side by side, where the min–max would only say they overlap", () => {
    const row = (system: string, samples: number[]): BenchFile["rows"][number] =>
      ({ case: "rate", system, value: [...samples].sort((a, b) => a - b)[2]!, unit: "req/s", min: Math.min(...samples), max: Math.max(...samples), samples, better: "higher" });
    // The host slowed down in reps 2 and 4 for both systems: every pair has the hub ahead.
    const hub = row("hub", [1100, 600, 1120, 650, 1090]);
    const peer = row("peer", [1000, 550, 1010, 600, 1000]);
    expect(compare(hub, peer)).toEqual({ ratio: 600 / 550, verdict: "ahead", reps: { ahead: 5, of: 5 } }); // the median of 1.1, 1.091, 1.109, 1.083, 1.09
    expect(compare(peer, hub).verdict).toBe("behind");
    // Two pairs the other way: the medians' order is not what every rep says.
    const mixed = compare(row("hub", [1100, 500, 1120, 550, 1090]), peer);
    expect(mixed).toEqual({ ratio: 1090 / 1000, verdict: "mixed", reps: { ahead: 3, of: 5 } });
    expect(verdictText(mixed)).toBe("mixed (ahead in 3 of 5 reps)");
    // Lower is better: ahead means smaller, and a tie counts for neither side.
    const fast = { ...row("hub", [10, 20, 30, 40, 50]), better: "lower" as const };
    expect(compare(fast, { ...fast, system: "peer", samples: [10, 21, 31, 41, 51] })).toMatchObject({ verdict: "ahead", reps: { ahead: 4, of: 5 } });
    expect(compare(fast, { ...fast, system: "peer" })).toMatchObject({ verdict: "even", reps: { ahead: 0, of: 5 } });
    // Reps that cannot be paired (not as many, or too few): the min–max rule.
    expect(compare(hub, { ...peer, samples: [1000, 550, 1010] })).toEqual({ ratio: 1090 / 1000, verdict: "overlap" });
    expect(compare({ ...hub, samples: [1100, 600] }, { ...peer, samples: [1000, 550] }).verdict).toBe("overlap");
    // The ratio is the median of the reps' ratios: io's HTTP servers at 64 connections (results at 870b55a), where
    // the ratio of the medians, 26,890 ÷ 33,690 = 0.80, set a slow rep of one against a fast rep of the other.
    const green = row("hub", [26630, 26890, 26760, 49710, 45720]);
    const node = row("node", [21820, 37600, 28610, 33690, 37060]);
    expect(green.value / node.value).toBeCloseTo(0.798, 3);
    expect(pairedRatio(green, node)).toBeCloseTo(26630 / 21820, 6);
    expect(pairedRatio(green, { ...node, samples: [21820, 37600] })).toBe(green.value / node.value); // unpaired: the medians
    // An aim's detail: three significant digits, so a miss by a hair (0.7987 of a 0.8 aim) does not print as 0.8×.
    const hair = (x: number): BenchFile["rows"][number] => row("hub", [x, x, x, x, x]);
    expect(pairedRatioText(hair(7987), hair(10000))).toBe("0.799× rep by rep");
    expect(pairedRatioText(hair(36110), hair(1000))).toBe("36.1× rep by rep");
    expect(pairedRatioText(green, { ...node, samples: [1, 2] })).toBe("0.798×"); // unpaired: the medians, no "rep by rep"
    // The prose's inline ratios read it too, so a sentence never quotes a ratio the table beside it does not show.
    const http: BenchFile = { ...FILE, rows: [green, node] };
    expect(withBenchBlocks('<!-- bench: hub ratio "rate" "node" --><!-- /bench -->', () => http)).toBe('<!-- bench: hub ratio "rate" "node" -->1.22×<!-- /bench -->');
    expect(figureTable(http, "cases")).toContain("| 1.22× mixed (ahead in 3 of 5 reps) |");
    const inline = (spec: string, file: BenchFile): string => withBenchBlocks(`<!-- bench: ${spec} --><!-- /bench -->`, () => file).replace(/<!--[^>]*-->/g, "");
    expect(inline('hub verdict "rate" "node"', http)).toBe("ahead in 3 of 5 reps");
    expect(inline('hub verdict "rate" "node"', { ...http, rows: [row("hub", [2, 2, 2, 2, 2]), row("node", [1, 1, 1, 1, 1])] })).toBe("ahead in all 5 reps");
    expect(inline('hub verdict "rate" "node"', { ...http, rows: [green, { ...node, samples: [1, 2] }] })).toBe("ranges overlap");
    // A baseline suite (obs: each mode ÷ metrics off) reads its inline ratios as its table does: the system ÷ the subject.
    const obs: BenchFile = { ...http, suite: "obs", subject: "node" };
    expect(inline('obs ratio "rate" "hub"', obs)).toBe("1.22×");
    expect(inline('obs verdict "rate" "hub"', obs)).toBe("ahead in 3 of 5 reps");
    const table = figureTable({ ...FILE, rows: [hub, peer] }, "cases");
    expect(table).toContain("| 1.09× ahead |");
  });

  it("lists a report's prose to read again when a run changes the figures it was read against", () => {
    const print = figuresPrint(FILE);
    expect(print).toMatch(/^[0-9a-f]{8}$/);
    const text = (read?: string): string =>
      `${read ? `<!-- bench: hub prose ${read} --><!-- /bench -->\n` : ""}The hub takes <!-- bench: hub ratio "switch" "eventlet" -->0.25×<!-- /bench --> eventlet's time.`;
    expect(proseToRead("ch.md", text(print), load)).toEqual([]);
    expect(withBenchBlocks(text(print), load)).toBe(text(print)); // the marker shows nothing
    const marker = `<!-- bench: hub prose ${print} --><!-- /bench -->`;
    const unsaid = proseToRead("ch.md", text(), load);
    expect(unsaid).toEqual([{ file: "ch.md", suite: "hub", marker, why: expect.stringMatching(/does not say which run its prose was read against: read it against bench\/results\/hub\.json \(measured at abc1234, 2026-11-25 17:10 UTC\)/) }]);
    // A run that moves one figure: the prose is listed, with the marker to put there once it has been read.
    const moved: BenchFile = { ...FILE, rows: FILE.rows.map((r, i) => (i === 0 ? { ...r, value: 51 } : r)) };
    expect(figuresPrint(moved)).not.toBe(print);
    const stale = proseToRead("ch.md", text(print), () => moved);
    expect(stale).toHaveLength(1);
    expect(stale[0]!.why).toContain(`read against other figures (${print})`);
    expect(stale[0]!.marker).toBe(`<!-- bench: hub prose ${figuresPrint(moved)} --><!-- /bench -->`);
    // The same figures from a later commit (a seeded simulation run again): nothing to read.
    expect(proseToRead("ch.md", text(print), () => ({ ...FILE, notes: ["measured at commit 9999999"] }))).toEqual([]);
    expect(proseToRead("all.md", "<!-- bench: goals -->\n<!-- /bench -->", load)).toEqual([]);
    expect(() => withBenchBlocks("<!-- bench: hub prose soon --><!-- /bench -->", load)).toThrow(/8 hex digits/);
  });

  it("says which run, how many reps and which commit", () => {
    const line = runLine(FILE);
    expect(line).toMatch(/^Medians of 5 reps, min–max in brackets, measured at commit abc1234, on 2026-11-25 \(2 vCPU Test CPU, Node 20\.1\.0, eventlet 0\.33\.1; load average 1\.5 at the start, 2 at the end\)/);
    expect(line).toContain("npm run bench:tables");
    const timed = runLine({ ...FILE, machine: { ...(FILE.machine as object), referenceJavascriptMs: 121.4, referenceLoopbackMs: 51.2 } });
    expect(timed, "the machine's speed that day, after the load, not among the versions").toContain(
      "2 at the end; reference work at the end, 121.4 ms of JavaScript and 51.2 ms of loopback round trips (bench/lib/speed.ts; less is a faster machine))",
    );
    expect(timed.split(";")[0], "not listed among the versions").not.toContain("121.4");
    expect(aimList(FILE)).toBe("- **met** — switch: CPU time below eventlet's: 0.25×\n- **not met** — rate within 2× of floor");
    expect(measuredCommit({ notes: ["x", "measured at commit 54a60a4, with uncommitted changes in bench/hub"] })).toEqual({ commit: "54a60a4", dirty: true, dirtyFiles: ["bench/hub"], blobs: null });
    expect(suiteTitle("lb", { "08-tcp-proxy": "A TCP proxy" })).toBe("Chapter 08 — A TCP proxy: L4 proxies side by side under wrk");
    expect(suiteTitle("other", {}, "other: things (issue 7)")).toBe("other: things");
  });

  it("rewrites blocks and inline figures between markers, and leaves quoted markers alone", () => {
    const text = [
      "Intro, with `<!-- bench: hub table -->` quoted.",
      "<!-- bench: hub aims -->",
      "old",
      "<!-- /bench -->",
      'Inline: <!-- bench: hub value "rate" hub -->9<!-- /bench --> and <!-- bench: hub ratio "switch" "eventlet" -->9<!-- /bench -->.',
      'Spread: <!-- bench: hub range "switch" floor --><!-- /bench -->.',
    ].join("\n");
    const out = withBenchBlocks(text, load);
    expect(out).toContain("Intro, with `<!-- bench: hub table -->` quoted.");
    expect(out).toContain(`<!-- bench: hub aims -->\n\n${aimList(FILE)}\n\n<!-- /bench -->`);
    expect(out).toContain('<!-- bench: hub value "rate" hub -->1,500 req/s<!-- /bench --> and <!-- bench: hub ratio "switch" "eventlet" -->0.25×<!-- /bench -->.');
    expect(out).toContain('Spread: <!-- bench: hub range "switch" floor -->40 ns/switch (38–46)<!-- /bench -->.');
    expect(withBenchBlocks(out, load)).toBe(out);
    expect(() => withBenchBlocks('<!-- bench: hub value "nope" hub -->x<!-- /bench -->', load)).toThrow(/no figure "nope" for "hub"/);
    expect(() => withBenchBlocks("<!-- bench: hub chart -->x<!-- /bench -->", load)).toThrow(/unknown kind "chart"/);
    // A third system goes over the second, in place of the subject: eventlet ÷ floor.
    expect(withBenchBlocks('<!-- bench: hub ratio "switch" floor eventlet --><!-- /bench -->', load)).toBe('<!-- bench: hub ratio "switch" floor eventlet -->5.00×<!-- /bench -->');
    expect(withBenchBlocks('<!-- bench: hub verdict "switch" floor eventlet --><!-- /bench -->', load)).toBe('<!-- bench: hub verdict "switch" floor eventlet -->behind<!-- /bench -->');
    expect(() => withBenchBlocks('<!-- bench: hub ratio "switch" floor nobody --><!-- /bench -->', load)).toThrow(/no figure "switch" for "nobody"/);
    expect(() => withBenchBlocks("<!-- bench: hub table -->", load)).toThrow(/has no <!-- \/bench -->/);
  });

  it("gathers every suite's aims in one table of goals, with each verdict, the commit measured, the run before's verdict and the suites not run", () => {
    const lb: BenchFile = {
      suite: "lb", rows: [], aims: [{ aim: "p99 ≤ 2× HAProxy's | at 1k", met: false, detail: "75×" }], notes: ["measured at commit def5678abc"],
      previous: previousRun({ date: "2026-12-05T20:20:00Z", notes: ["measured at commit 0123456789"], aims: [{ aim: "p99 ≤ 2× HAProxy's | at 1k", met: true, detail: "1.9×" }] }),
    };
    const some = (suite: string): BenchFile => {
      if (suite === "hub") return FILE;
      if (suite === "lb") return lb;
      if (suite === "io") throw new Error("no results for io");
      return { suite, rows: [] }; // a suite without aims (a simulation) adds no line
    };
    const out = goalsTable(some);
    expect(out.split("\n")[0]).toBe("1 of 3 aims met in the last run of each suite (1 verdict differs from the run before it; 1 aim has been judged both ways in the runs kept). Each suite's aims block, beside its table, gives the figures that decide them.");
    expect(out).toContain("| `hub` (02) | switch: CPU time below eventlet's | met | abc1234 | — |");
    expect(out).toContain("| `hub` (02) | rate within 2× of floor | **not met** | abc1234 | — |");
    expect(out).toContain("| `lb` (08) | p99 ≤ 2× HAProxy's \\| at 1k | **not met** | def5678 | met at 0123456 |");
    expect(out).toContain("| `io` (07) | — | no results: `npm run bench io` | — | — |");
    expect(out.split("\n").filter((l) => l.startsWith("| `")).length, "one line per aim, and one for the suite not run").toBe(4);
    // npm run bench:status says the same in a line, and names the verdict that moved.
    expect(movedVerdicts(some)).toEqual(["lb: p99 ≤ 2× HAProxy's | at 1k — not met (met at 0123456 in the run before)"]);
    expect(withBenchBlocks("<!-- bench: goals -->\n<!-- /bench -->", some)).toBe(`<!-- bench: goals -->\n\n${out}\n\n<!-- /bench -->`);
  });

  it("keeps of the run a result replaced its date, its commit and how it judged each aim, and no more", () => {
    const old: BenchFile = {
      suite: "lb", date: "2026-12-05T20:20:00Z", rows: [], notes: ["fixed backends: …", "measured at commit 0123456789ab"],
      aims: [{ aim: "a", met: true, detail: "1.9×" }, { aim: "b", met: false, detail: "0.7×" }],
    };
    const previous = previousRun(old);
    expect(previous).toEqual({ date: "2026-12-05T20:20:00Z", commit: "0123456", aims: [{ aim: "a", met: true }, { aim: "b", met: false }] });
    expect(verdictBefore({ previous }, "b")).toEqual({ met: false, text: "not met at 0123456" });
    expect(verdictBefore({ previous }, "an aim the run before did not have")).toBeNull();
    expect(verdictBefore({}, "a"), "a result from before the field was kept").toBeNull();
    // An aims block says which verdicts moved, and no more.
    const now: BenchFile = { ...old, previous, aims: [{ aim: "a", met: false, detail: "1.6×" }, { aim: "b", met: false, detail: "0.8×" }] };
    expect(aimList(now)).toBe("- **not met** (met at 0123456 in the run before) — a: 1.6×\n- **not met** — b: 0.8×");
    expect(previousRun({ notes: [] }).commit, "a run that did not say its commit").toBeNull();
  });

  it("carries the runs before on from result to result, to a bound, and says how often they met an aim", () => {
    const run = (n: number, met: boolean): BenchFile => ({ suite: "lb", date: `2026-12-0${n}T00:00:00Z`, rows: [], notes: [`measured at commit ${n}${n}${n}${n}${n}${n}${n}`], aims: [{ aim: "a", met }] });
    // Eleven runs, each saved over the last: met, missed, met, …
    let saved: BenchFile = run(1, true);
    for (let n = 2; n <= 11; n++) saved = { ...run(n % 10, n % 2 === 1), ...carriedRuns(saved) };
    expect(saved.previous?.commit).toBe("0000000");
    expect(saved.earlier).toHaveLength(EARLIER_RUNS);
    expect(saved.earlier!.map((r) => r.commit)).toEqual(["9999999", "8888888", "7777777", "6666666", "5555555", "4444444", "3333333", "2222222"]);
    expect(verdictRecord(saved, "a")).toEqual({ met: 4, judged: 9, text: "met in 4 of the 9 runs before" });
    expect(verdictRecord(saved, "an aim they did not have")).toBeNull();
    expect(verdictRecord({ previous: saved.previous }, "a"), "one run before: its verdict says as much").toBeNull();
    expect(judgedBothWays(saved, { aim: "a", met: true })).toBe(true);
    const steady: BenchFile = { ...run(3, true), previous: previousRun(run(2, true)), earlier: [previousRun(run(1, true))] };
    expect(judgedBothWays(steady, { aim: "a", met: true })).toBe(false);
    expect(judgedBothWays(steady, { aim: "a", met: false })).toBe(true);
    const table = goalsTable((suite) => (suite === "lb" ? saved : { suite, rows: [] }));
    expect(table).toContain("| `lb` (08) | a | met | 1111111 | not met at 0000000; met in 4 of the 9 runs before |");
    expect(movedVerdicts((suite) => (suite === "lb" ? saved : { suite, rows: [] }))).toEqual(["lb: a — met (not met at 0000000 in the run before; met in 4 of the 9 runs before)"]);
  });

  it("reads the runs before from a results file, leaving out the ones without their shape", () => {
    const good = { date: "2026-12-05T20:20:00Z", commit: "0123456", aims: [{ aim: "a", met: true }, { aim: 3, met: "yes" }] };
    expect(readRunsBefore({ previous: good, earlier: [good, "junk", { aims: "none" }, null] })).toEqual({
      previous: { ...good, aims: [{ aim: "a", met: true }] },
      earlier: [{ ...good, aims: [{ aim: "a", met: true }] }],
    });
    expect(readRunsBefore({ earlier: [good] }), "no earlier runs without the one before them").toEqual({});
    expect(readRunsBefore({ previous: "junk" })).toEqual({});
  });

  it("keeps to the figures whose name contains a block's text, when it has one", () => {
    const out = withBenchBlocks('<!-- bench: hub table "rate" -->\n<!-- /bench -->\n<!-- bench: hub ratios "switch" --><!-- /bench -->', load);
    expect(out).toContain("| figure | hub | eventlet | hub ÷ eventlet |\n|---|---|---|---|\n| rate, req/s, higher is better | 1,500 (1,400–1,600) | 1,000 (900–1,100) | 1.50× ahead |\n");
    expect(out).not.toContain("| switch, ns/switch");
    expect(out).toContain("| switch | lower | 0.25× ahead | 1.25× ranges overlap |");
    expect(out).not.toContain("| rate | higher");
    expect(withBenchBlocks('<!-- bench: hub aims "switch" --><!-- /bench -->', load)).toContain("switch: CPU time below eventlet's: 0.25×\n\n");
    expect(() => withBenchBlocks('<!-- bench: hub table "nope" --><!-- /bench -->', load)).toThrow(/no figure whose name contains "nope"/);
  });

  it("lists suites in the course's order: by chapter, then as BENCH_SUITES declares them, unknown ones last", () => {
    expect(["workers", "zz", "l7", "strategies", "lb", "hub", "io", "aa"].sort(bySuiteOrder)).toEqual(["hub", "io", "lb", "strategies", "l7", "workers", "aa", "zz"]);
    const order = Object.keys(BENCH_SUITES).sort(bySuiteOrder).map((s) => BENCH_SUITES[s]!.chapter);
    expect(order).toEqual([...order].sort());
  });

  it("tells a change of code from a change of comments and layout", () => {
    expect(sameCode("export const a = 1; // one\n", "/** A. */\nexport const a =\n  1;\n")).toBe(true);
    expect(sameCode("export const a = 1;\n", "export const a = 2;\n")).toBe(false);
    // What looks like a comment inside a string, a template or a regular expression is code.
    expect(sameCode("const u = `${h}//a`;\n", "const u = `${h}//b`;\n")).toBe(false);
    expect(sameCode("const r = /a\\/\\//; f(1);\n", "const r = /a\\/\\//; f(2);\n")).toBe(false);
    expect(sameCode('const s = "/* x */";\n', 'const s = "/* y */";\n')).toBe(false);
  });

  it("tells a change of code from a change of types: what is compared is the JavaScript that runs", () => {
    // A type annotation, a type-only import or export, an import used only as a type: erased, as tsx runs the file.
    expect(sameCode("let n: number = 1;\n", "let n: number | null = 1;\n")).toBe(true);
    const before = 'import { b } from "./b";\nimport type { A } from "./a";\nexport type { A };\nexport const x: A = b;\n';
    const after = 'import type { A } from "./a";\nimport { b } from "./b";\nexport const x: A = b;\nexport type { A };\n';
    expect(sameCode(before, after)).toBe(true);
    expect(sameCode('import { A, b } from "./a";\nexport const x: A = b;\n', 'import { b } from "./a";\nimport type { A } from "./a";\nexport const x: A = b;\n')).toBe(true);
    // A value import is code (its module runs first), and so is the order of two: their modules run in that order.
    expect(sameCode('import { b } from "./b";\nexport const x = 1;\n', 'import { b } from "./b";\nexport const x = b;\n')).toBe(false);
    expect(sameCode('import "./a";\nimport "./b";\n', 'import "./b";\nimport "./a";\n')).toBe(false);
    // Nothing is lowered: new syntax and its older spelling are different code.
    expect(sameCode("export const f = (a?: { b: number }) => a?.b;\n", "export const f = (a?: { b: number }) => a && a.b;\n")).toBe(false);
  });

  // Many git commands: seconds on a machine busy with the rest of `npm test`.
  it("finds the report files whose blocks differ from the results, and a result's staleness from git", { timeout: 30_000 }, () => {
    const { root, git } = repository({
      "solutions/02-hub/hub.ts": "export {};\n",
      "chapters/02-hub.md": "# Hub\n\n<!-- bench: hub aims -->\n<!-- /bench -->\n",
    });
    try {
      mkdirSync(join(root, "bench/results"), { recursive: true });
      const head = git("rev-parse", "--short", "HEAD");
      const file = { ...FILE, notes: [`measured at commit ${head}`] };
      writeFileSync(join(root, "bench/results/hub.json"), JSON.stringify(file));
      expect(staleReports(root).map(([f]) => f)).toEqual(["chapters/02-hub.md"]);

      expect(freshness(root, "hub", file)).toEqual({ state: "current", commit: head });
      writeFileSync(join(root, "solutions/02-hub/README.md"), "not measured\n");
      git("add", "-A");
      git("commit", "-qm", "a README");
      expect(freshness(root, "hub", file).state).toBe("current");
      writeFileSync(join(root, "solutions/02-hub/hub.ts"), "export const x = 1;\n");
      git("add", "-A");
      git("commit", "-qm", "faster hub");
      const f = freshness(root, "hub", file);
      expect(f.state).toBe("stale");
      expect(f.state === "stale" && f.files).toEqual(["solutions/02-hub/hub.ts"]);
      expect(f.state === "stale" && f.changes).toEqual([expect.stringMatching(/^[0-9a-f]+ faster hub$/)]);
      // Comments and layout are not code: a commit that only mends them leaves the result as it was (stale here).
      writeFileSync(join(root, "solutions/02-hub/hub.ts"), "// the hub\nexport const x =\n  1; /* one */\n");
      git("add", "-A");
      git("commit", "-qm", "a comment");
      expect(freshness(root, "hub", file)).toMatchObject({ state: "stale", files: ["solutions/02-hub/hub.ts"] });
      writeFileSync(join(root, "solutions/02-hub/hub.ts"), "/** Nothing yet. */\nexport {}; // a module\n");
      git("add", "-A");
      git("commit", "-qm", "a comment on the first version");
      expect(freshness(root, "hub", file).state).toBe("current");
      // The code decides, not the history: reverting the change makes the result current again.
      writeFileSync(join(root, "solutions/02-hub/hub.ts"), "export {};\n");
      git("add", "-A");
      git("commit", "-qm", "revert");
      expect(freshness(root, "hub", file).state).toBe("current");
      // Uncommitted changes during the run: they matter in measured code only.
      expect(freshness(root, "hub", { notes: [`measured at commit ${head}, with uncommitted changes in solutions/02-hub/README.md`] }).state).toBe("current");
      expect(freshness(root, "hub", { notes: [`measured at commit ${head}, with uncommitted changes in solutions/02-hub/README.md, solutions/02-hub/hub.ts`] }).state).toBe("unknown");
      expect(freshness(root, "hub", { notes: [`measured at commit ${head}, with uncommitted changes in a, b, c, d, e and 2 more`] }).state).toBe("unknown");

      expect(freshness(root, "hub", { notes: ["measured at commit 0123456789abcdef"] })).toMatchObject({ state: "unknown", why: expect.stringMatching(/not in this clone's history/) });
      expect(freshness(root, "hub", { notes: [] })).toMatchObject({ state: "unknown" });
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  // Many git commands and TypeScript's parser: seconds on a machine busy with the rest of `npm test`.
  it("judges a result measured with uncommitted code by the content the run recorded for it", { timeout: 30_000 }, () => {
    const { root, git } = repository({ "solutions/02-hub/hub.ts": "export {};\n", "solutions/02-hub/README.md": "the hub\n" });
    try {
      // A run names each uncommitted file with its content as measured: once that content is committed, the
      // result is current; until then (or if it never is) it cannot be told.
      writeFileSync(join(root, "solutions/02-hub/hub.ts"), "export const y = 2;\n");
      writeFileSync(join(root, "solutions/02-hub/README.md"), "edited during the run\n");
      const dirty = { notes: [measuredAt(root, ["solutions/02-hub"])!] };
      expect(dirty.notes[0]).toMatch(/^measured at commit [0-9a-f]+, with uncommitted changes in solutions\/02-hub\/README\.md \(blob [0-9a-f]{12}\), solutions\/02-hub\/hub\.ts \(blob [0-9a-f]{12}\)$/);
      expect(measuredCommit(dirty)?.blobs?.size).toBe(2);
      expect(freshness(root, "hub", dirty)).toMatchObject({ state: "unknown", why: expect.stringMatching(/solutions\/02-hub\/hub\.ts, a content no commit holds/) });
      git("add", "solutions/02-hub/hub.ts");
      git("commit", "-qm", "the code measured");
      expect(freshness(root, "hub", dirty).state).toBe("current"); // the README's edit is not measured code
      writeFileSync(join(root, "solutions/02-hub/hub.ts"), "// y, as measured\nexport const y =\n  2;\n");
      git("commit", "-qam", "a comment");
      expect(freshness(root, "hub", dirty).state).toBe("current");
      writeFileSync(join(root, "solutions/02-hub/hub.ts"), "export const y = 3;\n");
      git("commit", "-qam", "other code");
      expect(freshness(root, "hub", dirty)).toMatchObject({ state: "stale", files: ["solutions/02-hub/hub.ts"], changes: [expect.stringMatching(/other code$/), expect.stringMatching(/a comment$/), expect.stringMatching(/the code measured$/)] });
      // A measured file that no commit holds, at the time or since: whether it was measured code cannot be told.
      writeFileSync(join(root, "solutions/02-hub/extra.ts"), "export {};\n");
      const untracked = { notes: [measuredAt(root, ["solutions/02-hub"])!] };
      git("checkout", "-q", "--", "solutions/02-hub/README.md");
      rmSync(join(root, "solutions/02-hub/extra.ts"));
      expect(freshness(root, "hub", untracked)).toMatchObject({ state: "unknown", why: expect.stringMatching(/extra\.ts, which no commit holds/) });
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it("plans a re-run of every result not known to be current, each command once, in the chapters' order", () => {
    const states = new Map<string, Freshness>([
      ["sims-never-heard-of", { state: "stale", commit: "a", files: [], changes: [] }],
      ["drill", { state: "stale", commit: "a", files: ["x.ts"], changes: [] }],
      ["elastic-sim", { state: "unknown", why: "no commit" }],
      ["lb", { state: "stale", commit: "a", files: ["x.ts"], changes: [] }],
      ["hub", { state: "current", commit: "a" }],
    ]);
    expect(rerunPlan(states)).toEqual([
      { command: "npm run bench lb", suites: ["lb"] },
      { command: "npm run bench sims", suites: ["elastic-sim", "drill"] },
    ]);
    expect(rerunPlan(states, true).map((p) => p.command)).toEqual(["npm run bench hub", "npm run bench lb", "npm run bench sims"]);
    expect(rerunPlan(new Map([["hub", { state: "current", commit: "a" }]]))).toEqual([]);
  });

  it("counts a command of a rerun as done only when it ended well and wrote every result it measures", () => {
    const ok = { status: 0, signal: null };
    const times: Record<string, { before: number | null; now: number | null }> = {
      hub: { before: 100, now: 250 },
      lb: { before: 100, now: 100 }, // a run that measured fewer peers went to bench/out
      drill: { before: null, now: 300 }, // a first result
      "elastic-sim": { before: null, now: null },
    };
    const written = (suite: string) => times[suite]!;
    expect(rerunOutcome(ok, ["hub", "drill"], written)).toBe("done");
    expect(rerunOutcome(ok, ["hub", "lb", "elastic-sim"], written)).toBe("ran, but did not replace bench/results/lb.json, bench/results/elastic-sim.json");
    expect(rerunOutcome({ status: 1, signal: null }, ["hub"], written)).toBe("failed (exit 1)");
    expect(rerunOutcome({ status: null, signal: "SIGKILL" }, ["hub"], written)).toBe("failed (exit SIGKILL)");
  });

  it("divides each variant by the baseline for a suite of variants, and shows one profiled run without a spread", () => {
    const obs: BenchFile = { ...FILE, suite: "obs" };
    const lines = figureTable(obs, "cases").split("\n");
    expect(lines[0]).toBe("| figure | hub | eventlet | floor | eventlet ÷ hub | floor ÷ hub |");
    expect(lines[2]).toBe("| switch, ns/switch, lower is better | 50 (45–55) | 200 (190–210) | 40 (38–46) | 4.00× behind | 0.80× ranges overlap |");
    const profile: BenchFile = { ...FILE, suite: "lb-profile", reps: 1 };
    expect(figureTable(profile, "cases").split("\n")[0]).toBe("| figure | hub | eventlet | floor |");
    expect(figureTable(profile, "cases").split("\n")[2]).toBe("| switch, ns/switch, lower is better | 50 | 200 | 40 |");
    expect(runLine(profile)).toMatch(/^One measured run \(no spread\), measured at commit abc1234/);
    // A block's text that begins every figure's name is said once, in the first column, with the unit they share.
    const row = (c: string, unit: string): BenchFile["rows"][number] => ({ case: c, system: "hub", value: 7, unit, better: "lower" });
    const breakdown: BenchFile = { ...FILE, suite: "breakdown", reps: 1, rows: [row("io-echo, by kind: libuv", "instructions/round trip"), row("io-echo, by kind: the rest", "instructions/round trip")] };
    expect(figureTable(breakdown, "cases", "io-echo, by kind").split("\n")).toEqual([
      "| io-echo, by kind (instructions/round trip, lower is better) | hub |", "|---|---|", "| libuv | 7 |", "| the rest | 7 |",
    ]);
    const mixed: BenchFile = { ...breakdown, rows: [row("part: a", "%"), row("part: b", "ms")] };
    expect(figureTable(mixed, "cases", "part:").split("\n").slice(2)).toEqual(["| a, %, lower is better | 7 |", "| b, ms, lower is better | 7 |"]);
    expect(figureTable(breakdown, "cases", "libuv").split("\n")[2]).toBe("| io-echo, by kind: libuv, instructions/round trip, lower is better | 7 |");
    // A plot block says in the markdown where its charts are drawn (the site's chapter page).
    expect(withBenchBlocks('<!-- bench: hub plot "rate" -->x<!-- /bench -->', load)).toBe(
      '<!-- bench: hub plot "rate" -->\n\n*1 bar chart of `bench/results/hub.json` (the figures named "rate") stands here on the course site\'s page of this chapter.*\n\n<!-- /bench -->',
    );
  });

  it("stamps each seeded simulation with its commit: every one `npm run bench sims` names is written by one chapter script it runs", () => {
    const sims = Object.entries(BENCH_SUITES).filter(([, info]) => info.command === "npm run bench sims").map(([name]) => name).sort();
    expect(sims).toEqual(["drill", "elastic-sim", "health-sim", "slow-start-sim", "strategies-sim"]);
    expect(SIMULATIONS.flatMap((s) => s.writes).sort()).toEqual(sims);
    for (const { script, writes } of SIMULATIONS) {
      expect(existsSync(join(ROOT, script)), script).toBe(true);
      for (const name of writes) expect(existsSync(join(ROOT, "bench/results", `${name}.json`)), `${name}.json`).toBe(true);
    }
    const once = stamped(JSON.stringify({ suite: "drill", rows: [], notes: ["Not a benchmark."] }), "measured at commit abc1234");
    const twice = JSON.parse(stamped(once, "measured at commit def5678")) as BenchFile;
    expect(twice.notes).toEqual(["Not a benchmark.", "measured at commit def5678"]);
    expect(measuredCommit(twice)).toEqual({ commit: "def5678", dirty: false, dirtyFiles: null, blobs: null });
  });
});
