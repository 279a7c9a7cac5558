// Instructor-only tests for lab 11-http-proxy: edge cases the public tests leave out. Graded by the instructor's
// grader and the Gradescope autograder; never handed out with the student edition.
import { describe, expect, it } from "vitest";
// imports: forwarding
// Forwarding and the PROXY protocol (tasks 1–2): namespaces, so the names other tasks import stay free.
import * as green02 from "@target/02-hub/green";
import * as httpHeaders from "@target/07-http/headers";
import * as forwarding from "@target/11-http-proxy/forwarding";
import * as proxyAccept from "@target/11-http-proxy/proxy-accept";
import * as proxyProtocol from "@target/11-http-proxy/proxy-protocol";
import * as supportNet from "../support/net";

// /imports: forwarding
// imports: policies
import fc from "fast-check";
import { Headers } from "@target/07-http/headers";
import type { Backend } from "@target/08-tcp-proxy/balancer";
import { RoundRobin } from "@target/09-strategies/simple";
import { KeyedLimiter } from "@target/11-http-proxy/keyed";
import { LimitReq } from "@target/11-http-proxy/rate-limit";
import { RouteTable } from "@target/11-http-proxy/routes";
import { HashAffinity, StickyCookie } from "@target/11-http-proxy/sticky";
import { replayWith, SEED } from "../support/net";

const policySeed = `seed ${SEED}; ${replayWith("test/hidden/11-http-proxy.test.ts")(SEED)}`;
const noHeaders = new Headers();
const hdrs = (...pairs: [string, string][]): Headers => new Headers(pairs);
// /imports: policies
// imports: core
import { getHub } from "@target/02-hub/hub";
import type { Green } from "@target/02-hub/suspend";
import type { Socket } from "@target/05-green-sockets/socket";
import { sleep, spawn, type GreenThread } from "@target/03-cancellation/greenthread";
import { SocketError } from "@target/05-green-sockets/errors";
import { realNetwork } from "@target/05-green-sockets/node-network";
import { mulberry32 } from "@target/05-green-sockets/random";
import { serveHttp } from "@target/07-http/server";
import { startHttpProxy } from "@target/11-http-proxy/proxy";
import { backendOn, backendsNamed, LB, proxyOn, raw, readUntil, statuses } from "../support/http-proxy";
import { readAll, real, request, simulate, untilStalled } from "../support/net";

const HIDDEN_SEED = 20261211;
// /imports: core

// tasks 1–2: forwarding and PROXY protocol
describe("task 1: forwarding headers (instructor)", () => {
  const { Headers } = httpHeaders;
  const fields = (pairs: [string, string][]) => new Headers(pairs);
  const { forwardRequest, stripHopByHop } = forwarding;

  it("reads Connection's options in any case and spacing, over several lines, and keeps an end-to-end field it does not name (1 pts)", () => {
    const h = fields([
      ["Host", "a"],
      ["CONNECTION", " , X-One ,x-TWO,,"],
      ["Connection", "x-three"],
      ["X-One", "1"],
      ["X-Two", "2"],
      ["X-Three", "3"],
      ["X-Four", "4"],
      ["Te", "trailers"],
      ["KEEP-ALIVE", "max=5"],
    ]);
    expect([...stripHopByHop(h)].map(([n]) => n)).toEqual(["Host", "X-Four"]);
    // A trusted hop's X-Forwarded-Host stands; from an untrusted client it is replaced by the Host this proxy saw.
    const withXfh = fields([["Host", "internal:8080"], ["X-Forwarded-Host", "shop.example"], ["X-Forwarded-For", "198.51.100.7"]]);
    const peer = { host: "10.0.0.2", port: 5000 };
    expect(forwardRequest(withXfh, { peer, trustedHops: 1 }).headers.get("x-forwarded-host")).toBe("shop.example");
    expect(forwardRequest(withXfh, { peer }).headers.get("x-forwarded-host")).toBe("internal:8080");
    expect(forwardRequest(withXfh, { peer: { host: "::1", port: 1 }, proto: "https" }).headers.get("forwarded")).toBe(
      'for="[::1]:1";proto=https;host="internal:8080"',
    );
  });
});

