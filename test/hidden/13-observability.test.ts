// Instructor-only tests for lab 13-observability: edge cases the public tests leave out. Graded by the instructor's
// grader and the Gradescope autograder; never handed out with the student edition.
import { describe, expect, it } from "vitest";
import { mulberry32 } from "@target/05-green-sockets/random";
import { HttpClient } from "@target/07-http/client";
import type { HttpResponse } from "@target/07-http/handler";
import { serveHttp } from "@target/07-http/server";
import { startHealthyProxy } from "@target/10-health/proxy";
import { BalancerMetrics, METRICS } from "@target/13-observability/balancer-metrics";
import { CONTENT_TYPE, exposition } from "@target/13-observability/exposition";
import { withMetrics } from "@target/13-observability/metrics-endpoint";
import { DEFAULT_BUCKETS, Histogram, Registry } from "@target/13-observability/metrics";
import { SEED } from "../support/net";
import { checkExposition, parseExposition, sampleValue, valueOf } from "../support/prometheus";
// Access logs (tasks 4–5): names prefixed or namespaced so the other parts' imports stay free.
import * as logGreen from "@target/03-cancellation/greenthread";
import * as accessLog from "@target/13-observability/access-log";
import * as logWriter from "@target/13-observability/log-writer";
import * as logSupport from "../support/access-log";
import * as logNet from "../support/net";
// Shared by the metrics and tracing tests.
import { getHub } from "@target/02-hub/hub";
import type { Green } from "@target/02-hub/suspend";
import { spawn } from "@target/03-cancellation/greenthread";
import type { Socket } from "@target/05-green-sockets/socket";
import { readAll, request, server, simulate } from "../support/net";
import { formatEvent } from "@target/13-observability/trace";
import { TraceRing } from "@target/13-observability/trace-ring";
import { checkChromeTrace, tracedFromInside, tracedLife, tracedSimRun } from "../support/trace";

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
        record({ mode: "tcp", backend: got || null, status: null, accepted: at, received: null, picked: at, connected: at + 2, done: getHub().now(), bytesIn: 2, bytesOut: got.length });
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

describe("task 4: access log lines", () => {
  it("dontLogNormal leaves out normal records only: a retry, a 5xx or an abnormal end is still logged; an unknown format is refused (1 pts)", () => {
    const { EPOCH, httpRecord, tcpRecord } = logSupport;
    const sink = logSupport.memorySink();
    const log = accessLog.accessLogger(sink, { format: "json", epoch: EPOCH, dontLogNormal: true });
    const records = [
      httpRecord(),
      httpRecord({ retries: 1 }),
      httpRecord({ status: 503, termination: "SC" }),
      httpRecord({ status: 502 }),
      httpRecord({ status: 404 }),
      tcpRecord(),
      tcpRecord({ termination: "CD" }),
    ];
    for (const r of records) log(r);
    const kept = sink.lines.map((l) => JSON.parse(l) as { retries: number; status: number | null; termination: string });
    expect(kept.map((r) => `${r.retries} ${r.status} ${r.termination}`), "retries, status, termination of the lines kept").toEqual([
      "1 200 --",
      "0 503 SC",
      "0 502 --",
      "0 null CD",
    ]);
    expect(() => accessLog.accessLogger(sink, { format: "xml" as accessLog.LogFormat, epoch: EPOCH })).toThrow('unknown log format "xml"');
  });

  it("the proxy's own refusals: a head too slow is 408 with cR, a malformed one 400 with PR, both <BADREQ> and <NOSRV>; a connection without a request leaves no line (1 pts)", () => {
    const sink = logSupport.memorySink();
    logNet.simulate({ seed: logNet.SEED, latency: 1 }, function* (net) {
      const ok = { name: "ok", address: { host: "ok", port: 80 } };
      yield* logSupport.slowBackend(net, ok, 5);
      const proxy = yield* logSupport.loggedHttpProxy(net, [ok], sink, { limits: { headerTimeout: 1_000 } });
      yield* logSupport.ask(net, "GET / HTTP/1.1\r\nHost: l"); // and nothing more
      yield* logSupport.ask(net, "NOT HTTP AT ALL\r\n\r\n");
      const idle = yield* net.host("client").connect(logSupport.LB);
      yield* logGreen.sleep(10);
      idle.close();
      yield* logGreen.sleep(100);
      yield* proxy.shutdown(0);
    });
    expect(sink.lines.length, `two lines:\n${sink.lines.join("\n")}`).toBe(2);
    const [slow, bad] = sink.lines.map((l) => logSupport.fieldsOf(l, logSupport.HTTP_LINE));
    expect([slow.status, slow.termination, slow.server, slow.request, slow.timers], sink.lines[0]).toEqual(["408", "cR", "<NOSRV>", "<BADREQ>", "-1/-1/-1/-1/" + slow.timers.split("/")[4]]);
    expect(Number(slow.timers.split("/")[4]), "Tt covers the header timeout").toBeGreaterThanOrEqual(1_000);
    expect([bad.status, bad.termination, bad.server, bad.request], sink.lines[1]).toEqual(["400", "PR", "<NOSRV>", "<BADREQ>"]);
    expect(Number(bad.bytes), "the refusal's bytes are counted").toBeGreaterThan(0);
  });
});

