// Grading tests for lab 13-observability: the metrics registry, histograms and the Prometheus text format (checked by
// a well-kept parser and by the format's grammar, and scraped from a balancer on loopback); access log lines and a
// writer that never blocks the hub; the hub's tracer and its Chrome trace. Time is the hub's virtual clock except on
// loopback and in the log file's tests.
//
// A randomized test prints its seed when it fails. Replay it with, for example:
//   SEED=1234 HUB_TARGET=labs npx vitest run test/13-observability.test.ts   (on the reference: without HUB_TARGET)
import { describe, expect, it } from "vitest";
import type { Green } from "@target/02-hub/suspend";
import { spawn } from "@target/03-cancellation/greenthread";
import { realNetwork } from "@target/05-green-sockets/node-network";
import { mulberry32 } from "@target/05-green-sockets/random";
import { HttpClient } from "@target/07-http/client";
import type { HttpRequest } from "@target/07-http/handler";
import { serveHttp } from "@target/07-http/server";
import { followMembership } from "@target/12-elastic/http";
import { Membership } from "@target/12-elastic/membership";
import { BalancerMetrics, METRICS, startMeteredHttpProxy } from "@target/13-observability/balancer-metrics";
import { CONTENT_TYPE, escapeHelp, escapeLabelValue, exposition, formatFamilies, formatValue } from "@target/13-observability/exposition";
import { startAdminWithMetrics } from "@target/13-observability/metrics-endpoint";
import { checkBuckets, Histogram, HistogramChild, Registry, type MetricFamily } from "@target/13-observability/metrics";
import { LAB11_PROXY, lab11ProxyForwards } from "./support/http-proxy";
import { real, replayWith, SEED } from "./support/net";
import { requireLab } from "./support/prerequisites";
import { LAB08_PROXY, lab08ProxyForwards } from "./support/tcp-proxy";
import { checkExposition, parseExposition, sampleValue, valueOf } from "./support/prometheus";
// Access logs (tasks 4–5): names prefixed or namespaced so the other parts' imports stay free.
import * as logFs from "node:fs";
import * as logOs from "node:os";
import * as logPath from "node:path";
import type { Green as LogGreen } from "@target/02-hub/suspend";
import * as logGreen from "@target/03-cancellation/greenthread";
import * as logHttp07 from "@target/07-http/client";
import * as logServer07 from "@target/07-http/server";
import * as logFast08 from "@target/08-tcp-proxy/fast-net";
import * as logProxy11 from "@target/11-http-proxy/proxy";
import * as accessLog from "@target/13-observability/access-log";
import * as logWriter from "@target/13-observability/log-writer";
import * as logSupport from "./support/access-log";
import * as logNet from "./support/net";
import type { ChromeEvent, ChromeTrace } from "@target/13-observability/chrome-trace";
import { formatEvent, startTracing, type Tracer } from "@target/13-observability/trace";
import { TraceRing } from "@target/13-observability/trace-ring";
import { checkChromeTrace, leftBehind, tracedLife, virtualHub } from "./support/trace";

const replayMetrics = `seed ${SEED}; ${replayWith("test/13-observability.test.ts")(SEED)}`;

/** The samples of one family as `name{a="x"} value` strings, for assertions that show what differs. */
const lines = (f: MetricFamily | undefined): string[] =>
  (f?.samples ?? []).map((s) => `${s.name}{${s.labels.map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(",")}} ${s.value}`);
const family = (r: Registry, name: string): MetricFamily | undefined => r.gather().find((f) => f.name === name);

