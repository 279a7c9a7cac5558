// Chapter 11 demo: `npm run lab 11`. Each lab task's part at work, then the whole HTTP proxy on a simulated network
// in front of chapter 07's server: keep-alive on both sides, refused requests, routes, a sticky cookie, a rate limit,
// a WebSocket tunnel and a retried 503. Virtual clock, fixed seeds: the output is the same on every run.
import { done, step } from "../00-common/demo";
import { getHub, runVirtual, sleep } from "../02-hub/green";
import type { Green } from "../02-hub/suspend";
import { spawn } from "../03-cancellation/greenthread";
import { SocketError } from "../05-green-sockets/errors";
import { mulberry32 } from "../05-green-sockets/random";
import { SimNetwork } from "../05-green-sockets/sim-network";
import type { Address, Network, Socket } from "../05-green-sockets/socket";
import type { Handler } from "../07-http/handler";
import { handleConnection } from "../07-http/server";
import type { Backend } from "../08-tcp-proxy/balancer";
import { RATE_TITLE, rateLimitDemo, ROUTING_TITLE, routingDemo } from "./policies-demo";
import { BackendPool } from "./pool";
import { startHttpProxy, type HttpProxyOptions } from "./proxy";
import { validateRequest } from "./validate";
import { RequestParser } from "../07-http/parser";

const log = (line: string): void => console.log(`   ${line}`);
const SEED = 11;
const LB: Address = { host: "lb", port: 80 };
const backend = (name: string): Backend => ({ name, address: { host: name, port: 80 } });

/** Chapter 07's server as a backend that answers with its name, what it got, and the client address it saw. */
function* startBackend(net: SimNetwork, b: Backend, handler?: Handler): Green<{ connections: number }> {
  const counts = { connections: 0 };
  const l = yield* net.host(b.address.host).listen(b.address);
  const echo: Handler = function* (req) {
    const body = yield* req.body.text();
    return { headers: { "X-Backend": b.name }, body: `${b.name}: ${req.method} ${req.target} ${body.length} B, X-Forwarded-For ${req.headers.get("x-forwarded-for")}` };
  };
  spawn(function* () {
    for (;;) {
      const s = yield* l.accept();
      counts.connections++;
      spawn(handleConnection, s, handler ?? echo, { keepAliveTimeout: 60_000 });
    }
  });
  return counts;
}

/** Sends `text` from host "client" and returns what came back until the proxy closed, status lines and bodies only. */
function* exchange(network: Network, text: string): Green<string> {
  const s = yield* network.connect(LB);
  yield* s.sendall(text);
  let got = "";
  try {
    for (let b = yield* s.recv(); b.length > 0; b = yield* s.recv()) got += b.toString("utf8");
  } catch (e) {
    if (!(e instanceof SocketError)) throw e;
    got += "(reset)";
  }
  s.close();
  return got;
}

/** A response as one short line: "200 OK | body" (or the first line of each of several). */
const brief = (text: string): string =>
  text
    .split(/(?=HTTP\/1\.1 \d{3})/)
    .filter((r) => r.length > 0)
    .map((r) => {
      const [head, body = ""] = r.split("\r\n\r\n");
      const extra = head.split("\r\n").filter((l) => /^(Set-Cookie|Retry-After|Transfer-Encoding|Upgrade):/i.test(l));
      const status = head.split("\r\n")[0].slice(9);
      // The proxy's own refusals repeat their status in the body: only the detail after it is worth showing.
      const text = body.trim().replace(/^\d{3} [^:]*: /, "").slice(0, 72);
      return `${status}${extra.length ? ` [${extra.join("; ")}]` : ""}${text ? ` | ${text}` : ""}`;
    })
    .join(" / ");

// Tasks 1–2 (forwarding, the PROXY protocol) come from their own files when they are merged.

await step(ROUTING_TITLE, () => routingDemo(log));

await step(RATE_TITLE, () => rateLimitDemo(log));

await step("Task 5: a pool of connections to one backend, maxConnections 2, idleTimeout 1000 ms, queueTimeout 500 ms", () => {
  const { result } = runVirtual(function* () {
    const net = new SimNetwork({ seed: SEED, latency: 1 });
    const b = backend("b1");
    const counts = yield* startBackend(net, b);
    const pool = new BackendPool(b, net.host("lb"), { maxConnections: 2, idleTimeout: 1000 }, { connectTimeout: 1000, queueTimeout: 500, serverTimeout: 5000 });
    const lines: string[] = [];
    const a = yield* pool.acquire();
    const c = yield* pool.acquire();
    lines.push(`two acquires: ${pool.open} open, ${pool.stats.connects} connects`);
    const waiter = spawn(function* () {
      const up = yield* pool.acquire();
      return up === a ? "the waiter got the released connection" : "the waiter got another connection";
    });
    yield* sleep(100);
    pool.release(a, true);
    lines.push(`a third waits at the cap; 100 ms later one is released: ${yield* waiter.wait()}`);
    pool.release(a, true);
    pool.release(c, true);
    const again = yield* pool.acquire();
    lines.push(`both released, then acquire: ${again === c ? "the most recently released (LIFO)" : "the older one"}; reuses ${pool.stats.reuses}`);
    pool.release(again, true);
    yield* sleep(1500);
    lines.push(`1500 ms idle: ${pool.open} open, ${pool.stats.expired} closed for their age; the backend accepted ${counts.connections}`);
    return lines;
  });
  for (const line of result) log(line);
});

