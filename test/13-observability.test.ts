// Grading tests for lab 13-observability. TODO header (owner: metrics).
import { describe, expect, it } from "vitest";
// --- imports: metrics (tasks 1–3)
import type { Green } from "@target/02-hub/suspend";
import { spawn } from "@target/03-cancellation/greenthread";
import { realNetwork } from "@target/05-green-sockets/node-network";
import { mulberry32 } from "@target/05-green-sockets/random";
import { HttpClient } from "@target/07-http/client";
import type { HttpRequest } from "@target/07-http/handler";
import { serveHttp } from "@target/07-http/server";
import { startHttpProxy } from "@target/11-http-proxy/proxy";
import { followMembership } from "@target/12-elastic/http";
import { Membership } from "@target/12-elastic/membership";
import { BalancerMetrics, METRICS } from "@target/13-observability/balancer-metrics";
import { CONTENT_TYPE, escapeHelp, escapeLabelValue, exposition, formatFamilies, formatValue } from "@target/13-observability/exposition";
import { startAdminWithMetrics } from "@target/13-observability/metrics-endpoint";
import { checkBuckets, Histogram, HistogramChild, Registry, type MetricFamily } from "@target/13-observability/metrics";
import { real, replayWith, SEED } from "./support/net";
import { checkExposition, parseExposition, valueOf } from "./support/prometheus";

// --- imports: logs (tasks 4–5)

// --- imports: tracing (task 6)

// --- end imports

// --- tests: metrics (tasks 1–3)
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
  it("checkBuckets adds +Inf and refuses bounds that do not increase (1 pts)", () => {
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
      const proxy = yield* startHttpProxy({ network: membership.network(realNetwork), listen: { host: "127.0.0.1", port: 0 }, backends: bs, random: mulberry32(SEED) });
      followMembership(membership, proxy);
      const metrics = new BalancerMetrics();
      metrics.watchHttp("web", proxy);
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
    expect(valueOf(families, METRICS.currentConnections, { proxy: "web" }), "the client's keep-alive connection is being served").toBe(1);
    const pooled = ["m1", "m2"].map((b) => valueOf(families, METRICS.backendConnections, { proxy: "web", backend: b }) ?? 0);
    expect(pooled.every((n) => n >= 1), `pooled connections per backend: ${pooled.join(", ")}`).toBe(true);
    expect(valueOf(families, METRICS.backendWeight, { proxy: "web", backend: "m1" })).toBe(1);
    expect(valueOf(families, METRICS.backendUp, { proxy: "web", backend: "m2" })).toBe(1);
    expect(valueOf(parseExposition(out.before), METRICS.currentConnections, { proxy: "web" })).toBe(0);
  });
});


// --- tests: logs (tasks 4–5)

// --- tests: tracing (task 6)

// --- end tests
