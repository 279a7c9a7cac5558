// The conformance suite of chapter 10's health checkers: both state machines behind the HealthChecker contract
// (HAProxy's and Envoy's) run the same checks — the contract's rules, then the monitor and the two probes on the
// simulated network — and what differs by source is stated per checker. Then checks of the chapter's given parts
// against their sources (the retry policy, the breaker, Finagle's budget, failure percentage). Not graded: it runs on
// the code @target points at.
//
// Replay a failure with its seed: SEED=1234 npx vitest run test/conformance/health-checkers.test.ts
import { describe, expect, it } from "vitest";
import { sleep } from "@target/02-hub/green";
import type { Green } from "@target/02-hub/suspend";
import { spawn } from "@target/03-cancellation/greenthread";
import { SocketClosedError } from "@target/05-green-sockets/errors";
import { mulberry32 } from "@target/05-green-sockets/random";
import type { Socket } from "@target/05-green-sockets/socket";
import type { Backend } from "@target/08-tcp-proxy/balancer";
import type { CheckerConfig, CheckResult } from "@target/10-health/checker";
import { CHECKER_KINDS, makeChecker } from "@target/10-health/checkers";
import { HealthMonitor } from "@target/10-health/monitor";
import { httpProbe, tcpProbe } from "@target/10-health/probe";
import { CircuitBreaker } from "@target/10-health/breaker";
import { FinagleBudget } from "@target/10-health/budget";
import { OutlierDetector } from "@target/10-health/outlier";
import { mayRetry } from "@target/10-health/retry";
import { failurePercentageOutliers } from "@target/10-health/success-rate";
import { readAll, replayWith, SEED, server, simulate } from "../support/net";

const replay = `seed ${SEED}; ${replayWith("test/conformance/health-checkers.test.ts")(SEED)}`;
const RESULTS: CheckResult[] = ["pass", "timeout", "network", "status"];
const FAILURES: CheckResult[] = ["timeout", "network", "status"];

/** Each checker with the same timing (1 s between checks, 200 ms timeout), thresholds 2 and 3. */
const configs: Record<(typeof CHECKER_KINDS)[number], CheckerConfig> = {
  haproxy: { kind: "haproxy", inter: 1000, timeout: 200, rise: 2, fall: 3, spread: 10 },
  envoy: { kind: "envoy", interval: 1000, timeout: 200, healthyThreshold: 2, unhealthyThreshold: 3, jitterPercent: 10 },
};

/** What each source says a new backend is, as its source defines it. */
const startsHealthy = { haproxy: true, envoy: false };

describe.each(CHECKER_KINDS)("conformance: %s", (kind) => {
  const make = (seed = SEED) => makeChecker(configs[kind], { random: mulberry32(seed) });

  it("names its kind, and has a positive timeout and next delay", () => {
    const c = make();
    expect(c.kind).toBe(kind);
    expect(c.timeout).toBe(200);
    for (let i = 0; i < 20; i++) expect(c.nextDelay(), replay).toBeGreaterThan(0);
  });

  it(`starts ${startsHealthy[kind] ? "healthy" : "unhealthy"}, as its source defines it`, () => {
    expect(make().healthy).toBe(startsHealthy[kind]);
  });

  it("every kind of failure, repeated, makes it unhealthy, and it stays so", () => {
    for (const f of FAILURES) {
      const c = make();
      c.record("pass");
      c.record("pass");
      for (let i = 0; i < 3; i++) c.record(f);
      expect(c.healthy, f).toBe(false);
      for (let i = 0; i < 10; i++) c.record(f);
      expect(c.healthy, f).toBe(false);
    }
  });

  it("passes, repeated, make it healthy again, and it stays so", () => {
    const c = make();
    for (let i = 0; i < 5; i++) c.record("network");
    for (let i = 0; i < 2; i++) c.record("pass");
    expect(c.healthy).toBe(true);
    for (let i = 0; i < 10; i++) c.record("pass");
    expect(c.healthy).toBe(true);
  });

  it("one failure among passes does not take a healthy backend out (but a bad status may: Envoy)", () => {
    const c = make();
    for (let i = 0; i < 3; i++) c.record("pass");
    c.record("timeout");
    expect(c.healthy).toBe(true);
  });

  it("never throws, whatever the sequence; the same seed gives the same delays", () => {
    const random = mulberry32(SEED);
    const a = make(SEED + 1);
    const b = make(SEED + 1);
    for (let i = 0; i < 500; i++) {
      const r = RESULTS[Math.floor(random() * RESULTS.length)];
      a.record(r);
      b.record(r);
      expect(a.nextDelay(), replay).toBe(b.nextDelay());
      expect(a.healthy).toBe(b.healthy);
    }
  });

  it("jitter stays within 10% of the interval", () => {
    const c = make();
    c.record("pass");
    c.record("pass");
    for (let i = 0; i < 200; i++) {
      const d = c.nextDelay();
      expect(d >= 900 && d <= 1100, `${d}; ${replay}`).toBe(true);
    }
  });

  const b1: Backend = { name: "b1", address: { host: "b1", port: 80 } };

  it("in a monitor on the simulated network: a backend that goes away is taken out, and put back when it returns", () => {
    const { result } = simulate({ seed: SEED, latency: 1 }, function* (net) {
      const l = yield* net.host("b1").listen(b1.address);
      spawn(function* accepting() {
        try {
          for (;;) (yield* l.accept()).close();
        } catch (e) {
          if (!(e instanceof SocketClosedError)) throw e; // l closed: b1 has gone away
        }
      });
      const m = new HealthMonitor(net.host("lb"), [b1], configs[kind], { random: mulberry32(SEED) });
      m.start();
      yield* sleep(5000);
      const up = m.healthy(b1);
      l.close();
      yield* sleep(5000);
      const down = m.healthy(b1);
      yield* server(net.host("b1"), b1.address, function* (s: Socket): Green<void> {
        s.close();
      });
      yield* sleep(5000);
      const back = m.healthy(b1);
      yield* m.stop();
      return [up, down, back];
    });
    expect(result).toEqual([true, false, true]);
  });

  it("the HTTP probe: 2xx passes, 503 is 'status', silence is 'timeout' within the checker's timeout", () => {
    const { result } = simulate({ seed: SEED, latency: 1 }, function* (net) {
      const answer = (line: string) =>
        function* (s: Socket): Green<void> {
          yield* s.recvLine();
          yield* s.sendall(`${line}\r\ncontent-length: 0\r\n\r\n`);
          yield* readAll(s);
        };
      const silent = function* (s: Socket): Green<void> {
        yield* sleep(10_000);
        s.close();
      };
      const hosts: [string, (s: Socket) => Green<void>][] = [["ok", answer("HTTP/1.1 204 No Content")], ["bad", answer("HTTP/1.1 503 Service Unavailable")], ["mute", silent]];
      const out: string[] = [];
      for (const [name, handler] of hosts) {
        const b: Backend = { name, address: { host: name, port: 80 } };
        yield* server(net.host(name), b.address, handler);
        out.push(`${name}: ${yield* httpProbe("/health")(net.host("lb"), b, make().timeout)}`);
      }
      out.push(`closed: ${yield* tcpProbe(net.host("lb"), { name: "none", address: { host: "none", port: 80 } }, 200)}`);
      return out;
    });
    expect(result).toEqual(["ok: pass", "bad: status", "mute: timeout", "closed: network"]);
  });
});

