// The figures a results row keeps from its reps (bench/lib/report.ts): the median the reports compare, the min–max
// beside it, and every rep in the order it ran, which the site draws as dots over each bar; and what a new run
// leaves out of the result it replaces (such a run is kept aside, not saved over it).
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it, vi } from "vitest";
import { finish, lostPeers, median, ratios, spread, type Results } from "../../bench/lib/report";
import type { Row, Suite } from "../../bench/lib/suite";

// The machine's speed (bench/lib/speed.ts) is a second of work in a fresh process, and what this kernel says: fixed here.
vi.mock("../../bench/lib/speed", () => ({ referenceWork: () => ({ javascriptMs: 121.4, loopbackMs: 51.2 }), cpuMitigations: () => "meltdown: PTI" }));

describe("a row's figures from its reps", () => {
  it("takes the median of an odd count, and the mean of the middle two of an even one", () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });

  it("keeps every rep in the order it ran, at the same four significant digits as the median", () => {
    expect(spread([102.46, 98.123, 120.56, 99.99, 101])).toEqual({
      value: 101,
      min: 98.12,
      max: 120.6,
      samples: [102.5, 98.12, 120.6, 99.99, 101],
    });
  });

  it("does not reorder the reps it is given", () => {
    const xs = [3, 1, 2];
    spread(xs);
    expect(xs).toEqual([3, 1, 2]);
  });
});

describe("a saved run that measured fewer peers than the result it replaces", () => {
  const row = (system: string, c: string): Row => ({ case: c, system, value: 1, unit: "req/s", min: 1, max: 1, better: "higher" });
  const old = {
    date: "2026-12-06T12:39:06.964Z",
    notes: ["fixed backends: …", "measured at commit ae91ae7"],
    rows: [row("hub", "64 conns"), row("hub", "1000 conns"), row("nginx stream", "64 conns"), row("nginx stream", "1000 conns"), row("haproxy", "64 conns"), row("haproxy", "1000 conns")],
  };

  it("names a peer gone from every case, and the result it was in", () => {
    const now = [row("hub", "64 conns"), row("hub", "1000 conns"), row("haproxy", "64 conns"), row("haproxy", "1000 conns")];
    expect(lostPeers(old, now)).toEqual([
      "nginx stream was measured in the result this one replaced (2026-12-06, at ae91ae7) and not in this one: its figures, ratios and aims are gone from the reports until a run measures it again",
    ]);
  });

  it("says nothing of cases: a profile's are the functions on top, which differ from run to run", () => {
    const now = [row("hub", "64 conns"), row("nginx stream", "64 conns"), row("haproxy", "5000 conns")];
    expect(lostPeers(old, now)).toEqual([]);
  });

  it("says nothing when the new run measured everything the old one did, and more", () => {
    expect(lostPeers(old, [...old.rows, row("envoy", "64 conns")])).toEqual([]);
  });
});

