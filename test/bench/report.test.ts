// The figures a results row keeps from its reps (bench/lib/report.ts): the median the reports compare, the min–max
// beside it, and every rep in the order it ran, which the site draws as dots over each bar; and what a new run
// leaves out of the result it replaces.
import { describe, expect, it } from "vitest";
import { lostPeers, median, spread } from "../../bench/lib/report";
import type { Row } from "../../bench/lib/suite";

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
      "nginx stream was measured in the result this one replaced (2026-12-06, measured at commit ae91ae7) and not in this one: its figures, ratios and aims are gone from the reports until a run measures it again",
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
