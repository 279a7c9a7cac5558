// Chapter 13 demo: `npm run lab 13`. Each lab task's part at work, in task order: metrics (a registry, a histogram,
// the text format and a scrape of a running balancer), access logs, tracing. Everything runs on the virtual clock
// with fixed seeds, so the output is the same on every run.
import { done, step } from "../00-common/demo";
// --- imports: metrics (tasks 1–3)
import { runVirtual, sleep } from "../02-hub/green";
import type { Green } from "../02-hub/suspend";
import { spawn } from "../03-cancellation/greenthread";
import { mulberry32 } from "../05-green-sockets/random";
import { SimNetwork } from "../05-green-sockets/sim-network";
import { HttpClient } from "../07-http/client";
import type { HttpRequest, HttpResponse } from "../07-http/handler";
import { serveHttp } from "../07-http/server";
import { BalancerMetrics, startMeteredHttpProxy } from "./balancer-metrics";
import { exposition } from "./exposition";
import { startMetricsListener } from "./metrics-endpoint";
import { Registry } from "./metrics";

// --- imports: logs (tasks 4–5)

// --- imports: tracing (task 6)

// --- end imports

// --- steps: metrics (tasks 1–3)
const show = (line: string): void => console.log(`   ${line}`);

await step("Task 1: a counter and a gauge with labels (responses by backend and class; connections open)", () => {
  const r = new Registry();
  const responses = r.counter({ name: "hub_lb_http_responses_total", help: "HTTP responses by backend and class.", labelNames: ["backend", "code"] });
  const open = r.gauge({ name: "hub_lb_current_connections", help: "Client connections open now." });
  for (const [backend, status] of [["b1", 200], ["b2", 200], ["b1", 503], ["b1", 204], ["b2", 404]] as const) {
    responses.labels({ backend, code: `${Math.floor(status / 100)}xx` }).inc();
  }
  open.inc(3);
  open.dec();
  show("5 responses: b1 200, b2 200, b1 503, b1 204, b2 404; 3 connections opened, 1 closed");
  for (const f of r.gather()) for (const s of f.samples) show(`${[s.name, ...s.labels.map(([k, v]) => `${k}=${v}`)].join(" ")} → ${s.value}`);
});

await step("Task 2: a histogram of connect times, buckets 1 ms, 5 ms, 25 ms (+Inf added)", () => {
  const r = new Registry();
  const connect = r.histogram({ name: "hub_lb_upstream_connect_seconds", help: "Time to connect to a backend.", buckets: [0.001, 0.005, 0.025] });
  const seconds = [0.0004, 0.001, 0.002, 0.003, 0.02, 0.3];
  for (const v of seconds) connect.observe(v);
  show(`observed (s): ${seconds.join(", ")}`);
  for (const s of r.gather()[0]!.samples) show(`${s.name}${s.labels.length ? ` le=${s.labels[0]![1]}` : ""} → ${Number(s.value.toFixed(6))}`);
});

await step("Task 3: the text format, then a scrape of a running balancer (virtual clock, seed 13)", () => {
  const r = new Registry();
  r.counter({ name: "hub_demo_total", help: "A help with a \\ and a\nnewline.", labelNames: ["path"] }).labels({ path: 'C:\\dir "x"' }).inc(2);
  r.gauge({ name: "hub_demo_ratio", help: "Not a number yet." }).set(NaN);
  for (const line of exposition(r).trimEnd().split("\n")) show(line);
  // The balancer: chapter 11's proxy before b1 (fast) and b2 (fails one request in four), a rate limit of 20
  // requests/s per client with a burst of 5, answered with 429; 40 requests, one every 30 ms or so.
  const { result } = runVirtual(function* (): Green<string> {
    const net = new SimNetwork({ seed: 13, latency: 1 });
    let served = 0;
    for (const name of ["b1", "b2"]) {
      const l = yield* net.host(name).listen({ host: name, port: 80 });
      spawn(serveHttp, l, function* (req: HttpRequest): Green<HttpResponse> {
        yield* req.body.text();
        yield* sleep(name === "b1" ? 2 : 8);
        return { status: name === "b2" && ++served % 4 === 0 ? 500 : 200, body: name };
      });
    }
    const metrics = new BalancerMetrics();
    const backends = ["b1", "b2"].map((name) => ({ name, address: { host: name, port: 80 } }));
    const proxy = yield* startMeteredHttpProxy(metrics, "web", {
      network: net.host("lb"), listen: { host: "lb", port: 80 }, backends, random: mulberry32(13), outlier: null,
      rateLimit: { limit: { rate: 20, burst: 5, nodelay: true }, status: 429 },
    });
    const scrape = yield* startMetricsListener({ network: net.host("lb"), listen: { host: "lb", port: 9100 }, registry: metrics.registry, token: "s3cret" });
    const http = new HttpClient({ network: net.host("client") });
    for (let i = 0; i < 40; i++) {
      yield* http.get(`http://lb/req${i}`);
      yield* sleep(30);
    }
    const text = (yield* new HttpClient({ network: net.host("prometheus") }).get("http://lb:9100/metrics", { Authorization: "Bearer s3cret" })).text();
    scrape.close();
    proxy.listener.close();
    return text;
  });
  show("options: rateLimit { rate: 20/s, burst: 5, nodelay, status 429 }, b2 fails 1 in 4, 40 requests 30 ms apart;");
  show("/metrics on a listener of its own, with a token (the simulated host is not loopback)");
  show("GET /metrics, the lines of responses, rate limiting and request time (le ≤ 25 ms):");
  const keep = /^hub_lb_(http_responses_total|rate_limited_total|request_duration_seconds_(bucket\{[^}]*le="0\.0(05|1|25)"|count))/;
  for (const line of result.split("\n")) if (keep.test(line) && !line.endsWith(" 0")) show(line);
});


// --- steps: logs (tasks 4–5)

// --- steps: tracing (task 6)

// --- end steps
done();