describe("task 1: counters and gauges with labels", () => {
  it("keeps one child per label set, made on first use, and inc adds to it (1 pts)", () => {
    const r = new Registry();
    const responses = r.counter({ name: "hub_responses_total", help: "Responses.", labelNames: ["backend", "code"] });
    responses.labels({ backend: "b1", code: "2xx" }).inc();
    responses.labels({ code: "2xx", backend: "b1" }).inc(2); // the same set, named in another order
    responses.labels({ backend: "b2", code: "5xx" }).inc();
    const child = responses.labels({ backend: "b1", code: "2xx" });
    expect(child).toBe(responses.labels({ backend: "b1", code: "2xx" }));
    expect(child.value).toBe(3);
    expect(lines(family(r, "hub_responses_total"))).toEqual(['hub_responses_total{backend="b1",code="2xx"} 3', 'hub_responses_total{backend="b2",code="5xx"} 1']);
  });

  it("a counter only goes up: a negative, NaN or infinite inc throws and changes nothing (1 pts)", () => {
    const c = new Registry().counter({ name: "hub_things_total", help: "Things." });
    c.inc();
    c.inc(0.5);
    for (const bad of [-1, NaN, Infinity]) expect(() => c.inc(bad), `inc(${bad})`).toThrow(/a counter only goes up/);
    expect(c.labels().value).toBe(1.5);
  });

  it("checks every label set: the registered names exactly, each with a string (1 pts)", () => {
    const c = new Registry().counter({ name: "hub_responses_total", help: "Responses.", labelNames: ["backend", "code"] });
    expect(() => c.labels({ backend: "b1" })).toThrow(/takes labels \(backend, code\), got \(backend\)/);
    expect(() => c.labels({ backend: "b1", code: "2xx", extra: "x" })).toThrow(/takes labels/);
    expect(() => c.labels({ backend: "b1", code: 200 as unknown as string })).toThrow(/label "code" must be a string/);
    // The names first, then the values in labelNames' order: the first value that is not a string is the one named.
    expect(() => c.labels({ code: 200, backend: 1 } as unknown as Record<string, string>), "the first of labelNames whose value is not a string").toThrow(/label "backend" must be a string, got number/);
    expect(() => c.labels({ backend: 1, extra: "x" } as unknown as Record<string, string>), "wrong names are found before wrong values").toThrow(/takes labels/);
    expect(() => c.inc()).toThrow(/takes labels/); // a labelled metric needs its labels
    c.labels({ backend: "", code: 'a "quoted"\nvalue \\' }).inc(); // any string is a value: the format escapes it
    expect(c.labels({ backend: "", code: 'a "quoted"\nvalue \\' }).value).toBe(1);
  });

  it("a gauge goes up and down and can be set; metrics without labels have one child (1 pts)", () => {
    const r = new Registry();
    const open = r.gauge({ name: "hub_open", help: "Open now." });
    open.inc();
    open.inc(5);
    open.dec(2);
    expect(open.labels().value).toBe(4);
    open.set(-1.5);
    expect(lines(family(r, "hub_open"))).toEqual(["hub_open{} -1.5"]);
    const up = r.gauge({ name: "hub_up", help: "Up.", labelNames: ["backend"] });
    up.labels({ backend: "b2" }).set(1);
    up.labels({ backend: "b1" }).set(0);
    expect(lines(family(r, "hub_up"))).toEqual(['hub_up{backend="b1"} 0', 'hub_up{backend="b2"} 1']);
  });

  it("registry: names checked, counters end in _total, no name twice, gather sorted by name, collect read at scrape time (1 pts)", () => {
    const r = new Registry();
    expect(() => r.counter({ name: "2bad_total", help: "" })).toThrow(/invalid metric name/);
    expect(() => r.counter({ name: "hub_requests", help: "" })).toThrow(/ends in _total/);
    expect(() => r.gauge({ name: "hub_g", help: "", labelNames: ["__reserved"] })).toThrow(/reserved/);
    r.counter({ name: "hub_z_total", help: "z" }).inc();
    expect(() => r.gauge({ name: "hub_z_total", help: "again" })).toThrow(/already registered/);
    const kept = { requests: 0 };
    r.collect("counter", { name: "hub_a_total", help: "read at scrape", labelNames: ["proxy"] }, (set) => set({ proxy: "web" }, kept.requests));
    kept.requests = 41;
    expect(r.gather().map((f) => f.name)).toEqual(["hub_a_total", "hub_z_total"]);
    kept.requests = 42;
    expect(lines(family(r, "hub_a_total"))).toEqual(['hub_a_total{proxy="web"} 42']);
  });
});

describe("task 2: histograms with fixed buckets", () => {
  it("checkBuckets adds +Inf and refuses bounds that do not increase, and NaN (1 pts)", () => {
    expect(checkBuckets("h", [0.1, 0.5, 1])).toEqual([0.1, 0.5, 1, Infinity]);
    expect(checkBuckets("h", [1, Infinity])).toEqual([1, Infinity]);
    expect(checkBuckets("h", [])).toEqual([Infinity]);
    expect(() => checkBuckets("h", [0.5, 0.1])).toThrow(/bucket bounds must increase: 0.1 after 0.5/);
    expect(() => checkBuckets("h", [1, 1])).toThrow(/bucket bounds must increase/);
    expect(() => checkBuckets("h", [NaN])).toThrow(/bucket bound is a number/);
  });

  it("observe counts a value in the first bucket whose bound is ≥ it (le: less or equal), and grows sum and count (1 pts)", () => {
    const h = new HistogramChild([0.1, 0.5, 1, Infinity]);
    for (const v of [0.05, 0.1, 0.1000001, 0.5, 3, -2]) h.observe(v);
    expect(h.counts).toEqual([3, 2, 0, 1]); // -2, 0.05, 0.1 | 0.1000001, 0.5 | — | 3
    expect(h.count).toBe(6);
    expect(h.sum).toBeCloseTo(1.7500001, 9);
    expect(() => h.observe(NaN)).toThrow(/a histogram observes numbers/);
    expect(h.count).toBe(6);
  });

  it("exposes cumulative _bucket samples with le last among the labels, then _sum and _count (1 pts)", () => {
    const r = new Registry();
    const h = r.histogram({ name: "hub_connect_seconds", help: "Connect time.", labelNames: ["backend"], buckets: [0.001, 0.01] });
    for (const v of [0.0005, 0.002, 0.003, 2]) h.labels({ backend: "b1" }).observe(v);
    expect(lines(family(r, "hub_connect_seconds"))).toEqual([
      'hub_connect_seconds_bucket{backend="b1",le="0.001"} 1',
      'hub_connect_seconds_bucket{backend="b1",le="0.01"} 3',
      'hub_connect_seconds_bucket{backend="b1",le="+Inf"} 4',
      'hub_connect_seconds_sum{backend="b1"} 2.0055',
      'hub_connect_seconds_count{backend="b1"} 4',
    ]);
    expect(() => r.histogram({ name: "hub_bad_seconds", help: "", labelNames: ["le"] })).toThrow(/"le" is reserved/);
  });

  it("for random observations, each bucket counts exactly the values ≤ its bound (1 pts)", () => {
    const random = mulberry32(SEED);
    const bounds = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
    const h = new Histogram({ name: "hub_random_seconds", help: "", buckets: bounds });
    const values: number[] = [];
    for (let i = 0; i < 500; i++) {
      const v = Math.round(random() ** 3 * 12 * 1000) / 1000; // many small, a few past 10; some exactly on a bound
      values.push(v);
      h.observe(v);
    }
    const samples = h.collect().samples.filter((s) => s.name.endsWith("_bucket"));
    const want = [...bounds, Infinity].map((b) => values.filter((v) => v <= b).length);
    expect(samples.map((s) => s.value), replayMetrics).toEqual(want);
  });
});

