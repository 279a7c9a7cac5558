// What the tests of chapter 11 share: backends that say what they received, the proxy on a simulated network, and
// raw clients; and the check that chapters 12 and 13 make of lab 11's proxy before the tests that run on it. Imports the code under test only through `@target/…`, so it runs against the reference or a lab.
import { getHub } from "@target/02-hub/hub";
import type { Green } from "@target/02-hub/suspend";
import { sleep, spawn } from "@target/03-cancellation/greenthread";
import { SocketError } from "@target/05-green-sockets/errors";
import type { SimNetwork } from "@target/05-green-sockets/sim-network";
import type { Address, Network, Socket } from "@target/05-green-sockets/socket";
import type { Handler, HttpRequest } from "@target/07-http/handler";
import { handleConnection, type ServerOptions } from "@target/07-http/server";
import type { Backend } from "@target/08-tcp-proxy/balancer";
import { startHttpProxy, type HttpProxy, type HttpProxyOptions } from "@target/11-http-proxy/proxy";
import { SEED, simulate } from "./net";

export const LB: Address = { host: "lb", port: 80 };
export const backendsNamed = (...names: string[]): Backend[] => names.map((name) => ({ name, address: { host: name, port: 80 } }));

/** What a test backend saw: connections accepted and every request, whole. */
export interface Seen {
  connections: number;
  readonly requests: { method: string; target: string; headers: [string, string][]; body: string; remote: string }[];
}

/**
 * Runs chapter 07's server as backend `b` on its host, with `handler` (default: answers "<name> <method> <target>
 * <body length>"), keeping connections alive for a minute unless `options` say otherwise. Counts the connections it accepts, and keeps every request it read.
 */
export function* backendOn(
  net: SimNetwork,
  b: Backend,
  handler?: (req: HttpRequest, body: string) => ReturnType<Handler>,
  options: ServerOptions = {},
): Green<Seen> {
  const seen: Seen = { connections: 0, requests: [] };
  const listener = yield* net.host(b.address.host).listen(b.address);
  const wrapped: Handler = function* (req) {
    const body = handler === undefined || req.framing.kind !== "none" ? yield* req.body.text() : "";
    seen.requests.push({ method: req.method, target: req.target, headers: req.headers.toJSON(), body, remote: req.remote.host });
    if (handler !== undefined) return yield* handler(req, body);
    return { status: 200, headers: { "X-Backend": b.name }, body: `${b.name} ${req.method} ${req.target} ${body.length}` };
  };
  spawn(function* acceptor() {
    for (;;) {
      const s = yield* listener.accept();
      seen.connections++;
      spawn(handleConnection, s, wrapped, { keepAliveTimeout: 60_000, ...options });
    }
  });
  return seen;
}

/** Starts the proxy on host "lb" port 80 of `net`, in front of `backends`. */
export function* proxyOn(net: SimNetwork, backends: readonly Backend[], options: Partial<HttpProxyOptions> = {}): Green<HttpProxy> {
  return yield* startHttpProxy({ network: net.host("lb"), listen: LB, backends, outlier: null, ...options });
}

/**
 * Sends raw bytes from host `from` to the proxy (a number is a pause in virtual ms) and returns everything that came
 * back until the proxy closed, and when. The bytes go from a thread of their own, so an early answer is read at once.
 */
export function* raw(network: Network, ...parts: (string | Buffer | number)[]): Green<{ text: string; at: number }> {
  const sock = yield* network.connect(LB);
  spawn(function* () {
    try {
      for (const p of parts) {
        if (typeof p === "number") yield* sleep(p);
        else yield* sock.sendall(p);
      }
    } catch (e) {
      if (!(e instanceof SocketError)) throw e; // the proxy closed on us: what some tests want
    }
  });
  const got: Buffer[] = [];
  try {
    for (let b = yield* sock.recv(); b.length > 0; b = yield* sock.recv()) got.push(b);
  } catch (e) {
    if (!(e instanceof SocketError)) throw e;
  }
  sock.close();
  return { text: Buffer.concat(got).toString("latin1"), at: getHub().now() };
}

/** Reads from `sock` until `until` has been seen (or the stream ends); returns the text read. */
export function* readUntil(sock: Socket, until: string): Green<string> {
  let text = "";
  while (!text.includes(until)) {
    const b = yield* sock.recv();
    if (b.length === 0) break;
    text += b.toString("latin1");
  }
  return text;
}

/** The status codes of every response in `text`, in order. */
export const statuses = (text: string): number[] => [...text.matchAll(/HTTP\/1\.[01] (\d{3})/g)].map((m) => Number(m[1]));

/** What lab 11 is asked for before a later lab's test that runs on its proxy (requireLab's `what`). */
export const LAB11_PROXY = "startHttpProxy";

/**
 * Lab 11's proxy forwards two requests of one keep-alive connection to a backend and brings both answers back, as
 * chapters 12 and 13 build on it. Throws, saying what came back, when it does not.
 */
export function lab11ProxyForwards(): void {
  const { result } = simulate({ seed: SEED, latency: 1 }, function* (net) {
    const bs = backendsNamed("b1");
    yield* backendOn(net, bs[0]!);
    const proxy = yield* proxyOn(net, bs);
    const got = yield* raw(net.host("c"), "GET /x HTTP/1.1\r\nHost: lb\r\n\r\nGET /y HTTP/1.1\r\nHost: lb\r\nConnection: close\r\n\r\n");
    yield* proxy.shutdown(0);
    return got.text;
  });
  if (statuses(result).join() !== "200,200" || !result.includes("b1 GET /x 0") || !result.includes("b1 GET /y 0")) {
    throw new Error(`two requests on one connection through its proxy to backend b1 got ${JSON.stringify(result.slice(0, 300))}, not two 200s answering "b1 GET /x 0" and "b1 GET /y 0"`);
  }
}