await step("Task 6: validateRequest, on heads chapter 07's parser accepted", () => {
  const heads = [
    "GET /a HTTP/1.1\r\nHost: shop.test\r\n\r\n",
    "GET http://shop.test:8080/cart?id=7 HTTP/1.1\r\nHost: other.test\r\n\r\n",
    "CONNECT shop.test:443 HTTP/1.1\r\nHost: shop.test:443\r\n\r\n",
    "GET / HTTP/1.1\r\nHost: shop.test/admin\r\n\r\n",
    "PUT /f HTTP/1.1\r\nHost: shop.test\r\nExpect: 200-ok\r\nContent-Length: 1\r\n\r\nx",
    "POST /up HTTP/1.1\r\nHost: shop.test\r\nTransfer-Encoding: chunked\r\n\r\n",
  ];
  log("rules: { lengthRequired: true }");
  for (const text of heads) {
    const e = new RequestParser().push(Buffer.from(text, "latin1")).find((x) => x.type === "head");
    if (e?.type !== "head") continue;
    let verdict: string;
    try {
      verdict = `forward to ${JSON.stringify(validateRequest(e.head, { lengthRequired: true }))}`;
    } catch (err) {
      verdict = `${(err as { status?: number }).status} ${(err as Error).message}`;
    }
    log(`${text.split("\r\n")[0].padEnd(58)} → ${verdict}`);
  }
});

