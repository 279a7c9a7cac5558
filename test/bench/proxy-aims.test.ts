// The proxy suites' engine (bench/lib/proxy-bench.ts): its aims when a proxy leaves clients unaccepted (the aim that
// every client was accepted, and that a ratio over fewer clients than the peer's, or more, judges no aim), and the
// versions a result records.
import { describe, expect, it } from "vitest";
import { type AimContext, type BackendKind, caseOf, everyClientAccepted, type Figure, judge, toolVersions } from "../../bench/lib/proxy-bench";
import type { Row } from "../../bench/lib/suite";

const FIXED: BackendKind = { id: "fixed", suffix: "", ports: [9101], argv: ["true"] };

/** An aim context over `values[figure][conns][system]`, each the same in its five reps. */
function context(values: Partial<Record<Figure, Record<number, Record<string, number>>>>): AimContext {
  const rows: Row[] = [];
  for (const [figure, byCount] of Object.entries(values)) {
    for (const [n, bySystem] of Object.entries(byCount!)) {
      const c = caseOf(figure as Figure, Number(n), FIXED);
      for (const [system, v] of Object.entries(bySystem)) {
        rows.push({ case: c.name, system, value: v, min: v, max: v, unit: c.unit, better: c.better, samples: [v, v, v, v, v] });
      }
    }
  }
  const conns = [...new Set(Object.values(values).flatMap((byCount) => Object.keys(byCount!).map(Number)))];
  return {
    rows, conns, backends: [FIXED],
    get: (figure, n, b, system) => rows.find((r) => r.case === caseOf(figure, n, b).name && r.system === system),
  };
}

describe("a proxy that leaves clients unaccepted", () => {
  const ctx = context({
    rps: { 64: { hub: 20_000, haproxy: 22_000 }, 5000: { hub: 21_000, haproxy: 22_000 } },
    accepted: { 64: { hub: 64, haproxy: 64 }, 5000: { hub: 1455, haproxy: 5000 } },
  });

  it("misses the aim that every client is accepted, and says where", () => {
    const aim = everyClientAccepted(ctx, "hub");
    expect(aim.met).toBe(false);
    expect(aim.detail).toBe("64 conns: 64 of 64, 5000 conns: 1,455 of 5,000 (1,455–1,455)");
    expect(everyClientAccepted(context({ accepted: { 64: { hub: 64 } } }), "hub").met).toBe(true);
    expect(everyClientAccepted(context({ rps: { 64: { hub: 1 } } }), "hub")).toMatchObject({ met: false, detail: "64 conns: not measured" });
  });

  it("has its ratios marked as not like for like where it, or its peer, served fewer clients", () => {
    const aim = judge(ctx, "hub", "requests/s ≥ 0.9× HAProxy's", "rps", "haproxy", (r) => r >= 0.9);
    // 0.95× at 5,000 would meet it, but over 1,455 clients against 5,000: that judges nothing.
    expect(aim.met).toBe(false);
    expect(aim.detail).toBe("64 conns: 0.91×, 5000 conns: 0.95× (hub accepted 1,455 of 5,000 clients: not like for like, so not met)");
    const served = context({ rps: { 5000: { hub: 21_000, haproxy: 22_000 } }, accepted: { 5000: { hub: 5000, haproxy: 5000 } } });
    expect(judge(served, "hub", "requests/s ≥ 0.9× HAProxy's", "rps", "haproxy", (r) => r >= 0.9)).toEqual({ aim: "requests/s ≥ 0.9× HAProxy's", met: true, detail: "5000 conns: 0.95×" });
  });
});

describe("the versions a proxy suite's result records", () => {
  const WRK = "wrk 4.1.0 [epoll] Copyright (C) 2012 Will Glozer\nUsage: wrk <options> <url>\n";
  it("names wrk by its first line, and each version once: HAProxy's two configurations are one HAProxy", () => {
    const systems = [
      { name: "hub (splice)" }, // ours: no version of its own
      { name: "haproxy", version: () => "HAProxy 2.6.12" },
      { name: "haproxy nbthread 1", version: () => "HAProxy 2.6.12" },
      { name: "nginx", version: () => "nginx 1.22.1" },
      { name: "node net+pipe", version: () => undefined },
    ];
    expect(toolVersions(WRK, systems)).toEqual({ wrk: "wrk 4.1.0", haproxy: "HAProxy 2.6.12", nginx: "nginx 1.22.1" });
  });
  it("says wrk when wrk printed nothing", () => {
    expect(toolVersions("", [])).toEqual({ wrk: "wrk" });
  });
});
