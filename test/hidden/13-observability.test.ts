// Instructor-only tests for lab 13-observability: edge cases the public tests leave out. Graded by the instructor's
// grader and the Gradescope autograder; never handed out with the student edition.
import { describe, expect, it } from "vitest";
// --- imports: metrics (tasks 1–3)
import { getHub } from "@target/02-hub/hub";
import type { Green } from "@target/02-hub/suspend";
import { spawn } from "@target/03-cancellation/greenthread";
import { mulberry32 } from "@target/05-green-sockets/random";
import type { Socket } from "@target/05-green-sockets/socket";
import { HttpClient } from "@target/07-http/client";
import type { HttpResponse } from "@target/07-http/handler";
import { serveHttp } from "@target/07-http/server";
import { startHealthyProxy } from "@target/10-health/proxy";
import { BalancerMetrics, METRICS } from "@target/13-observability/balancer-metrics";
import { CONTENT_TYPE, exposition } from "@target/13-observability/exposition";
import { withMetrics } from "@target/13-observability/metrics-endpoint";
import { DEFAULT_BUCKETS, Histogram, Registry } from "@target/13-observability/metrics";
import { readAll, request, SEED, server, simulate } from "../support/net";
import { checkExposition, parseExposition, sampleValue, valueOf } from "../support/prometheus";

// --- imports: logs (tasks 4–5)

// --- imports: tracing (task 6)

// --- end imports

// --- tests: metrics (tasks 1–3)
describe("task 1: counters and gauges with labels", () => {
  it("children print sorted by label values, whatever the order of first use; a collected metric starts each scrape empty (1 pts)", () => {
    const r = new Registry();
    const c = r.counter({ name: "hub_x_total", help: "x", labelNames: ["b"] });
    for (const b of ["zeta", "alpha", "mid", "alpha"]) c.labels({ b }).inc();
    expect(r.gather()[0]!.samples.map((s) => `${s.labels[0]![1]}=${s.value}`)).toEqual(["alpha=2", "mid=1", "zeta=1"]);
    let backends = ["b1", "b2"];
    r.collect("gauge", { name: "hub_up", help: "up", labelNames: ["backend"] }, (set) => {
      for (const b of backends) set({ backend: b }, 1);
    });
    expect(r.get("hub_up")!.collect().samples).toHaveLength(2);
    backends = ["b2"]; // b1 was removed: the next scrape must not show it
    expect(r.get("hub_up")!.collect().samples.map((s) => s.labels)).toEqual([[["backend", "b2"]]]);
    expect(() => r.collect("gauge", { name: "hub_bad", help: "", labelNames: ["backend"] }, (set) => set({}, 1)).collect()).toThrow(/takes labels/);
  });
});

describe("task 2: histograms with fixed buckets", () => {
  it("default buckets are client_golang's, +Inf added; -Infinity lands in the first bucket and +Infinity in +Inf (1 pts)", () => {
    const h = new Histogram({ name: "hub_d_seconds", help: "" });
    expect(h.bounds).toEqual([...DEFAULT_BUCKETS, Infinity]);
    h.observe(-Infinity);
    h.observe(Infinity);
    h.observe(0.005);
    const buckets = h.collect().samples.filter((s) => s.name.endsWith("_bucket"));
    expect(buckets[0]).toEqual({ name: "hub_d_seconds_bucket", labels: [["le", "0.005"]], value: 2 });
    expect(buckets.at(-2)!.value).toBe(2);
    expect(buckets.at(-1)).toEqual({ name: "hub_d_seconds_bucket", labels: [["le", "+Inf"]], value: 3 });
  });
});