// The given parts of chapter 10 that the lab's tests do not reach, held to their sources' published behaviour.
describe("reference behaviour: the retry policy, the breaker, Finagle's budget, failure percentage", () => {
  it("retries connect failures always; resets and 502/503/504 only for idempotent methods unless told otherwise", () => {
    const p = {};
    expect(mayRetry(p, { kind: "connect-failure" }, "POST")).toBe(true);
    expect(mayRetry(p, { kind: "reset" }, "GET")).toBe(true);
    expect(mayRetry(p, { kind: "reset" }, "POST")).toBe(false);
    expect([502, 503, 504, 500, 429].map((status) => mayRetry(p, { kind: "status", status }, "PUT"))).toEqual([true, true, true, false, false]);
    expect(mayRetry({ retryNonIdempotent: true }, { kind: "status", status: 503 }, "POST")).toBe(true);
    expect(mayRetry({ retryOn: ["reset"] }, { kind: "connect-failure" })).toBe(false);
    expect(mayRetry(p, { kind: "reset" }), "TCP: no method, nothing to protect").toBe(true);
  });

  it("the breaker refuses past each limit at once, says why, and counts it", () => {
    const b = new CircuitBreaker({ maxConnections: 2, maxRetries: 1 });
    expect([b.acquire("connections"), b.acquire("connections")]).toEqual([null, null]);
    const e = b.acquire("connections");
    expect(e?.message).toBe("circuit breaker open: max connections (2) reached");
    expect(b.overflows.connections).toBe(1);
    b.release("connections");
    expect(b.acquire("connections")).toBeNull();
    expect(b.acquire("retries")).toBeNull();
    expect(b.acquire("retries")?.resource).toBe("retries");
    expect(b.limits.requests, "Envoy's default").toBe(1024);
  });

  it("Finagle's budget: 20% of the requests of the last 10 s, plus 10 retries a second of reserve", () => {
    let now = 0;
    const f = new FinagleBudget({}, () => now);
    expect(f.balance, "the reserve: 10/s × 10 s").toBe(100);
    let ok = 0;
    while (f.tryRetry()) ok++;
    expect(ok).toBe(100);
    for (let i = 0; i < 50; i++) f.requestStarted();
    expect(f.balance, "50 requests: 10 retries").toBe(10);
    now = 11_000;
    expect(f.balance, "everything older than 10 s is forgotten: the reserve again").toBe(100);
  });

  it("failure percentage: at or above 85% among hosts with 50 requests, five such hosts at least", () => {
    const t = (failed: number, total = 50) => ({ total, failed });
    expect(failurePercentageOutliers([t(0), t(0), t(0), t(0), t(43)])).toEqual([4]);
    expect(failurePercentageOutliers([t(0), t(0), t(0), t(0), t(42)]), "84%").toEqual([]);
    expect(failurePercentageOutliers([t(0), t(0), t(0), t(0), t(49, 49)]), "49 requests: not counted").toEqual([]);
  });

  it("Envoy's default enforcement: consecutive gateway failures and failure percentage are counted, not enforced", () => {
    const bs: Backend[] = ["a", "b", "c", "d", "e"].map((name) => ({ name, address: { host: name, port: 80 } }));
    const d = new OutlierDetector(bs, { consecutive5xx: 1000, maxEjectionPercent: 100 }, { now: () => 0, random: () => 0.5 });
    for (let i = 0; i < 60; i++) for (const b of bs) d.record(b, b.name === "e" ? 503 : 200);
    d.tick(); // success rate: e at 0% among 100% — but 60 requests < request volume 100; failure percentage not enforced
    expect(d.isEjected(bs[4])).toBe(false);
    for (let i = 0; i < 100; i++) for (const b of bs) d.record(b, b.name === "e" ? 503 : 200);
    d.tick();
    expect(d.events.map((e) => `${e.backend.name} ${e.reason}`)).toEqual(["e success-rate"]);
  });
});