await step("The whole proxy: 2 backends, round robin, chapter 07's parser limits, headerTimeout 10 s, 1 retry", () => {
  const { result } = runVirtual(function* () {
    const net = new SimNetwork({ seed: SEED, latency: 1 });
    const bs = [backend("b1"), backend("b2")];
    const counts = [yield* startBackend(net, bs[0]), yield* startBackend(net, bs[1])];
    const options = { strategy: "round-robin", limits: { headerTimeout: 10_000 }, retry: { maxRetries: 1 } } as const;
    log(`options: ${JSON.stringify(options)}`);
    const proxy = yield* startHttpProxy({ network: net.host("lb"), listen: LB, backends: bs, random: mulberry32(SEED), outlier: null, ...options });
    const lines: string[] = [];
    const c = net.host("client");
    const six = Array.from({ length: 6 }, (_, i) => `GET /r${i} HTTP/1.1\r\nHost: shop.test\r\n${i === 5 ? "Connection: close\r\n" : ""}\r\n`).join("");
    const answers = (yield* exchange(c, six)).split(/(?=HTTP\/1\.1 )/).map((r) => `${r.slice(9, 12)} from ${/\r\n\r\n(\w+)/.exec(r)?.[1]}`);
    lines.push(`six pipelined requests on one client connection: ${answers.join(", ")}`);
    lines.push(`backend connections opened: b1 ${counts[0].connections}, b2 ${counts[1].connections}`);
    const chunked = "POST /upload HTTP/1.1\r\nHost: shop.test\r\nTransfer-Encoding: chunked\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n5\r\nhello\r\n0\r\n\r\n";
    lines.push(`a chunked upload with Expect: 100-continue: ${brief(yield* exchange(c, chunked))}`);
    const refused: [string, string][] = [
      ["CL and TE", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n"],
      ["two CLs", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n"],
      ["gzip, chunked", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"],
      ["obs-fold", "GET / HTTP/1.1\r\nHost: x\r\nX-A: 1\r\n 2\r\n\r\n"],
      ["a 9 KB target", `GET /${"a".repeat(9000)} HTTP/1.1\r\nHost: x\r\n\r\n`],
      ["HTTP/2.0", "GET / HTTP/2.0\r\nHost: x\r\n\r\n"],
    ];
    const before = counts[0].connections + counts[1].connections;
    for (const [name, text] of refused) lines.push(`${name.padEnd(14)} → ${brief(yield* exchange(c, text))}`);
    lines.push(`backend connections opened by the refused requests: ${counts[0].connections + counts[1].connections - before}`);
    const t0 = getHub().now();
    const slow = spawn(function* () {
      const s = yield* net.host("slow").connect(LB);
      let got = "";
      const drip = spawn(function* () {
        try {
          yield* s.sendall("GET / HTTP/1.1\r\n");
          for (let i = 0; ; i++) {
            yield* sleep(3000);
            yield* s.sendall(`X-Drip-${i}: y\r\n`);
          }
        } catch (e) {
          if (!(e instanceof SocketError)) throw e;
        }
      });
      for (let b = yield* s.recv(); b.length > 0; b = yield* s.recv()) got += b.toString("latin1");
      yield* drip.kill();
      s.close();
      return got;
    });
    const slowAnswer = yield* slow.wait();
    lines.push(`a slowloris client, a header line every 3 s: ${brief(slowAnswer)}, after ${getHub().now() - t0} ms`);
    lines.push(`refused by the proxy itself: ${JSON.stringify(proxy.counters.refused)}`);
    yield* proxy.shutdown(0);
    return lines;
  });
  for (const line of result) log(line);
});

await step("The whole proxy with policies: routes to 2 pools, a sticky cookie, limit_req rate=1r/s burst=1 nodelay by X-Key (429)", () => {
  const { result } = runVirtual(function* () {
    const net = new SimNetwork({ seed: SEED, latency: 1 });
    const [a1, a2, w1] = ["a1", "a2", "w1"].map(backend);
    for (const b of [a1, a2, w1]) yield* startBackend(net, b);
    const options: Omit<HttpProxyOptions, "network" | "listen"> = {
      pools: { api: { backends: [a1, a2], sticky: { kind: "cookie" } }, web: { backends: [w1] } },
      routes: [
        { name: "api", host: "api.test", pools: "api" },
        { name: "web", host: "www.test", pools: "web" },
      ],
      rateLimit: { by: { header: "X-Key" }, limit: { rate: 1, burst: 1, nodelay: true }, status: 429 },
    };
    log(`routes: api.test → api (a1, a2; cookie SERVERID), www.test → web (w1)`);
    const proxy = yield* startHttpProxy({ network: net.host("lb"), listen: LB, random: mulberry32(SEED), outlier: null, ...options });
    const c = net.host("client");
    const get = (host: string, extra = ""): Green<string> => exchange(c, `GET /p HTTP/1.1\r\nHost: ${host}\r\n${extra}Connection: close\r\n\r\n`);
    const lines: string[] = [];
    const first = yield* get("api.test");
    lines.push(`api.test, no cookie: ${brief(first)}`);
    const cookie = /SERVERID=(\w+)/.exec(first)?.[1];
    for (let i = 0; i < 2; i++) lines.push(`api.test, Cookie SERVERID=${cookie}: ${brief(yield* get("api.test", `Cookie: SERVERID=${cookie}\r\n`))}`);
    lines.push(`nothing.test: ${brief(yield* get("nothing.test"))}`);
    for (let i = 0; i < 3; i++) lines.push(`www.test, X-Key k1, request ${i + 1} at once: ${brief(yield* get("www.test", "X-Key: k1\r\n"))}`);
    yield* proxy.shutdown(0);
    return lines;
  });
  for (const line of result) log(line);
});

await step("The whole proxy: a WebSocket upgrade (tunnelTimeout 2000 ms), and a 503 retried on the other backend", () => {
  const { result } = runVirtual(function* () {
    const net = new SimNetwork({ seed: SEED, latency: 1 });
    const [ws, sick, well] = ["ws", "sick", "well"].map(backend);
    const l = yield* net.host("ws").listen(ws.address);
    spawn(function* () {
      for (;;) {
        const s: Socket = yield* l.accept();
        spawn(function* () {
          try {
            yield* s.recv();
            yield* s.sendall("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n");
            for (let m = yield* s.recv(); m.length > 0; m = yield* s.recv()) yield* s.sendall(`echo ${m.toString()}`);
          } catch (e) {
            if (!(e instanceof SocketError)) throw e;
          }
        });
      }
    });
    yield* startBackend(net, sick, function* () {
      return { status: 503, body: "overloaded" };
    });
    yield* startBackend(net, well);
    const proxy = yield* startHttpProxy({
      network: net.host("lb"),
      listen: LB,
      random: mulberry32(SEED),
      outlier: null,
      limits: { tunnelTimeout: 2000 },
      pools: { ws: { backends: [ws] }, app: { backends: [sick, well] } },
      routes: [
        { pathPrefix: "/chat", pools: "ws" },
        { pools: "app" },
      ],
    });
    const lines: string[] = [];
    const s = yield* net.host("client").connect(LB);
    yield* s.sendall("GET /chat HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n");
    const opened = (yield* s.recv()).toString("latin1");
    yield* s.sendall("hi");
    const echoed = (yield* s.recv()).toString("latin1");
    let cut = "";
    try {
      yield* s.recv();
    } catch (e) {
      cut = (e as Error).name;
    }
    s.close();
    lines.push(`upgrade: ${brief(opened)}; sent "hi", got "${echoed}"; then idle: ${cut} by the tunnel timeout`);
    for (let i = 0; i < 2; i++) lines.push(`GET /page (round robin starts at ${i === 0 ? "sick" : "sick again"}): ${brief(yield* exchange(net.host("client"), "GET /page HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"))}`);
    lines.push(`retries ${proxy.counters.retries}, backoff ${proxy.counters.backoff} ms in all, upgrades ${proxy.counters.upgrades}`);
    yield* proxy.shutdown(0);
    return lines;
  });
  for (const line of result) log(line);
});

done();
