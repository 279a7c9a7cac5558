// Chapter 13 demo: `npm run lab 13`. Each lab task's part at work, in task order: metrics (a registry, a histogram,
// the text format and a scrape of a running balancer), access logs, tracing. Everything runs on the virtual clock
// with fixed seeds, so the output is the same on every run.
import { done, step } from "../00-common/demo";
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
// Access logs (tasks 4–5): namespaced, so the other parts' imports stay free.
import * as logsFs from "node:fs";
import * as logsOs from "node:os";
import * as logsPath from "node:path";
import * as logsGreen from "../02-hub/green";
import * as logsSim from "../05-green-sockets/sim-network";
import type { Socket as LogsSocket } from "../05-green-sockets/socket";
import * as logsServer from "../07-http/server";
import * as logsTcp from "../08-tcp-proxy/proxy";
import * as logsRoundRobin from "../09-strategies/simple";
import * as logsHttp from "../11-http-proxy/proxy";
import * as accessLog from "./access-log";
import * as logWriter from "./log-writer";
import * as tcpAccess from "./tcp-access";
import { traceDemo } from "./trace-demo";

/**
 * Prints `text` indented by three spaces and wrapped at 80 columns, the width of the demo's recording; a line that
 * goes on is indented by two more (an access-log line is longer than a terminal).
 */
function say(text: string): void {
  const width = 80;
  let rest = text;
  let indent = "   ";
  while (indent.length + rest.length > width) {
    const room = width - indent.length;
    const cut = rest.lastIndexOf(" ", room);
    const at = cut > room / 2 ? cut : room;
    console.log(indent + rest.slice(0, at));
    rest = rest.slice(at).replace(/^ /, "");
    indent = "     ";
  }
  console.log(indent + rest);
}

const show = (line: string): void => console.log(`   ${line}`);