describe("task 5: a log that never blocks the hub", () => {
  it("a LogWriter counts the lines of a failed write as lost, keeps the error in lastError, and goes on with the next batch in order (1 pts)", async () => {
    const got: string[] = [];
    let calls = 0;
    const flaky: logWriter.LogSink = {
      write(data, done) {
        calls++;
        if (calls === 1) return setImmediate(() => done(new Error("disk full")));
        got.push(data);
        setImmediate(() => done(null));
      },
      reopen: (done) => done(null),
      close: (done) => done(null),
    };
    const w = new logWriter.LogWriter({ sink: flaky, maxBytes: 100 });
    expect(w.write("a")).toBe(true); // goes alone, and fails
    expect([w.write("b"), w.write("c")]).toEqual([true, true]);
    await w.flush();
    expect([w.lost, w.written, w.dropped]).toEqual([1, 2, 0]);
    expect(w.lastError?.message).toBe("disk full");
    expect(got).toEqual(["b\nc\n"]);
    w.write("d");
    await w.close();
    expect(got).toEqual(["b\nc\n", "d\n"]);
    expect(w.write("e")).toBe(false);
    expect(w.dropped).toBe(1);
  });
});

describe("task 6: tracing the hub", () => {
  it("a ring of capacity 1 keeps only the newest record; a small ring pushed 100,000 times counts every overwrite (1 pts)", () => {
    const one = new TraceRing(1);
    one.push(1, 0, 7, -1, 1, 2);
    one.push(3, 1, 8, 7, 5, 6);
    expect(one.slots().map((i) => [one.kind[i], one.tid[i], one.other[i], one.ts[i]])).toEqual([[3, 8, 7, 5]]);
    expect([one.length, one.dropped]).toEqual([1, 1]);
    const ring = new TraceRing(3);
    const arrays = [ring.kind, ring.code, ring.tid, ring.other, ring.ts, ring.ts2];
    for (let n = 0; n < 100_000; n++) ring.push(2, n % 6, n, -1, n, n + 1);
    expect(ring.slots().map((i) => ring.tid[i])).toEqual([99_997, 99_998, 99_999]);
    expect([ring.length, ring.written, ring.dropped]).toEqual([3, 100_000, 99_997]);
    // The same six arrays: a full ring overwrites, it never grows.
    expect([ring.kind, ring.code, ring.tid, ring.other, ring.ts, ring.ts2]).toEqual(arrays);
    expect(arrays.every((a, i) => a === [ring.kind, ring.code, ring.tid, ring.other, ring.ts, ring.ts2][i])).toBe(true);
  });

  it("killed before it ran: no slice; a Timeout comes from the thread's own timer; a packet wakes its receiver with an arrow from the sender (1 pts)", () => {
    const tracer = tracedSimRun();
    const events = tracer.events();
    const lines = events.map(formatEvent);
    expect(lines.filter((l) => l.includes("early"))).toEqual(["spawn early-1 by thread main", "die early-1 killed (GreenletExit)"]);
    expect(lines.filter((l) => /slow-2/.test(l) && !l.startsWith("run"))).toEqual([
      "spawn slow-2 by thread main",
      "error into slow-2 by timer slow-2",
      "die slow-2 returned",
      "wake main by thread slow-2",
    ]);
    // The server's connection thread parks in recv; the client's bytes arrive as a timer the client's sendall set
    // (each packet of the simulated network is a hub timer): an arrow from the client's slice.
    const echoWakes = events.flatMap((e) => (e.kind === "wake" && e.thread.startsWith("conn") && e.how === "timer" ? [e] : []));
    expect(echoWakes.length).toBeGreaterThan(0);
    expect(echoWakes.some((e) => e.byThread === "main")).toBe(true);
    const trace = tracer.toChromeTrace();
    expect(checkChromeTrace(trace)).toEqual([]);
    expect(trace.traceEvents.some((e) => e.ph === "s" && e.name === "wake" && e.tid === echoWakes[0].by)).toBe(true);
  });

  it("started inside a running thread, it traces that thread from there; a ring too small for the run still exports a valid trace (1 pts)", () => {
    const tracer = tracedFromInside();
    expect(tracer.events().map(formatEvent)).toEqual(["run main → park", "wake main by timer main", "run main → return", "die main returned"]);
    const small = tracedLife({ capacity: 7 });
    expect(small.tracer.dropped).toBe(tracedLife().tracer.events().length - 7);
    expect(small.tracer.events()).toHaveLength(7);
    expect(checkChromeTrace(small.tracer.toChromeTrace())).toEqual([]);
  });
});