describe("task 2: the PROXY protocol (instructor)", () => {
  const { parseProxyHeader, ProxyProtocolError } = proxyProtocol;
  const parse = (text: string) => parseProxyHeader(Buffer.from(text, "latin1"));

  it("holds v1's limits: 107 bytes at most, refused before the CRLF of a longer line; ports and addresses at their ends (1 pts)", () => {
    const line = (n: number): string => `PROXY UNKNOWN ${"a".repeat(n - 16)}\r\n`;
    expect(parse(line(107))?.length).toBe(107);
    expect(() => parse(line(108))).toThrow(/no CRLF in the first 107 bytes/);
    expect(() => parse(line(108).slice(0, 107)), "107 bytes without CRLF are enough to refuse").toThrow(ProxyProtocolError);
    expect(parse(line(108).slice(0, 106)), "106 bytes may still end in CRLF").toBe(null);
    expect(parse("PROXY TCP4 0.0.0.0 255.255.255.255 0 65535\r\n")?.header).toMatchObject({
      source: { host: "0.0.0.0", port: 0 },
      destination: { host: "255.255.255.255", port: 65535 },
    });
    expect(() => parse("PROXY TCP4 1.2.3.256 1.2.3.4 1 2\r\n")).toThrow(/is not an IPv4 address/);
    expect(() => parse("PROXY TCP6 ::ffff:1.2.3.4 ::1 1 2\r\n"), "v1 IPv6 is hexadecimal groups only").toThrow(/is not an IPv6 address/);
    expect(() => parse("PROXY TCP4 1.2.3.4 1.2.3.5 -1 2\r\n")).toThrow(/is not a port/);
    expect(() => parse("proxy TCP4 1.2.3.4 1.2.3.5 1 2\r\n")).toThrow(/not a PROXY protocol header/);
  });

  it("readProxyHeader times out on the virtual clock, refuses a stream that ends inside the header, and stops at a bad first byte (1 pts)", () => {
    const { pair, simulate } = supportNet;
    /** What readProxyHeader throws on the server side when the client sends `pieces` (then waits 5 s, then ends). */
    const outcome = (pieces: string[], timeout: number | null): { name: string; message: string; at: number } => {
      const { result } = simulate({}, function* (net) {
        let seen = { name: "", message: "", at: -1 };
        const client = yield* pair(net, function* (s) {
          try {
            yield* proxyAccept.readProxyHeader(s, { timeout });
            seen = { name: "(a header)", message: "", at: green02.getHub().now() };
          } catch (e) {
            seen = { name: (e as Error).name, message: (e as Error).message, at: green02.getHub().now() };
          }
          s.close();
        });
        for (const p of pieces) yield* client.sendall(p);
        yield* green02.sleep(5000);
        client.shutdown();
        yield* green02.sleep(100);
        client.close();
        return seen;
      });
      return result;
    };
    const timedOut = outcome(["PROXY TCP4 1.2.3.4"], 1000);
    expect(timedOut.name).toBe("TimedOutError");
    expect(timedOut.message).toMatch(/no complete PROXY protocol header within 1000 ms/);
    expect(timedOut.at, "the timeout counts from the start of readProxyHeader").toBeGreaterThanOrEqual(1000);
    expect(timedOut.at).toBeLessThan(1100);
    const ended = outcome(["PROXY TCP4 1.2.3.4"], null);
    expect(ended.name).toBe("ProxyProtocolError");
    expect(ended.message).toMatch(/before the PROXY protocol header was complete/);
    const http = outcome(["GET / HTTP/1.1\r\n"], null);
    expect(http.name).toBe("ProxyProtocolError");
    expect(http.message).toMatch(/not a PROXY protocol header/);
    expect(http.at, "refused at the first byte, not after waiting for more").toBeLessThan(1000);
  });
});

// /tasks 1–2