/** A registry with one of everything, and label values that need escaping. */
function sampleRegistry(): Registry {
  const r = new Registry();
  const c = r.counter({ name: "hub_lb_http_responses_total", help: "Responses by class.\nA second line, and a \\ backslash.", labelNames: ["backend", "code"] });
  c.labels({ backend: "b1", code: "2xx" }).inc(7);
  c.labels({ backend: 'we"ird\\name\nhere', code: "5xx" }).inc();
  r.gauge({ name: "hub_lb_current_connections", help: "Open now." }).set(3);
  r.gauge({ name: "hub_lb_ratio", help: "Odd values.", labelNames: ["kind"] }).labels({ kind: "nan" }).set(NaN);
  (r.get("hub_lb_ratio") as ReturnType<Registry["gauge"]>).labels({ kind: "inf" }).set(-Infinity);
  const h = r.histogram({ name: "hub_lb_upstream_connect_seconds", help: "Connect time.", buckets: [0.001, 0.01] });
  h.observe(0.0005);
  h.observe(0.02);
  return r;
}

describe("task 3: the text exposition format", () => {
  it("escapes HELP (\\ and newline) and label values (\\, \" and newline), and spells +Inf, -Inf and NaN (1 pts)", () => {
    expect(escapeHelp("a \\ b\nc \"d\"")).toBe('a \\\\ b\\nc "d"');
    expect(escapeLabelValue('a \\ b\nc "d"')).toBe('a \\\\ b\\nc \\"d\\"');
    expect([Infinity, -Infinity, NaN, 0, 3, -1.5, 0.001, 1e21].map(formatValue)).toEqual(["+Inf", "-Inf", "NaN", "0", "3", "-1.5", "0.001", "1e+21"]);
  });

  it("prints each family as HELP, TYPE, then its samples, one line each, every line ending in a newline (1 pts)", () => {
    const text = formatFamilies(sampleRegistry().gather());
    expect(text.split("\n")).toEqual([
      "# HELP hub_lb_current_connections Open now.",
      "# TYPE hub_lb_current_connections gauge",
      "hub_lb_current_connections 3",
      "# HELP hub_lb_http_responses_total Responses by class.\\nA second line, and a \\\\ backslash.",
      "# TYPE hub_lb_http_responses_total counter",
      'hub_lb_http_responses_total{backend="b1",code="2xx"} 7',
      'hub_lb_http_responses_total{backend="we\\"ird\\\\name\\nhere",code="5xx"} 1',
      "# HELP hub_lb_ratio Odd values.",
      "# TYPE hub_lb_ratio gauge",
      'hub_lb_ratio{kind="inf"} -Inf',
      'hub_lb_ratio{kind="nan"} NaN',
      "# HELP hub_lb_upstream_connect_seconds Connect time.",
      "# TYPE hub_lb_upstream_connect_seconds histogram",
      'hub_lb_upstream_connect_seconds_bucket{le="0.001"} 1',
      'hub_lb_upstream_connect_seconds_bucket{le="0.01"} 1',
      'hub_lb_upstream_connect_seconds_bucket{le="+Inf"} 2',
      "hub_lb_upstream_connect_seconds_sum 0.0205",
      "hub_lb_upstream_connect_seconds_count 2",
      "",
    ]);
  });

  it("a well-kept parser (parse-prometheus-text-format) reads it back: names, help, types, labels and values (1 pts)", () => {
    const families = parseExposition(exposition(sampleRegistry()));
    expect(families.map((f) => `${f.name} ${f.type}`)).toEqual([
      "hub_lb_current_connections GAUGE",
      "hub_lb_http_responses_total COUNTER",
      "hub_lb_ratio GAUGE",
      "hub_lb_upstream_connect_seconds HISTOGRAM",
    ]);
    expect(families[1]!.help).toBe("Responses by class.\nA second line, and a \\ backslash.");
    expect(valueOf(families, "hub_lb_http_responses_total", { backend: 'we"ird\\name\nhere', code: "5xx" })).toBe(1);
    expect(valueOf(families, "hub_lb_ratio", { kind: "nan" })).toBeNaN();
    expect(families[3]!.metrics[0]!.buckets).toEqual({ "0.001": "1", "0.01": "1", "+Inf": "2" });
  });

  it("keeps the 0.0.4 grammar line by line, for random label values and observations (1 pts)", () => {
    const random = mulberry32(SEED);
    const alphabet = ['a', 'Z', '0', ' ', '"', "\\", "\n", "=", ",", "{", "}", "é", "#"];
    const r = new Registry();
    const c = r.counter({ name: "hub_random_total", help: 'Random "labels" \\ and\nlines.', labelNames: ["path", "code"] });
    const h = r.histogram({ name: "hub_random_seconds", help: "Random.", labelNames: ["path"], buckets: [0.01, 0.1, 1] });
    for (let i = 0; i < 100; i++) {
      let path = "";
      for (let n = Math.floor(random() * 6); n > 0; n--) path += alphabet[Math.floor(random() * alphabet.length)];
      c.labels({ path, code: `${1 + Math.floor(random() * 5)}xx` }).inc(Math.floor(random() * 10));
      h.labels({ path }).observe(random() * 2);
    }
    const text = exposition(r);
    expect(checkExposition(text), replayMetrics).toEqual([]);
    const parsed = parseExposition(text);
    const total = parsed.find((f) => f.name === "hub_random_total")!.metrics.reduce((n, m) => n + Number(m.value), 0);
    const want = c.collect().samples.reduce((n, s) => n + s.value, 0);
    expect(total, replayMetrics).toBe(want);
  });

  it("loopback: GET /metrics on the admin listener of a running HTTP balancer answers in the format, and the counters moved (1 pts)", async () => {
    requireLab("11", LAB11_PROXY, lab11ProxyForwards);
    const out = await real(function* () {
      // Two HTTP backends on loopback, chapter 11's proxy in front, chapter 12's admin API with /metrics beside it.
      const ports: number[] = [];
      const listeners = [];
      for (const name of ["m1", "m2"]) {
        const l = yield* realNetwork.listen({ host: "127.0.0.1", port: 0 });
        listeners.push(l);
        ports.push(l.address.port);
        spawn(serveHttp, l, function* (req: HttpRequest): Green<{ status: number; body: string }> {
          yield* req.body.text();
          return { status: req.target === "/missing" ? 404 : 200, body: `${name} ${req.target}` };
        });
      }
      const bs = ["m1", "m2"].map((name, i) => ({ name, address: { host: "127.0.0.1", port: ports[i]! } }));
      const membership = new Membership({ drainTimeout: 1000 });
      for (const b of bs) membership.add(b, { initial: true });
      const metrics = new BalancerMetrics();
      const proxy = yield* startMeteredHttpProxy(metrics, "web", { network: membership.network(realNetwork), listen: { host: "127.0.0.1", port: 0 }, backends: bs, random: mulberry32(SEED) });
      followMembership(membership, proxy);
      metrics.watchMembership("web", membership);
      const admin = yield* startAdminWithMetrics({ network: realNetwork, membership, registry: metrics.registry });
      const http = new HttpClient({ network: realNetwork, timeout: 2000 });
      const before = yield* http.get(`http://127.0.0.1:${admin.address.port}/metrics`);
      const statuses: number[] = [];
      for (let i = 0; i < 20; i++) statuses.push((yield* http.get(`http://127.0.0.1:${proxy.address.port}/${i === 7 ? "missing" : `req${i}`}`)).status);
      const after = yield* http.get(`http://127.0.0.1:${admin.address.port}/metrics`);
      const backendsView = yield* http.get(`http://127.0.0.1:${admin.address.port}/backends`);
      admin.close();
      proxy.listener.close();
      for (const l of listeners) l.close();
      return { before: before.body.toString(), after, statuses, backendsView: backendsView.status };
    }, 5000);
    expect(out.statuses.filter((s) => s === 200)).toHaveLength(19);
    expect(out.after.status).toBe(200);
    expect(out.after.headers.get("content-type")).toBe(CONTENT_TYPE);
    expect(out.backendsView, "the admin API's other paths still answer").toBe(200);
    const text = out.after.body.toString();
    expect(checkExposition(text)).toEqual([]);
    const families = parseExposition(text);
    const byClass = (code: string) => ["m1", "m2"].map((backend) => valueOf(families, METRICS.httpResponses, { proxy: "web", backend, code }) ?? 0);
    expect(byClass("2xx"), "2xx responses from m1 and m2: your lab 11 proxy picks by round robin (lab 09), m1 first; /missing was m2's 4th").toEqual([10, 9]);
    expect(byClass("4xx")).toEqual([0, 1]);
    expect(sampleValue(text, `${METRICS.duration}_count`, { proxy: "web", mode: "http" })).toBe(20);
    const connects = ["m1", "m2"].map((backend) => sampleValue(text, `${METRICS.connectTime}_count`, { proxy: "web", backend }));
    expect(connects, "a connect time for every request (a pooled connection's is near 0)").toEqual([10, 10]);
    expect(valueOf(families, METRICS.currentConnections, { proxy: "web" }), "the client's keep-alive connection is being served").toBe(1);
    const pooled = ["m1", "m2"].map((b) => valueOf(families, METRICS.backendConnections, { proxy: "web", backend: b }) ?? 0);
    expect(pooled.every((n) => n >= 1), `pooled connections per backend: ${pooled.join(", ")}`).toBe(true);
    expect(valueOf(families, METRICS.backendWeight, { proxy: "web", backend: "m1" })).toBe(1);
    expect(valueOf(families, METRICS.backendUp, { proxy: "web", backend: "m2" })).toBe(1);
    expect(valueOf(parseExposition(out.before), METRICS.currentConnections, { proxy: "web" })).toBe(0);
  });
});