await step("Task 1: a counter and a gauge with labels (responses; connections open)", () => {
  const r = new Registry();
  const responses = r.counter({ name: "hub_lb_http_responses_total", help: "HTTP responses by backend and class.", labelNames: ["backend", "code"] });
  const open = r.gauge({ name: "hub_lb_current_connections", help: "Client connections open now." });
  for (const [backend, status] of [["b1", 200], ["b2", 200], ["b1", 503], ["b1", 204], ["b2", 404]] as const) {
    responses.labels({ backend, code: `${Math.floor(status / 100)}xx` }).inc();
  }
  open.inc(3);
  open.dec();
  show("responses: b1 200, b2 200, b1 503, b1 204, b2 404; 3 connections, 1 closed");
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

await step("Task 3: the text format, then a scrape of a balancer (virtual clock, seed 13)", () => {
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
  show("options: rateLimit { rate: 20/s, burst: 5, nodelay, status 429 };");
  show("b2 fails 1 in 4; 40 requests 30 ms apart; /metrics on its own listener,");
  show("with a token (a simulated host is not loopback). The lines that moved:");
  const keep = /^hub_lb_(http_responses_total|rate_limited_total|request_duration_seconds_(bucket\{[^}]*le="0\.0(05|1|25)"|count))/;
  for (const line of result.split("\n")) if (keep.test(line) && !line.endsWith(" 0")) show(line);
});

/** The wall-clock time the demo's virtual clock starts at: fixed, so every run prints the same lines. */
const LOGS_EPOCH = Date.UTC(2026, 11, 2, 12, 0, 0);

await step("Task 4: access log lines of chapter 11's HTTP and 08's TCP proxy (seed 13)", () => {
  // The example of HAProxy's httplog documentation, as a record: its text line and its JSON line.
  const record = {
    mode: "http" as const,
    client: { host: "10.0.1.2", port: 33317 },
    frontend: "hub",
    pool: "static",
    backend: "srv1",
    accepted: 655,
    received: 665,
    picked: 665,
    connected: 695,
    firstByte: 764,
    done: 764,
    status: 200,
    termination: "--",
    bytesIn: 80,
    bytesOut: 2750,
    retries: 0,
    method: "GET",
    path: "/index.html",
    version: "HTTP/1.1",
  };
  say(`HAProxy's example as text: ${accessLog.formatText(record, LOGS_EPOCH)}`);
  say(`and as JSON: ${accessLog.formatJson(record, LOGS_EPOCH)}`);
  const lines: string[] = [];
  const sink = { write: (line: string) => (lines.push(line), true) };
  logsGreen.runVirtual(function* () {
    const net = new logsSim.SimNetwork({ seed: 13, latency: 1 });
    const at = (host: string, port = 80) => ({ name: host, address: { host, port } });
    // "ok" answers in 5 ms, "slow" in 5 s; nothing listens on "dead"; "far" is up but behind a partition.
    for (const [name, delay] of [["ok", 5], ["slow", 5_000], ["far", 5]] as const) {
      const l = yield* net.host(name).listen(at(name).address);
      logsGreen.spawn(function* () {
        for (;;) {
          logsGreen.spawn(logsServer.handleConnection, yield* l.accept(), function* () {
            yield* logsGreen.sleep(delay);
            return { status: 200, body: "ok" };
          });
        }
      });
    }
    net.partition("lb", "far");
    const names = ["ok", "dead", "far", "slow"];
    const http = yield* logsHttp.startHttpProxy({
      network: net.host("lb"),
      listen: { host: "lb", port: 80 },
      pools: Object.fromEntries(names.map((n) => [n, { backends: [at(n)] }])),
      routes: names.map((n) => ({ name: n, pathPrefix: `/${n}`, pools: n })),
      outlier: null,
      retry: { maxRetries: 0 },
      limits: { connectTimeout: 1_000, serverTimeout: 1_000 },
      onRecord: accessLog.accessLogger(sink, { format: "text", epoch: LOGS_EPOCH }),
    });
    const ask = function* (port: number, bytes: string, leaveAfter: number | null = null) {
      let s: LogsSocket | null = null;
      try {
        s = yield* net.host("client").connect({ host: "lb", port });
        yield* s.sendall(bytes);
        if (leaveAfter !== null) {
          yield* logsGreen.sleep(leaveAfter);
          return s.abort();
        }
        for (let b = yield* s.recv(); b.length > 0; b = yield* s.recv());
      } catch {
        // the proxy cut the connection: its log line says why
      }
      s?.close();
    };
    for (const n of names) yield* ask(80, `GET /${n}/page HTTP/1.1\r\nHost: lb\r\nConnection: close\r\n\r\n`);
    yield* logsGreen.sleep(100);
    yield* http.shutdown(0);
    // Chapter 08's proxy, its network and relay wrapped: one line per connection.
    const tcp = yield* logsTcp.Proxy.start(
      tcpAccess.withAccessRecords(
        { network: net.host("lb"), listen: { host: "lb", port: 81 }, balancer: new logsRoundRobin.RoundRobin([at("ok"), at("dead")]) },
        { frontend: "tcp-in", onRecord: accessLog.accessLogger(sink, { format: "text", epoch: LOGS_EPOCH }) },
      ),
    );
    yield* ask(81, "GET /ok/raw HTTP/1.1\r\nHost: lb\r\nConnection: close\r\n\r\n");
    yield* ask(81, "GET /ok/raw HTTP/1.1\r\nHost: lb\r\n\r\n", 2);
    yield* logsGreen.sleep(100);
    yield* tcp.shutdown(0);
  });
  say("HTTP: client:port [date] frontend pool/server Tq/Tw/Tc/Tr/Tt status bytes termination retries \"request\"");
  say("TCP:  client:port [date] frontend frontend/server Tw/Tc/Tt bytes termination retries");
  for (const line of lines) say(line);
});

await step("Task 5: a log writer that never waits: a stuck sink, a file rotated (SIGHUP)", async () => {
  const stuck: logWriter.LogSink = { write: () => {}, reopen: (done) => done(null), close: (done) => done(null) };
  const w = new logWriter.LogWriter({ sink: stuck, maxBytes: 10_000 });
  const { time } = logsGreen.runVirtual(function* () {
    for (let i = 0; i < 1_000; i++) w.write(`line ${i} `.padEnd(99, "."));
  });
  say(`1,000 lines of 100 bytes to a sink that never answers, maxBytes 10,000: ${w.buffer.length} wait, ${w.dropped} dropped, 1 under way; the writer took ${time} ms of the hub's time`);
  const dir = logsFs.mkdtempSync(logsPath.join(logsOs.tmpdir(), "access-log-demo-"));
  const file = logsPath.join(dir, "access.log");
  const f = new logWriter.LogWriter({ path: file });
  const remove = logWriter.reopenOnSignals(f);
  try {
    f.write("before the rotation");
    await f.flush();
    logsFs.renameSync(file, `${file}.1`);
    process.emit("SIGHUP", "SIGHUP"); // what logrotate sends after its rename (kill -HUP <pid>)
    f.write("after the rotation");
    await f.close();
    console.log(`   access.log.1: ${JSON.stringify(logsFs.readFileSync(`${file}.1`, "utf8"))}`);
    console.log(`   access.log:   ${JSON.stringify(logsFs.readFileSync(file, "utf8"))}`);
  } finally {
    remove();
    logsFs.rmSync(dir, { recursive: true, force: true });
  }
});

await step("Task 6: tracing the hub: a waiter, its setter and a sleeper that is killed", () =>
  traceDemo(say),
);

done();