// tasks 3–4: routing and rate limiting
describe("task 3: routing and sticky sessions (instructor)", () => {
  it("ports follow RFC 9110 (no port is the default port), IPv6 literals split at the bracket, a malformed Host matches nothing, and shadowed rules are found (1 pts)", () => {
    const t = new RouteTable(
      [
        { name: "plain", host: "shop.example.com:80", pools: "plain" },
        { name: "v6", host: "[::1]:8080", pools: "v6" },
        { name: "v6-any", host: "[::1]", pathPrefix: "/a", pools: "v6-any" },
        { name: "any", host: "*", pathPrefix: "/", headers: [{ name: "x-env", present: false }], pools: "any" },
      ],
      { random: () => 0 },
    );
    const pool = (host: string, path = "/", headers = noHeaders) => t.match({ host, path, headers })?.pool;
    expect(pool("SHOP.example.com"), "no port in Host: port 80").toBe("plain");
    expect(pool("shop.example.com:80")).toBe("plain");
    expect(pool("shop.example.com:81"), "another port: not this rule").toBe("any");
    expect(pool("[::1]:8080")).toBe("v6");
    expect(pool("[::1]:9", "/a")).toBe("v6-any");
    expect(pool("[::1]:9", "/a/b")).toBe("v6-any");
    expect(pool("[::1]:9", "/ab")).toBe("any");
    expect(pool("x", "/", hdrs(["X-Env", "prod"])), "present: false means absent").toBeUndefined();
    expect(pool("host:99999"), "a malformed Host matches no rule").toBeUndefined();
    expect(pool("host:8x")).toBeUndefined();
    expect(() => new RouteTable([{ host: "a.example.com", pathPrefix: "/api", pools: "a" }, { host: "a.example.com", pathPrefix: "/api/v1", pools: "b" }])).toThrow(/can never match/);
    expect(() => new RouteTable([{ headers: [{ name: "X-A", present: true }], pools: "a" }, { headers: [{ name: "x-a", exact: "1" }], pools: "b" }])).toThrow(/can never match/);
    expect(() => new RouteTable([{ host: "*.example.com", pools: "a" }, { host: "*.b.example.com", pools: "b" }])).toThrow(/can never match/);
    expect(() => new RouteTable([{ host: "a.example.com:80", pools: "a" }, { host: "a.example.com", pools: "b" }]), "a port narrows: the second still takes other ports").not.toThrow();
    expect(() => new RouteTable([{ host: "www.example.com", pools: "a" }, { host: "*.example.com", pools: "b" }]), "exact before wildcard is fine").not.toThrow();
    expect(() => new RouteTable([{ name: "r", pathPrefix: "/a/", pools: "a" }])).toThrow(/must not end with "\/"/);
    expect(() => new RouteTable([{ name: "r", host: "a.example.com:http", pools: "a" }])).toThrow(/bad port/);
    expect(() => new RouteTable([{ name: "r", headers: [{ name: "x", exact: "1", present: true } as never], pools: "a" }])).toThrow(/exactly one of exact, present, regex/);
  });

  it("a cookie shared by two servers goes to the first one up; hashing moves only the removed backend's keys; bounded loads cap a hot key (1 pts)", () => {
    const bs: Backend[] = Array.from({ length: 4 }, (_, i) => ({ name: `b${i + 1}`, address: { host: `b${i + 1}`, port: 80 } }));
    const twins = [{ ...bs[0], cookie: "pair" }, { ...bs[1], cookie: "pair" }, bs[2]];
    const cookie = hdrs(["Cookie", "SERVERID=pair"]);
    const never = (): Backend => {
      throw new Error("pick must not be called for a valid cookie");
    };
    expect(new StickyCookie().choose(cookie, twins, (b) => b !== twins[0], never).backend, "the first of the pair is down").toBe(twins[1]);
    const bothDown = new StickyCookie().choose(cookie, twins, (b) => b === bs[2], () => bs[2]);
    expect([bothDown.backend, bothDown.cookie]).toEqual([bs[2], "down"]);
    const h = new HashAffinity(bs, new RoundRobin(bs), { on: { source: true }, boundedLoad: null });
    const clients = Array.from({ length: 400 }, (_, i) => `10.0.${i >> 8}.${i & 255}`);
    const before = clients.map((c) => h.pick({ headers: noHeaders, client: c }));
    h.remove(bs[1]);
    const after = clients.map((c) => h.pick({ headers: noHeaders, client: c }));
    clients.forEach((c, i) => {
      if (before[i] !== bs[1]) expect(after[i], `${c} was on ${before[i]?.name}: it must not move`).toBe(before[i]);
      else expect(after[i], `${c} was on the removed b2`).not.toBe(bs[1]);
    });
    const bounded = new HashAffinity(bs, new RoundRobin(bs), { on: { header: "x-user" }, boundedLoad: 0.25 });
    const hot = { headers: hdrs(["x-user", "hot"]), client: "c" };
    const load = new Map<Backend, number>();
    for (let i = 0; i < 40; i++) {
      const b = bounded.pick(hot)!;
      bounded.started(b); // every request stays open: the load only grows
      load.set(b, (load.get(b) ?? 0) + 1);
    }
    for (const [b, n] of load) expect(n, `${b.name} took ${n} of 40 open requests of one key`).toBeLessThanOrEqual(Math.ceil((1.25 * 40) / 4));
    expect(load.size, "a hot key spills over to the next backends on the ring").toBe(4);
  });
});