describe("task 4: access log lines", () => {
  const { EPOCH, httpRecord, tcpRecord } = logSupport;

  it("haproxyDate writes HAProxy's date in UTC; timers give Tq/Tw/Tc/Tr/Tt (HTTP) or Tw/Tc/Tt (TCP), -1 for a phase never reached (1 pts)", () => {
    expect(accessLog.haproxyDate(Date.UTC(2009, 1, 6, 12, 14, 14, 655))).toBe("06/Feb/2009:12:14:14.655");
    expect(accessLog.haproxyDate(Date.UTC(2026, 0, 5, 3, 4, 5, 7)), "two-digit day and time, three-digit milliseconds").toBe("05/Jan/2026:03:04:05.007");
    expect(accessLog.haproxyDate(Date.UTC(2026, 11, 31, 23, 59, 59, 999) + 0.9), "a fraction of a millisecond is dropped").toBe("31/Dec/2026:23:59:59.999");
    expect(accessLog.timers(httpRecord())).toEqual([10, 0, 30, 69, 109]);
    expect(accessLog.timers(httpRecord({ connected: null, firstByte: null, done: 667 })), "connect failed: Tc and Tr are -1").toEqual([10, 0, -1, -1, 12]);
    expect(accessLog.timers(httpRecord({ received: null, picked: null, connected: null, firstByte: null, done: 700 })), "refused before its head was read").toEqual([-1, -1, -1, -1, 45]);
    expect(accessLog.timers(httpRecord({ picked: 665.4, connected: 695.6 })), "whole milliseconds, rounded").toEqual([10, 0, 30, 68, 109]);
    expect(accessLog.timers(tcpRecord())).toEqual([0, 5, 5007]);
    expect(accessLog.timers(tcpRecord({ connected: null, firstByte: null, done: 2443 }))).toEqual([0, -1, 1000]);
  });

  it("formatText writes one HAProxy-like line: client, [date], frontend, pool/server, timers, status, bytes, termination, retries, \"request\" (1 pts)", () => {
    expect(accessLog.formatText(httpRecord(), EPOCH)).toBe(
      '10.0.1.2:33317 [02/Dec/2026:12:00:00.655] hub static/srv1 10/0/30/69/109 200 2750 -- 0 "GET /index.html HTTP/1.1"',
    );
    expect(accessLog.formatText(tcpRecord(), EPOCH), "TCP: the frontend's name stands for the backend section").toBe(
      "10.0.1.2:33313 [02/Dec/2026:12:00:01.443] fnt fnt/srv1 0/5/5007 212 -- 0",
    );
    const refused = httpRecord({ backend: null, status: 503, picked: null, connected: null, firstByte: null, done: 666, termination: "SC", bytesOut: 120 });
    expect(accessLog.formatText(refused, EPOCH)).toBe('10.0.1.2:33317 [02/Dec/2026:12:00:00.655] hub static/<NOSRV> 10/-1/-1/-1/11 503 120 SC 0 "GET /index.html HTTP/1.1"');
    const bad = httpRecord({ pool: undefined, backend: null, status: 400, method: undefined, path: undefined, version: undefined, received: null, picked: null, connected: null, firstByte: null, done: 700, termination: "PR" });
    expect(accessLog.formatText(bad, EPOCH), "no head read: <BADREQ>, and no pool: the frontend's name").toBe(
      '10.0.1.2:33317 [02/Dec/2026:12:00:00.655] hub hub/<NOSRV> -1/-1/-1/-1/45 400 2750 PR 0 "<BADREQ>"',
    );
    expect(accessLog.formatText(httpRecord({ path: undefined, version: undefined }), EPOCH), "a method without a path or a version").toMatch(/ "GET  HTTP\/1\.1"$/);
    const odd = httpRecord({ path: '/a"b#c', status: null, retries: 2 });
    expect(accessLog.formatText(odd, EPOCH), 'a quote and # are escaped as #22 and #23; no status is -1').toBe(
      '10.0.1.2:33317 [02/Dec/2026:12:00:00.655] hub static/srv1 10/0/30/69/109 -1 2750 -- 2 "GET /a#22b#23c HTTP/1.1"',
    );
    const f = logSupport.fieldsOf(accessLog.formatText(httpRecord({ client: { host: "::1", port: 1 } }), EPOCH), logSupport.HTTP_LINE);
    expect(f.client, "the documented pattern reads the line back").toBe("::1");
  });

  it("formatJson writes one line that JSON.parse turns back into the record and its time, keys in the documented order (1 pts)", () => {
    for (const r of [httpRecord(), tcpRecord(), httpRecord({ pool: undefined, method: undefined, path: undefined, version: undefined, status: null })]) {
      const line = accessLog.formatJson(r, EPOCH);
      expect(line, "one line").not.toContain("\n");
      const back = JSON.parse(line) as Record<string, unknown>;
      expect(back).toEqual({ time: new Date(EPOCH + r.accepted).toISOString(), ...JSON.parse(JSON.stringify(r)) });
      const order = accessLog.JSON_KEYS.filter((k) => k in back);
      expect(Object.keys(back), "keys in JSON_KEYS's order, absent fields left out").toEqual(order);
    }
    expect(JSON.parse(accessLog.formatJson(tcpRecord(), EPOCH)).time).toBe("2026-12-02T12:00:01.443Z");
    expect(Object.keys(JSON.parse(accessLog.formatJson(tcpRecord(), EPOCH))), "a null stays null; a missing optional field is left out").toContain("status");
  });

  it("on the simulated network, chapter 11's proxy logs one line per request with HAProxy's codes: -- normal, SC refused, sC connect timeout, sH server timeout, CD client gone (1 pts)", () => {
    requireLab("11", LAB11_PROXY, lab11ProxyForwards);
    const sink = logSupport.memorySink();
    const at = (host: string) => ({ name: host, address: { host, port: 80 } });
    logNet.simulate({ seed: logNet.SEED, latency: 1 }, function* (net) {
      yield* logSupport.slowBackend(net, at("ok"), 5);
      yield* logSupport.slowBackend(net, at("slow"), 5_000);
      yield* logSupport.slowBackend(net, at("lazy"), 50);
      yield* logSupport.slowBackend(net, at("far"), 5); // up, but out of reach:
      net.partition("lb", "far");
      const pools = Object.fromEntries(["ok", "dead", "far", "slow", "lazy"].map((n) => [n, { backends: [at(n)] }]));
      const routes = Object.keys(pools).map((n) => ({ name: n, pathPrefix: `/${n}`, pools: n }));
      const proxy = yield* logSupport.loggedHttpProxy(net, [], sink, { backends: undefined, pools, routes, limits: { connectTimeout: 1_000, serverTimeout: 1_000 } });
      for (const n of ["ok", "dead", "far", "slow"]) yield* logSupport.ask(net, `GET /${n}/x HTTP/1.1\r\nHost: lb\r\nConnection: close\r\n\r\n`);
      yield* logSupport.ask(net, "GET /lazy HTTP/1.1\r\nHost: lb\r\n\r\n", 10); // leaves before its answer
      yield* logGreen.sleep(200);
      yield* proxy.shutdown(0);
    });
    const lines = sink.lines.map((l) => logSupport.fieldsOf(l, logSupport.HTTP_LINE));
    const seen = lines.map((f) => `${f.request} -> ${f.pool}/${f.server} ${f.status} ${f.termination} ${f.timers}`);
    expect(lines.length, `one line per request:\n${sink.lines.join("\n")}`).toBe(5);
    const [ok, dead, far, slow, lazy] = lines;
    expect([ok.status, ok.termination, ok.server], seen[0]).toEqual(["200", "--", "ok"]);
    expect(ok.timers.split("/").every((t) => Number(t) >= 0), `every phase reached: ${seen[0]}`).toBe(true);
    expect([dead.status, dead.termination, dead.timers.split("/")[2]], `refused: ${seen[1]}`).toEqual(["503", "SC", "-1"]);
    expect([far.status, far.termination, far.timers.split("/")[2]], `connect timeout: ${seen[2]}`).toEqual(["503", "sC", "-1"]);
    expect([slow.status, slow.termination, slow.timers.split("/")[3]], `no response head in serverTimeout: ${seen[3]}`).toEqual(["504", "sH", "-1"]);
    expect([lazy.termination, lazy.server], `the client left before its response: ${seen[4]}`).toEqual(["CD", "lazy"]);
    expect(ok.date, "dates from the epoch and the virtual clock").toMatch(/^02\/Dec\/2026:12:00:00\.\d{3}$/);
  });

  it("on the simulated network, chapter 08's proxy through withAccessRecords logs one line per connection: --, SC refused, sC connect timeout, CD client gone (1 pts)", () => {
    requireLab("08", LAB08_PROXY, lab08ProxyForwards);
    const sink = logSupport.memorySink();
    const at = (host: string) => ({ name: host, address: { host, port: 7 } });
    logNet.simulate({ seed: logNet.SEED, latency: 1 }, function* (net) {
      // An echo that answers the first bytes it reads after 20 ms, then closes.
      yield* logNet.server(net.host("echo"), at("echo").address, function* (s) {
        const got = yield* s.recv();
        yield* logGreen.sleep(20);
        yield* s.sendall(got);
      });
      yield* logNet.server(net.host("far"), at("far").address, function* () {}); // up, but out of reach:
      net.partition("lb", "far");
      const plans: [number, string, number | null][] = [
        [81, "echo", null],
        [82, "dead", null],
        [83, "far", null],
        [84, "echo", 5],
      ];
      for (const [port, backend, abortAfter] of plans) {
        const proxy = yield* logSupport.loggedTcpProxy(net, [at(backend)], sink, { listen: { host: "lb", port }, connectTimeout: 500 });
        yield* logSupport.ask(net, "hello", abortAfter, { host: "lb", port });
        yield* logGreen.sleep(100);
        yield* proxy.shutdown(0);
      }
    });
    const lines = sink.lines.map((l) => logSupport.fieldsOf(l, logSupport.TCP_LINE));
    expect(lines.length, `one line per connection:\n${sink.lines.join("\n")}`).toBe(4);
    const [fine, dead, far, gone] = lines.map((f) => [f.frontend, f.server, f.bytes, f.termination, f.timers.split("/")[1]]);
    expect(fine.slice(0, 4), sink.lines[0]).toEqual(["fnt", "echo", "5", "--"]);
    expect(dead, sink.lines[1]).toEqual(["fnt", "dead", "0", "SC", "-1"]);
    expect(far, sink.lines[2]).toEqual(["fnt", "far", "0", "sC", "-1"]);
    expect(gone.slice(1, 4), sink.lines[3]).toEqual(["echo", "0", "CD"]);
  });
});