describe("task 3: the text exposition format", () => {
  it("the /metrics handler: a token guards the scrape, only GET is allowed, other paths go to the admin API (1 pts)", () => {
    const { result } = simulate({ seed: SEED, latency: 1 }, function* (net) {
      const r = new Registry();
      r.counter({ name: "hub_scrapes_total", help: 'Say "hi".' }).inc(2);
      const l = yield* net.host("lb").listen({ host: "lb", port: 9000 });
      const inner = function* (): Green<HttpResponse> {
        return { status: 200, body: "admin" };
      };
      spawn(serveHttp, l, withMetrics({ registry: r, token: "s3cret" }, inner));
      const http = new HttpClient({ network: net.host("ops"), timeout: 1000 });
      const noToken = yield* http.get("http://lb:9000/metrics");
      const ok = yield* http.get("http://lb:9000/metrics?x=1", { Authorization: "Bearer s3cret" });
      const post = yield* http.request({ method: "POST", url: "http://lb:9000/metrics", headers: { Authorization: "Bearer s3cret" }, body: "" });
      const other = yield* http.get("http://lb:9000/backends");
      l.close();
      return { noToken: noToken.status, ok: ok.status, type: ok.headers.get("content-type"), body: ok.body.toString(), post: post.status, other: other.body.toString() };
    });
    expect(result.noToken).toBe(401);
    expect(result.ok).toBe(200);
    expect(result.type).toBe(CONTENT_TYPE);
    expect(result.body).toBe('# HELP hub_scrapes_total Say "hi".\n# TYPE hub_scrapes_total counter\nhub_scrapes_total 2\n');
    expect(result.post).toBe(405);
    expect(result.other).toBe("admin");
  });

  it("the balancer's metrics on a simulated TCP proxy with a dead backend: retries, ejections and records counted, the format kept (1 pts)", () => {
    const { result } = simulate({ seed: SEED, latency: 1 }, function* (net) {
      const bs = ["b1", "b2", "b3"].map((name) => ({ name, address: { host: name, port: 8080 } }));
      for (const b of [bs[0]!, bs[2]!]) {
        yield* server(net.host(b.name), b.address, function* (s: Socket): Green<void> {
          yield* readAll(s);
          yield* s.sendall(b.name);
        });
      }
      const hp = yield* startHealthyProxy({ network: net.host("lb"), listen: { host: "lb", port: 80 }, backends: bs, random: mulberry32(SEED), retry: { maxRetries: 2 } });
      const metrics = new BalancerMetrics();
      metrics.watchTcp("tcp", hp);
      const record = metrics.recorder("tcp");
      for (let i = 0; i < 30; i++) {
        const at = getHub().now();
        const got = yield* request(net.host("c"), { host: "lb", port: 80 }, "hi");
        record({ mode: "tcp", backend: got || null, status: null, accepted: at, picked: at, connected: at + 2, firstByte: null, done: getHub().now(), termination: "--", bytesIn: 2, bytesOut: got.length });
      }
      const text = exposition(metrics.registry);
      yield* hp.stop();
      return text;
    });
    expect(checkExposition(result)).toEqual([]);
    const f = parseExposition(result);
    expect(valueOf(f, METRICS.retries, { proxy: "tcp" }), "one retry per failed connect to b2 until it is ejected").toBe(5);
    expect(valueOf(f, METRICS.ejections, { proxy: "tcp", backend: "b2", reason: "consecutive-5xx" })).toBe(1);
    expect(valueOf(f, METRICS.backendEjected, { proxy: "tcp", backend: "b2" })).toBe(1);
    expect((valueOf(f, METRICS.tcpConnections, { proxy: "tcp", backend: "b1" }) ?? 0) + (valueOf(f, METRICS.tcpConnections, { proxy: "tcp", backend: "b3" }) ?? 0)).toBe(30);
    expect(sampleValue(result, `${METRICS.connectTime}_count`, { proxy: "tcp", backend: "b1" })).toBe(valueOf(f, METRICS.tcpConnections, { proxy: "tcp", backend: "b1" }));
    expect(valueOf(f, METRICS.bytesIn, { proxy: "tcp" })).toBe(60);
  });
});


// --- tests: logs (tasks 4–5)

// --- tests: tracing (task 6)

// --- end tests
