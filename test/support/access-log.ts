// What the access-log tests of chapter 13 share: sample records, a sink in memory, and the proxies of chapters 08
// and 11 on a simulated network with their records logged. Imports the code under test only through `@target/…`,
// so it runs against the reference or a lab.
import type { Green } from "@target/02-hub/suspend";
import { sleep, spawn } from "@target/03-cancellation/greenthread";
import { SocketError } from "@target/05-green-sockets/errors";
import type { SimNetwork } from "@target/05-green-sockets/sim-network";
import type { Address, Socket } from "@target/05-green-sockets/socket";
import { handleConnection } from "@target/07-http/server";
import type { Backend } from "@target/08-tcp-proxy/balancer";
import { Proxy, type ProxyOptions } from "@target/08-tcp-proxy/proxy";
import { RoundRobin } from "@target/09-strategies/simple";
import type { AccessRecord } from "@target/11-http-proxy/access-record";
import { startHttpProxy, type HttpProxy, type HttpProxyOptions } from "@target/11-http-proxy/proxy";
import { accessLogger, type AccessLogOptions } from "@target/13-observability/access-log";
import { withAccessRecords } from "@target/13-observability/tcp-access";

/** The wall-clock time at hub time 0 in these tests: 2 December 2026, 12:00:00.000 UTC. */
export const EPOCH = Date.UTC(2026, 11, 2, 12, 0, 0);
export const LB: Address = { host: "lb", port: 80 };

/** A LineSink that keeps every line. */
export function memorySink(): { lines: string[]; write(line: string): boolean } {
  const lines: string[] = [];
  return { lines, write: (line) => (lines.push(line), true) };
}

/** A complete HTTP record: every phase reached, a 200. */
export function httpRecord(over: Partial<AccessRecord> = {}): AccessRecord {
  return {
    mode: "http",
    client: { host: "10.0.1.2", port: 33317 },
    frontend: "hub",
    pool: "static",
    backend: "srv1",
    status: 200,
    accepted: 655,
    received: 665,
    picked: 665,
    connected: 695,
    firstByte: 764,
    done: 764,
    termination: "--",
    bytesIn: 80,
    bytesOut: 2750,
    retries: 0,
    method: "GET",
    path: "/index.html",
    version: "HTTP/1.1",
    ...over,
  };
}

/** A complete TCP record. */
export function tcpRecord(over: Partial<AccessRecord> = {}): AccessRecord {
  return {
    mode: "tcp",
    client: { host: "10.0.1.2", port: 33313 },
    frontend: "fnt",
    backend: "srv1",
    status: null,
    accepted: 1443,
    received: null,
    picked: 1443,
    connected: 1448,
    firstByte: 1460,
    done: 6450,
    termination: "--",
    bytesIn: 30,
    bytesOut: 212,
    retries: 0,
    ...over,
  };
}

/** Chapter 07's server as backend `b`, answering 200 "ok" after `delay` ms. */
export function* slowBackend(net: SimNetwork, b: Backend, delay = 5): Green<void> {
  const listener = yield* net.host(b.address.host).listen(b.address);
  spawn(function* () {
    for (;;) {
      const s = yield* listener.accept();
      spawn(handleConnection, s, function* () {
        yield* sleep(delay);
        return { status: 200, body: "ok" };
      });
    }
  });
}

/**
 * Chapter 11's proxy on host "lb" of `net`, its records logged with `accessLogger` into `sink` (text lines unless
 * `log` says otherwise), no outlier detection and no retry unless `options` say otherwise.
 */
export function* loggedHttpProxy(
  net: SimNetwork,
  backends: readonly Backend[],
  sink: { write(line: string): boolean },
  options: Partial<HttpProxyOptions> = {},
  log: AccessLogOptions = {},
): Green<HttpProxy> {
  return yield* startHttpProxy({
    network: net.host("lb"),
    listen: LB,
    backends,
    outlier: null,
    retry: { maxRetries: 0 },
    onRecord: accessLogger(sink, { format: "text", epoch: EPOCH, ...log }),
    ...options,
  });
}

/** Chapter 08's proxy on host "lb", round robin over `backends`, one record per connection into `sink`. */
export function* loggedTcpProxy(
  net: SimNetwork,
  backends: readonly Backend[],
  sink: { write(line: string): boolean },
  options: Partial<ProxyOptions> = {},
): Green<Proxy> {
  const base: ProxyOptions = { network: net.host("lb"), listen: LB, balancer: new RoundRobin(backends), ...options };
  return yield* Proxy.start(withAccessRecords(base, { frontend: "fnt", onRecord: accessLogger(sink, { format: "text", epoch: EPOCH }) }));
}

/**
 * Sends `request` from host "client" to the proxy (at `to`) and reads the answer until the proxy closes, or aborts the
 * connection after `abortAfter` ms. Returns what came back.
 */
export function* ask(net: SimNetwork, request: string, abortAfter: number | null = null, to: Address = LB): Green<string> {
  let sock: Socket | null = null;
  let text = "";
  try {
    sock = yield* net.host("client").connect(to);
    yield* sock.sendall(request);
    if (abortAfter !== null) {
      yield* sleep(abortAfter);
      sock.abort();
      return "";
    }
    for (let b = yield* sock.recv(); b.length > 0; b = yield* sock.recv()) text += b.toString("latin1");
  } catch (e) {
    if (!(e instanceof SocketError)) throw e; // the proxy cut the connection: what some tests want
  }
  sock?.close();
  return text;
}

/** The fields of a text line, by the pattern the lab README documents (HTTP). */
export const HTTP_LINE =
  /^(?<client>\S+):(?<port>\d+) \[(?<date>\d\d\/[A-Z][a-z]{2}\/\d{4}:\d\d:\d\d:\d\d\.\d{3})\] (?<frontend>\S+) (?<pool>\S+)\/(?<server>\S+) (?<timers>-?\d+\/-?\d+\/-?\d+\/-?\d+\/-?\d+) (?<status>-?\d+) (?<bytes>\d+) (?<termination>\S\S) (?<retries>\d+) "(?<request>[^"]*)"$/;
/** The same for TCP. */
export const TCP_LINE =
  /^(?<client>\S+):(?<port>\d+) \[(?<date>\d\d\/[A-Z][a-z]{2}\/\d{4}:\d\d:\d\d:\d\d\.\d{3})\] (?<frontend>\S+) (?<pool>\S+)\/(?<server>\S+) (?<timers>-?\d+\/-?\d+\/-?\d+) (?<bytes>\d+) (?<termination>\S\S) (?<retries>\d+)$/;

/** The named fields of `line`, or a failure that shows the line. */
export function fieldsOf(line: string, pattern: RegExp): Record<string, string> {
  const m = pattern.exec(line);
  if (m === null || m.groups === undefined) throw new Error(`this line does not match the documented pattern:\n  ${line}`);
  return m.groups;
}