describe("task 5: a log that never blocks the hub", () => {
  it("LineBuffer keeps lines in order within maxBytes (UTF-8 bytes plus a newline each), drops and counts what does not fit, and take() empties it (1 pts)", () => {
    const b = new logWriter.LineBuffer(12);
    expect([b.push("one"), b.push("two"), b.push("three")], "4 + 4 bytes fit, 6 more would be 14").toEqual([true, true, false]);
    expect(b.push("é"), "3 bytes: 'é' is two in UTF-8").toBe(true);
    expect([b.bytes, b.length, b.dropped]).toEqual([11, 3, 1]);
    expect(b.push(""), "an empty line is one byte").toBe(true);
    expect(b.push("x")).toBe(false);
    expect(b.take()).toBe("one\ntwo\né\n\n");
    expect([b.bytes, b.length, b.dropped, b.take()], "empty after take; drops stay counted").toEqual([0, 0, 2, ""]);
    expect(b.push("a line longer than the bound"), "a line over maxBytes never fits").toBe(false);
    expect(() => b.push("two\nlines")).toThrow("a log line may not contain a newline");
    expect(() => new logWriter.LineBuffer(0)).toThrow(/maxBytes must be a positive integer/);
  });

  it("a LogWriter whose sink never answers never makes the hub wait: writes return at once, at most maxBytes wait, the rest is dropped and counted, order is kept (1 pts)", () => {
    const calls: { data: string; done: (e: Error | null) => void }[] = [];
    const stuck: logWriter.LogSink = { write: (data, done) => void calls.push({ data, done }), reopen: (done) => done(null), close: (done) => done(null) };
    const w = new logWriter.LogWriter({ sink: stuck, maxBytes: 1_000 });
    const line = (i: number): string => `line ${String(i).padStart(4, "0")} `.padEnd(99, "."); // 100 bytes with its newline
    const { result, time } = logNet.simulate({ seed: logNet.SEED }, function* () {
      let accepted = 0;
      for (let i = 0; i < 500; i++) if (w.write(line(i))) accepted++;
      return accepted;
    });
    expect(time, "500 writes on the virtual clock took no time: nothing waited").toBe(0);
    expect(calls.length, "one write under way at a time").toBe(1);
    expect(calls[0].data, "the first line went out at once").toBe(`${line(0)}\n`);
    expect([result, w.dropped, w.buffer.bytes], "1 under way + 10 waiting (1,000 bytes); 489 dropped").toEqual([11, 489, 1_000]);
    calls[0].done(null);
    expect(calls.length, "when the sink answers, everything waiting goes as the next write").toBe(2);
    expect(calls[1].data).toBe(Array.from({ length: 10 }, (_, i) => `${line(i + 1)}\n`).join(""));
    calls[1].done(null);
    expect([w.written, w.dropped, w.buffer.length]).toEqual([11, 489, 0]);
  });

  it("a sink that answers at once, inside its own call, still gets one step at a time: every line once, in order, and flush resolves (1 pts)", async () => {
    const got: string[] = [];
    const atOnce: logWriter.LogSink = {
      write: (data, done) => {
        got.push(data);
        done(null);
      },
      reopen: (done) => {
        got.push("(reopen)");
        done(null);
      },
      close: (done) => done(null),
    };
    const w = new logWriter.LogWriter({ sink: atOnce, maxBytes: 1_000 });
    w.write("a");
    w.write("b");
    w.reopen();
    w.write("c");
    const flushed = await Promise.race([w.flush().then(() => "flushed"), new Promise((r) => setTimeout(() => r("flush() had not resolved after 1 s"), 1000))]);
    // A step marked under way only after the sink's call returns is marked after its done has come: under way forever.
    expect(got, "what the sink was given").toEqual(["a\n", "b\n", "(reopen)", "c\n"]);
    expect([flushed, w.written]).toEqual(["flushed", 3]);
  });

  it("writes to a real file; after a rename, reopen (on SIGHUP or SIGUSR1 once reopenOnSignals installed it) sends the next lines to a new file; close flushes (1 pts)", async () => {
    const dir = logFs.mkdtempSync(logPath.join(logOs.tmpdir(), "access-log-"));
    const file = logPath.join(dir, "access.log");
    const before = process.listenerCount("SIGHUP");
    const w = new logWriter.LogWriter({ path: file });
    const remove = logWriter.reopenOnSignals(w);
    try {
      expect([w.write("first"), w.write("second")]).toEqual([true, true]);
      await w.flush();
      expect(logFs.readFileSync(file, "utf8")).toBe("first\nsecond\n");
      logFs.renameSync(file, `${file}.1`); // what logrotate does before it signals
      expect(w.write("still the old file")).toBe(true); // not reopened yet: the open file is the renamed one
      await w.flush();
      process.emit("SIGHUP", "SIGHUP");
      w.write("third");
      process.emit("SIGUSR1", "SIGUSR1");
      w.write("fourth");
      await w.close();
      expect(logFs.readFileSync(`${file}.1`, "utf8")).toBe("first\nsecond\nstill the old file\n");
      expect(logFs.readFileSync(file, "utf8"), "after the reopen, a new access.log").toBe("third\nfourth\n");
      expect([w.written, w.dropped, w.lost]).toEqual([5, 0, 0]);
      expect(w.write("after close"), "closed: dropped and counted").toBe(false);
      expect(w.dropped).toBe(1);
    } finally {
      remove();
      logFs.rmSync(dir, { recursive: true, force: true });
    }
    expect(process.listenerCount("SIGHUP"), "the handlers are removed").toBe(before);
  });

  it("on loopback, chapter 11's proxy with accessLogger into a LogWriter's file logs one JSON line per request, phases in order (1 pts)", async () => {
    requireLab("11", LAB11_PROXY, lab11ProxyForwards);
    const dir = logFs.mkdtempSync(logPath.join(logOs.tmpdir(), "access-log-"));
    const file = logPath.join(dir, "access.log");
    const w = new logWriter.LogWriter({ path: file });
    const N = 20;
    try {
      await logNet.real(function* (): LogGreen<void> {
        const net = logFast08.fastNetwork;
        const listener = yield* net.listen({ host: "127.0.0.1", port: 0 });
        const acceptor = logGreen.spawn(function* () {
          for (;;) logGreen.spawn(logServer07.handleConnection, yield* listener.accept(), function* () {
            return { status: 200, body: "hello" };
          });
        });
        const proxy = yield* logProxy11.startHttpProxy({
          network: net,
          listen: { host: "127.0.0.1", port: 0 },
          backends: [{ name: "b1", address: listener.address }],
          outlier: null,
          onRecord: accessLog.accessLogger(w, { format: "json" }),
        });
        const client = new logHttp07.HttpClient({ network: net });
        for (let i = 0; i < N; i++) {
          const res = yield* client.get(`http://127.0.0.1:${proxy.address.port}/r${i}`);
          expect(res.status).toBe(200);
        }
        client.close();
        yield* proxy.shutdown(1_000);
        yield* acceptor.kill(); // before the close, which would fail its accept
        listener.close();
      }, 10_000);
      await w.close();
      const lines = logFs.readFileSync(file, "utf8").split("\n");
      expect(lines.pop(), "every line ends with a newline").toBe("");
      expect(lines.length, "one line per request").toBe(N);
      lines.forEach((line, i) => {
        const r = JSON.parse(line) as Record<string, number | string | null>;
        expect([r.mode, r.path, r.status, r.termination, r.backend], line).toEqual(["http", `/r${i}`, 200, "--", "b1"]);
        const phases = [r.accepted, r.received, r.picked, r.connected, r.firstByte, r.done] as number[];
        expect(phases.every((t) => typeof t === "number"), `every phase reached: ${line}`).toBe(true);
        expect(phases, `accepted ≤ received ≤ picked ≤ connected ≤ firstByte ≤ done: ${line}`).toEqual([...phases].sort((a, b) => a - b));
      });
    } finally {
      logFs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("task 6: tracing the hub", () => {
  it("the ring keeps the newest `capacity` records, oldest first, and counts the ones it overwrote (2 pts)", () => {
    const ring = new TraceRing(4);
    expect(ring.slots()).toEqual([]);
    for (let n = 1; n <= 3; n++) ring.push(1, 2, n, -1, n * 10, n * 10 + 1);
    expect(ring.slots().map((i) => ring.tid[i])).toEqual([1, 2, 3]);
    expect([ring.length, ring.dropped]).toEqual([3, 0]);
    for (let n = 4; n <= 10; n++) ring.push(1, 2, n, -1, n * 10, n * 10 + 1);
    const slots = ring.slots();
    // Each record's six fields stay together in one slot.
    expect(slots.map((i) => [ring.kind[i], ring.code[i], ring.tid[i], ring.other[i], ring.ts[i], ring.ts2[i]])).toEqual([
      [1, 2, 7, -1, 70, 71], [1, 2, 8, -1, 80, 81], [1, 2, 9, -1, 90, 91], [1, 2, 10, -1, 100, 101],
    ]);
    expect([ring.length, ring.written, ring.dropped]).toEqual([4, 10, 6]);
    expect(() => new TraceRing(0)).toThrow(/capacity of at least 1/);
  });

  it("a small program gives the exact sequence: spawned, ran, parked on an Event, woken by its setter, died returned, threw, killed (2 pts)", () => {
    const { tracer } = tracedLife();
    expect(tracer.events().map(formatEvent)).toEqual([
      "spawn main by outside",
      "run main → park", // a run is listed where its slice began: main spawned the next four inside it
      "spawn waiter-1 by thread main",
      "spawn setter-2 by thread main",
      "spawn thrower-3 by thread main",
      "spawn victim-4 by thread main",
      "run waiter-1 → park",
      "run setter-2 → park",
      "run thrower-3 → park",
      "run victim-4 → park",
      "wake thrower-3 by timer thrower-3",
      "run thrower-3 → throw",
      "die thrower-3 threw (TypeError)",
      "wake main by thread thrower-3",
      "run main → park",
      "wake setter-2 by timer setter-2",
      "run setter-2 → return",
      "wake waiter-1 by thread setter-2",
      "die setter-2 returned",
      "run waiter-1 → return",
      "die waiter-1 returned",
      "wake main by thread waiter-1",
      "run main → switch",
      "error into victim-4 by thread main",
      "run victim-4 → throw",
      "die victim-4 killed (GreenletExit)",
      "run main → return",
      "die main returned",
    ]);
    // On the hub's clock: the virtual time in microseconds, 1 µs more per record while it stands still.
    const events = tracer.events();
    expect(events.find((e) => e.kind === "wake" && e.thread === "waiter-1")?.ts).toBeGreaterThanOrEqual(5000);
    expect(events.find((e) => e.kind === "wake" && e.thread === "waiter-1")?.ts).toBeLessThan(6000);
  });

  it("the Chrome trace is valid: ph, ts, pid, tid everywhere; a named lane per thread; slices never overlap in a lane; flows pair up (2 pts)", () => {
    const { tracer } = tracedLife();
    const trace: ChromeTrace = JSON.parse(JSON.stringify(tracer.toChromeTrace()));
    expect(checkChromeTrace(trace)).toEqual([]);
    const lanes = trace.traceEvents.filter((e: ChromeEvent) => e.ph === "M" && e.name === "thread_name").map((e) => e.args?.name);
    expect(lanes).toEqual(["main", "waiter-1", "setter-2", "thrower-3", "victim-4"]);
    const slices = trace.traceEvents.filter((e) => e.ph === "X");
    expect(slices).toHaveLength(tracer.events().filter((e) => e.kind === "run").length);
    // The setter's wake-up of the waiter is an arrow: from inside the setter's slice to the waiter's next slice.
    const tidOf = (name: string): number => trace.traceEvents.find((e) => e.ph === "M" && e.args?.name === name)!.tid;
    const wakes = trace.traceEvents.filter((e) => e.ph === "s" && e.name === "wake" && e.tid === tidOf("setter-2"));
    expect(wakes).toHaveLength(1);
    const finish = trace.traceEvents.find((e) => e.ph === "f" && e.id === wakes[0].id)!;
    expect(finish.tid).toBe(tidOf("waiter-1"));
    expect(trace.traceEvents.filter((e) => e.ph === "s" && e.name === "error").map((e) => e.tid)).toEqual([tidOf("main")]);
    expect(trace.displayTimeUnit).toBe("ms");
  });

  it("stop() leaves the hub exactly as it was, and a program runs the same traced, untraced and stopped midway (1 pts)", () => {
    const untraced = tracedLife({ trace: false });
    const traced = tracedLife();
    const stopped = tracedLife({ stopMidway: true });
    expect(traced.log).toEqual(untraced.log);
    expect(stopped.log).toEqual(untraced.log);
    expect(traced.time).toBe(untraced.time);
    // No property of its own but those a hub never traced has: hub.start is Hub.prototype.start again, and so on.
    expect(leftBehind(traced.hub)).toEqual([]);
    expect(leftBehind(stopped.hub)).toEqual([]);
    // A thread still alive when tracing stopped has its own generator back.
    expect(Object.prototype.toString.call(stopped.survivor.gen)).toBe("[object Generator]");
    // Nothing is recorded after stop(); a hub can be traced again, but by one tracer at a time.
    const n = stopped.tracer.events().length;
    expect(stopped.tracer.events().at(-1)?.kind).toBe("run");
    expect(stopped.tracer.events().at(-1)).toMatchObject({ then: "stop" });
    expect(n).toBeLessThan(traced.tracer.events().length);
    const hub = virtualHub();
    const first: Tracer = startTracing(hub);
    expect(() => startTracing(hub)).toThrow(/traced already/);
    first.stop();
    startTracing(hub).stop();
  });
});

