// Chapter 13 demo: `npm run lab 13`. TODO header (owner: metrics).
import { done, step } from "../00-common/demo";
// --- imports: metrics (tasks 1–3)

// --- imports: logs (tasks 4–5)
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

// --- imports: tracing (task 6)

// --- end imports

// --- steps: metrics (tasks 1–3)

// --- steps: logs (tasks 4–5)
/** The wall-clock time the demo's virtual clock starts at: fixed, so every run prints the same lines. */
const LOGS_EPOCH = Date.UTC(2026, 11, 2, 12, 0, 0);

await step("Task 4: access log lines from chapter 11's HTTP proxy and chapter 08's TCP proxy (virtual clock, seed 13)", () => {
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
  console.log(`   HAProxy's example as text: ${accessLog.formatText(record, LOGS_EPOCH)}`);
  console.log(`   and as JSON: ${accessLog.formatJson(record, LOGS_EPOCH)}`);
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
  console.log("   HTTP: client:port [date] frontend pool/server Tq/Tw/Tc/Tr/Tt status bytes termination retries \"request\"");
  console.log("   TCP:  client:port [date] frontend frontend/server Tw/Tc/Tt bytes termination retries");
  for (const line of lines) console.log(`   ${line}`);
});

await step("Task 5: a log writer that never waits — a stuck sink, then a real file rotated with SIGHUP", async () => {
  const stuck: logWriter.LogSink = { write: () => {}, reopen: (done) => done(null), close: (done) => done(null) };
  const w = new logWriter.LogWriter({ sink: stuck, maxBytes: 10_000 });
  const { time } = logsGreen.runVirtual(function* () {
    for (let i = 0; i < 1_000; i++) w.write(`line ${i} `.padEnd(99, "."));
  });
  console.log(`   1,000 lines of 100 bytes to a sink that never answers, maxBytes 10,000: ${w.buffer.length} wait, ${w.dropped} dropped, 1 under way; the writer took ${time} ms of the hub's time`);
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

// --- steps: tracing (task 6)

// --- end steps
done();