describe("task 4: rate limiting (instructor)", () => {
  it("limit_req reads a clock that went back as nginx does, and never admits more than rate × window + burst + 1 (fast-check) (1 pts)", () => {
    const l = new LimitReq({ rate: 10, burst: 1, nodelay: true });
    expect([0, 0, 0].map((t) => l.decide(t).kind)).toEqual(["pass", "pass", "reject"]);
    expect(l.decide(-500).kind, "back < 1 min: no time passed, excess 2000 > 1000").toBe("reject");
    expect(l.decide(-120000).kind, "back > 1 min: counted as 1 ms, 10 milli-requests drained").toBe("reject");
    expect(l.excess).toBe(1000);
    expect(l.decide(100).kind).toBe("pass");
    expect(l.last).toBe(100);
    const k = new KeyedLimiter(() => new LimitReq({ rate: 1 }), { maxKeys: 10 });
    k.decide("a", 0);
    k.decide("b", 0);
    k.decide("c", 59000);
    k.decide("d", 61000);
    expect([k.has("a"), k.has("b"), k.has("c"), k.has("d")], "a new key frees up to two drained states idle ≥ 60 s").toEqual([false, false, true, true]);
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 50 }),
        fc.integer({ min: 0, max: 10 }),
        fc.integer({ min: 0, max: 10 }),
        fc.array(fc.integer({ min: 0, max: 200 }), { minLength: 1, maxLength: 80 }),
        (rate, burst, delay, gaps) => {
          const lim = new LimitReq({ rate, burst, delay: Math.min(delay, burst) });
          let t = 0;
          const admitted = gaps.map((g) => ((t += g), lim.decide(t).kind !== "reject" ? t : null)).filter((x): x is number => x !== null);
          for (let i = 0; i < admitted.length; i++) {
            for (let j = i; j < admitted.length; j++) {
              const bound = (rate * (admitted[j] - admitted[i])) / 1000 + burst + 1;
              expect(j - i + 1, `admitted in [${admitted[i]}, ${admitted[j]}] at ${rate} r/s burst ${burst} (${policySeed})`).toBeLessThanOrEqual(bound);
            }
          }
        },
      ),
      { numRuns: 150, seed: SEED },
    );
  });
});
// /tasks 3–4

// tasks 5–6 and the whole proxy

