// Instructor-only tests for lab 10-health: edge cases the public tests leave out. Graded by the instructor's
// grader and the Gradescope autograder; never handed out with the student edition.
import { describe, expect, it } from "vitest";
import { mulberry32 } from "@target/05-green-sockets/random";
import type { Backend } from "@target/08-tcp-proxy/balancer";
import { fullJitter } from "@target/10-health/backoff";
import { EnvoyBudget } from "@target/10-health/budget";
import type { CheckResult } from "@target/10-health/checker";
import { EnvoyChecker } from "@target/10-health/envoy";
import { HaproxyChecker } from "@target/10-health/haproxy";
import { OutlierDetector } from "@target/10-health/outlier";
import { successRateOutliers } from "@target/10-health/success-rate";

const SEED = 20261204;
const backends = (n: number): Backend[] => Array.from({ length: n }, (_, i) => ({ name: `b${i + 1}`, address: { host: `b${i + 1}`, port: 80 } }));
const feed = (c: { record(r: CheckResult): void; healthy: boolean }, ...rs: CheckResult[]): boolean[] =>
  rs.map((r) => {
    c.record(r);
    return c.healthy;
  });

describe("task 1: HAProxy's rise/fall machine", () => {
  it("rise 3, fall 1: one failure takes it down, three passes bring it up (1 pts)", () => {
    const c = new HaproxyChecker({ rise: 3, fall: 1 });
    expect(feed(c, "pass", "timeout", "pass", "pass", "pass", "status")).toEqual([true, false, false, false, true, false]);
    expect(c.health).toBe(0);
  });
  it("spread-checks moves each delay by at most ±spread percent (1 pts)", () => {
    const c = new HaproxyChecker({ inter: 1000, spread: 20 }, { random: mulberry32(SEED) });
    c.record("pass");
    const ds = Array.from({ length: 300 }, () => c.nextDelay());
    expect(Math.min(...ds)).toBeGreaterThanOrEqual(800);
    expect(Math.max(...ds)).toBeLessThanOrEqual(1200);
    expect(Math.min(...ds)).toBeLessThan(850);
    expect(Math.max(...ds)).toBeGreaterThan(1150);
  });
});

describe("task 2: Envoy's threshold machine", () => {
  it("failures of an unhealthy host change nothing; with the default threshold of 1 one pass is enough (1 pts)", () => {
    const c = new EnvoyChecker();
    expect(feed(c, "status", "timeout", "network", "pass")).toEqual([false, false, false, true]);
  });
  it("a bad status between passes of an unhealthy host starts the count again (1 pts)", () => {
    const c = new EnvoyChecker({ healthyThreshold: 2 });
    c.record("network");
    expect(feed(c, "pass", "status", "pass", "pass")).toEqual([false, false, false, true]);
  });
});

describe("task 3: runs of failures and the success rate", () => {
  it("feedback about a host removed is ignored; a success-rate outlier is ejected at the tick (1 pts)", () => {
    const hosts = backends(6);
    const d = new OutlierDetector(hosts, { maxEjectionPercent: 50 }, { now: () => 0, random: () => 0.5 });
    d.remove(hosts[5]);
    d.record(hosts[5], 500);
    for (const h of hosts.slice(0, 5)) for (let i = 0; i < 100; i++) d.record(h, h === hosts[4] && i % 3 === 0 ? 500 : 200);
    expect(d.isEjected(hosts[4]), "no five in a row").toBe(false);
    d.tick();
    expect(d.isEjected(hosts[4])).toBe(true);
    expect(d.events.map((e) => e.reason)).toEqual(["success-rate"]);
  });
  it("all hosts equal: no outlier, even when all fail alike (1 pts)", () => {
    const t = { total: 200, failed: 150 };
    expect(successRateOutliers([t, t, t, t, t, t])).toEqual([]);
  });
});

describe("task 4: the ejection time", () => {
  it("ejected again at once after returning: twice the base time (1 pts)", () => {
    let now = 0;
    const hosts = backends(2);
    const d = new OutlierDetector(hosts, { baseEjectionTime: 30_000 }, { now: () => now, random: () => 0.5 });
    for (let i = 0; i < 5; i++) d.record(hosts[0], 503);
    now = 30_000;
    d.tick();
    expect(d.isEjected(hosts[0])).toBe(false);
    for (let i = 0; i < 5; i++) d.record(hosts[0], 503);
    expect(d.ejectedFor(hosts[0])).toBe(60_000);
  });
});

describe("task 5: Envoy's retry budget", () => {
  it("ending more retries than started never makes room below zero (1 pts)", () => {
    const b = new EnvoyBudget({ minRetryConcurrency: 1 });
    b.retryEnded();
    b.requestEnded();
    expect(b.tryRetry()).toBe(true);
    expect(b.tryRetry()).toBe(false);
  });
});

describe("task 5: Envoy's retry budget, continued", () => {
  it("20% of 1,000 active requests: 200 retries at once (1 pts)", () => {
    const b = new EnvoyBudget();
    for (let i = 0; i < 1000; i++) b.requestStarted();
    let ok = 0;
    for (let i = 0; i < 300; i++) if (b.tryRetry()) ok++;
    expect(ok).toBe(200);
  });
});

describe("task 6: backoff with full jitter", () => {
  it("the first retry waits less than the base (1 pts)", () => {
    const random = mulberry32(SEED);
    for (let i = 0; i < 200; i++) {
      const w = fullJitter(0, 100, 10_000, random);
      expect(Number.isInteger(w) && w >= 0 && w < 100).toBe(true);
    }
  });
});