describe("a saved run, over the result it replaces", () => {
  const row = (system: string, value: number): Row => ({ case: "rate", system, value, unit: "req/s", min: value, max: value, better: "higher" });
  const suite: Suite = {
    name: "example", title: "an example suite", subject: "hub", systems: [],
    cases: [{ id: "rate", name: "rate", unit: "req/s", quantity: "rate", better: "higher", n: 1 }],
    aims: (rows) => [{ aim: "ahead of nginx", met: rows.find((r) => r.system === "hub")!.value > (rows.find((r) => r.system === "nginx")?.value ?? 0), detail: "…" }],
  };
  interface Over {
    results: Results;
    /** bench/results/example.json after the run, parsed, or its text when it is not JSON. */
    written: Results | string | null;
    /** bench/out/example.json: where a run that measured fewer systems goes. */
    aside: Results | null;
    errors: string[];
  }
  /** A repository of its own with `saved` (when given) as bench/results/example.json, finished over by `rows`. */
  const finishOver = (saved: string | null, rows: Row[]): Over => {
    const dir = mkdtempSync(join(tmpdir(), "report-"));
    const file = join(dir, "bench", "results", "example.json");
    const asideFile = join(dir, "bench", "out", "example.json");
    const read = (f: string): string | null => (existsSync(f) ? readFileSync(f, "utf8") : null);
    const parsed = (text: string | null): Results | string | null => {
      try {
        return text === null ? null : (JSON.parse(text) as Results);
      } catch {
        return text;
      }
    };
    const log = vi.spyOn(console, "log").mockImplementation(() => {});
    const error = vi.spyOn(console, "error").mockImplementation(() => {});
    try {
      mkdirSync(join(dir, "bench", "results"), { recursive: true });
      if (saved !== null) writeFileSync(file, saved);
      const results = finish(suite, { reps: 1, rows, notes: ["measured at commit 89abcde"], versions: {}, loadAtStart: 0, started: Date.now(), repoDir: dir, notSaved: null });
      const aside = read(asideFile);
      return { results, written: parsed(read(file)), aside: aside === null ? null : (JSON.parse(aside) as Results), errors: error.mock.calls.map((c) => String(c[0]).trim()) };
    } finally {
      log.mockRestore();
      error.mockRestore();
      rmSync(dir, { recursive: true, force: true });
    }
  };
  const old: Partial<Results> = {
    suite: "example", date: "2026-12-05T20:20:00.000Z", rows: [row("hub", 90), row("nginx", 100)], notes: ["measured at commit 0123456789"],
    aims: [{ aim: "ahead of nginx", met: false, detail: "0.9×" }],
  };

  it("keeps the old run's date, commit and verdicts", () => {
    const { results, written, aside, errors } = finishOver(JSON.stringify(old), [row("hub", 110), row("nginx", 100)]);
    expect(written).toEqual(results);
    expect(results.previous).toEqual({ date: "2026-12-05T20:20:00.000Z", commit: "0123456", aims: [{ aim: "ahead of nginx", met: false }] });
    expect(results.notes).toEqual(["measured at commit 89abcde"]);
    expect(results.machine).toMatchObject({ referenceJavascriptMs: 121.4, referenceLoopbackMs: 51.2, cpuMitigations: "meltdown: PTI" });
    expect([aside, errors]).toEqual([null, []]);
  });

  it("carries on the runs the old result kept before its own, and drops one that is not a run", () => {
    const before = { date: "2026-12-04T10:00:00.000Z", commit: "fedcba9", aims: [{ aim: "ahead of nginx", met: true }] };
    const { results } = finishOver(JSON.stringify({ ...old, previous: before, earlier: [before, { aims: "none" }] }), [row("hub", 110), row("nginx", 100)]);
    expect(results.previous?.commit).toBe("0123456");
    expect(results.earlier).toEqual([before, before]);
  });

  it("does not replace a result that measured a peer this run did not: it goes to bench/out, the peer named, with how to adopt it", () => {
    const { results, written, aside, errors } = finishOver(JSON.stringify(old), [row("hub", 110)]);
    expect(written, "the fuller result stays").toEqual(old);
    expect(aside).toEqual(results);
    expect(aside!.notes[0]).toBe("measured at commit 89abcde");
    expect(aside!.notes[1]).toMatch(/^nginx was measured in the result this one replaced \(2026-12-05, at 0123456\)/);
    expect(errors[0]).toMatch(/^nginx was measured in the result this one replaced/);
    expect(errors[1]).toMatch(/^not saved over bench\/results\/example\.json: this run measured fewer systems .* mv bench\/out\/example\.json bench\/results\/example\.json$/);
  });

  it("writes the new run over a saved file that is not a result, and keeps no run before from it", () => {
    for (const text of ["{ cut short", "null", "[]"]) {
      const { results, written } = finishOver(text, [row("hub", 110)]);
      expect(written).toEqual(results);
      expect(results.previous).toBeUndefined();
    }
    // Rows, but no date, notes or aims: its lost peer is still named (so the run goes aside), its verdicts are none.
    const { written, aside } = finishOver(JSON.stringify({ suite: "example", rows: [row("nginx", 1)] }), [row("hub", 110)]);
    expect(written).toEqual({ suite: "example", rows: [row("nginx", 1)] });
    expect(aside!.previous).toEqual({ date: "an unknown date", commit: null, aims: [] });
    expect(aside!.notes[1]).toMatch(/^nginx was measured in the result this one replaced \(an unknown date, at an unknown commit\)/);
  });

  it("has no run before when there was no result to replace", () => {
    const { written } = finishOver(null, [row("hub", 110), row("nginx", 100)]);
    expect((written as Results).previous).toBeUndefined();
    expect((written as Results).notes).toEqual(["measured at commit 89abcde"]);
  });
});

describe("the ratios a run reports", () => {
  const row = (system: string, value: number): Row => ({ case: "c", system, unit: "instructions/request", better: "lower", ...spread([value]) });
  const suite = (subjectFor?: Suite["subjectFor"]): Suite => ({
    name: "s", title: "s", subject: "hub", systems: [], aims: () => [], ...(subjectFor ? { subjectFor } : {}),
    cases: [{ id: "c", name: "c", unit: "instructions/request", quantity: "instructions", better: "lower", n: 1 }],
  });
  const rows = [row("hub", 100), row("hub, every thread", 120), row("node", 200), row("node, every thread", 300)];

  it("sets the subject against every other row", () => {
    expect(ratios(suite(), rows).map((r) => [r.vs, r.ratio])).toEqual([["hub, every thread", 0.833], ["node", 0.5], ["node, every thread", 0.333]]);
  });

  it("sets a row against the row its suite names for it, like against like", () => {
    const likeForLike = suite((peer) => (peer.endsWith(", every thread") ? "hub, every thread" : "hub"));
    const out = ratios(likeForLike, rows);
    expect(out.map((r) => [r.vs, r.ratio])).toEqual([["node", 0.5], ["node, every thread", 0.4]]);
    expect(out[1]!.meaning).toBe("hub, every thread instructions / node, every thread instructions");
    expect(ratios(suite(() => null), rows)).toEqual([]);
  });
});