describe("task 5: the whole proxy, edge cases", () => {
  it("passes a WebSocket upgrade through: the 101, then bytes both ways, cut after the tunnel timeout; a refused upgrade closes (1 pts)", () => {
    const { result } = simulate({ seed: HIDDEN_SEED, latency: 1 }, function* (net) {
      const [b] = backendsNamed("ws");
      const l = yield* net.host("ws").listen(b.address);
      spawn(function* () {
        for (;;) {
          const s = yield* l.accept();
          spawn(function* () {
            try {
              yield* wsSession(s);
            } catch (e) {
              if (!(e instanceof SocketError)) throw e; // the proxy cut the idle tunnel
            }
          });
        }
      });
      /** The backend's side: a WebSocket handshake answered 101, then an echo; anything else gets a 400. */
      function* wsSession(s: Socket): Green<void> {
        const head = yield* readUntil(s, "\r\n\r\n");
        if (!/upgrade: websocket/i.test(head)) {
          yield* s.sendall("HTTP/1.1 400 Bad Request\r\nContent-Length: 2\r\n\r\nno");
          return;
        }
        // The 101 and the first frame in one packet: the proxy must not lose the bytes after the head.
        yield* s.sendall("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\nhello ");
        for (let m = yield* s.recv(); m.length > 0; m = yield* s.recv()) yield* s.sendall(`echo:${m.toString()}`);
        s.close();
      }
      const proxy = yield* proxyOn(net, [b], { limits: { tunnelTimeout: 2000 } });
      const c = yield* net.host("client").connect(LB);
      yield* c.sendall("GET /chat HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n");
      const opened = yield* readUntil(c, "hello ");
      yield* c.sendall("ping");
      const echoed = yield* readUntil(c, "echo:ping");
      const t0 = getHub().now();
      let rest = "";
      try {
        rest = yield* readUntil(c, "never"); // the tunnel is idle now: cut after the timeout
      } catch (e) {
        rest = (e as Error).name;
      }
      const cutAfter = getHub().now() - t0;
      c.close();
      const refused = yield* raw(net.host("client"), "GET /chat HTTP/1.1\r\nHost: x\r\nUpgrade: h2c\r\nConnection: Upgrade\r\n\r\n", "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
      return { opened, echoed, rest, cutAfter, upgrades: proxy.counters.upgrades, refused: refused.text };
    });
    expect(result.opened).toMatch(/^HTTP\/1\.1 101 Switching Protocols\r\n/);
    expect(result.opened).toMatch(/Upgrade: websocket\r\n/);
    expect(result.opened.endsWith("\r\n\r\nhello "), "the bytes right after the 101 reached the client").toBe(true);
    expect(result.echoed).toBe("echo:ping");
    expect(result.rest, "cut: a reset (the tunnel did not end cleanly)").toBe("ConnectionResetError");
    expect(result.cutAfter).toBeGreaterThanOrEqual(2000);
    expect(result.cutAfter).toBeLessThanOrEqual(4100);
    expect(result.upgrades).toBe(1);
    expect(statuses(result.refused), "refused: the answer, then the connection closes").toEqual([400]);
  });

  it("a slow client slows the backend: a large response is streamed, never held whole (1 pts)", () => {
    const SIZE = 8 << 20;
    const { result } = simulate({ seed: HIDDEN_SEED, latency: 1 }, function* (net) {
      const [b] = backendsNamed("big");
      let written = 0;
      let done = false;
      yield* backendOn(net, b, function* () {
        return {
          headers: { "Content-Length": String(SIZE) },
          *body(write) {
            for (let i = 0; i < SIZE / 65536; i++) {
              yield* write(Buffer.alloc(65536, i & 0xff));
              written += 65536;
            }
            done = true;
          },
        };
      });
      yield* proxyOn(net, [b]);
      const c = yield* net.host("client").connect(LB);
      yield* c.sendall("GET /big HTTP/1.1\r\nHost: x\r\n\r\n");
      yield* c.recv(1000); // reads a little, then stops
      const stalled = yield* untilStalled(() => written, () => done, 200);
      const heldWhenStalled = written;
      let read = 0;
      for (let got = yield* c.recv(); read + got.length < SIZE && got.length > 0; got = yield* c.recv()) read += got.length;
      yield* sleep(100);
      c.close();
      return { stalled, heldWhenStalled, done };
    });
    expect(result.stalled, "the backend's writes stopped while the client did not read").toBe(true);
    expect(result.heldWhenStalled, "only buffers' worth was taken from the backend").toBeLessThan(SIZE / 2);
    expect(result.done, "and the whole body went through once the client read").toBe(true);
  });
});

describe("task 6: chapter 10 per request, and the slowloris on loopback", () => {
  it("retries a GET answered 503 on another backend, not a POST; a silent backend is a 504; the breaker answers 503 (1 pts)", () => {
    const { result } = simulate({ seed: HIDDEN_SEED, latency: 1 }, function* (net) {
      const [sick, well, mute] = backendsNamed("sick", "well", "mute");
      yield* backendOn(net, sick, function* () {
        return { status: 503, body: "busy" };
      });
      yield* backendOn(net, well);
      yield* backendOn(net, mute, function* () {
        yield* sleep(60_000);
        return { body: "late" };
      });
      const p = yield* proxyOn(net, [sick, well], { strategy: "round-robin", random: mulberry32(HIDDEN_SEED) });
      const gets: number[] = [];
      for (let i = 0; i < 4; i++) gets.push(...statuses((yield* raw(net.host("c"), "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")).text));
      const posts: number[] = [];
      for (let i = 0; i < 2; i++) posts.push(...statuses((yield* raw(net.host("c"), "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nConnection: close\r\n\r\nx")).text));
      const retries = p.counters.retries;
      yield* p.shutdown(0);
      const q = yield* proxyOn(net, [mute], { limits: { serverTimeout: 1000 }, retry: { maxRetries: 0 } });
      const timedOut = yield* raw(net.host("c"), "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
      yield* q.shutdown(0);
      const r = yield* proxyOn(net, [well], { breaker: { maxRequests: 0 } });
      const overloaded = yield* raw(net.host("c"), "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
      yield* r.shutdown(0);
      return { gets, posts, retries, timedOut: { s: statuses(timedOut.text), at: timedOut.at }, overloaded: overloaded.text };
    });
    expect(result.gets, "every GET ends on the well backend").toEqual([200, 200, 200, 200]);
    expect(result.posts.sort(), "a POST is not retried: one of the two gets the 503").toEqual([200, 503]);
    expect(result.retries, "round robin starts every GET on the sick backend: each is retried once").toBe(4);
    expect(result.timedOut.s).toEqual([504]);
    expect(result.overloaded).toMatch(/^HTTP\/1\.1 503 /);
  });

  it("1,000 slowloris clients on loopback are cut at the header timeout while a normal client is served at once (1 pts)", async () => {
    const N = Number(process.env.SLOW_N ?? 1000);
    const out = await real(function* () {
      const bl = yield* realNetwork.listen({ host: "127.0.0.1", port: 0 });
      spawn(serveHttp, bl, function* () {
        return { body: "ok" };
      });
      const p = yield* startHttpProxy({ network: realNetwork, listen: { host: "127.0.0.1", port: 0 }, backends: [{ name: "b", address: bl.address }], outlier: null, limits: { headerTimeout: 8000 } });
      const t0 = Date.now();
      const heap0 = process.memoryUsage().heapUsed;
      // They arrive a hundred at a time, each hundred once the proxy has accepted the one before, so the listen
      // backlog never overflows (a dropped SYN is sent again only after a second).
      function* slowClient(): Green<string> {
        const s = yield* realNetwork.connect(p.address);
        // A header line now and then: the head never ends.
        const drip = spawn(function* () {
          try {
            yield* s.sendall("GET / HTTP/1.1\r\n");
            for (let i = 0; ; i++) {
              yield* sleep(400);
              yield* s.sendall(`X-Drip-${i}: y\r\n`);
            }
          } catch (e) {
            if (!(e instanceof SocketError)) throw e; // cut by the proxy: what the test wants
          }
        });
        try {
          return (yield* readAll(s)).toString("latin1");
        } catch (e) {
          return (e as Error).name;
        } finally {
          yield* drip.kill();
          s.close();
        }
      }
      const slow: GreenThread<string>[] = [];
      for (let batch = 0; batch < N / 100; batch++) {
        for (let i = 0; i < 100; i++) slow.push(spawn(slowClient));
        for (let k = 0; k < 400 && p.connections.size < slow.length; k++) yield* sleep(5);
      }
      for (let i = 0; i < 500 && p.connections.size < N; i++) yield* sleep(10);
      const allOpenAfter = Date.now() - t0;
      const served = yield* request(realNetwork, p.address, "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 1000);
      const during = p.connections.size;
      const heapDuring = process.memoryUsage().heapUsed - heap0;
      const answers: string[] = [];
      for (const t of slow) answers.push(yield* t.wait());
      yield* p.shutdown(0);
      bl.close();
      return { served, during, heapDuring, answers, allOpenAfter };
    }, 25_000);
    console.log(`slowloris: ${N} slow clients, ${out.during} connections open (after ${out.allOpenAfter} ms) while one more was served, heap +${(out.heapDuring / 1e6).toFixed(1)} MB`);
    expect(out.served).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(out.during, "the slow clients were all accepted and still open").toBeGreaterThanOrEqual(N);
    expect(out.answers.filter((a) => a.startsWith("HTTP/1.1 408")).length, "each slow client got its 408").toBe(N);
    expect(out.heapDuring, "a slow client costs kilobytes, not its head's worth of buffers").toBeLessThan(64e6);
  }, 30_000);
});

// /tasks 5–6
