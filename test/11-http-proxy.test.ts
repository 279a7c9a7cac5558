// Grading tests for lab 11-http-proxy. (header: proxy core owner)
import { describe, expect, it } from "vitest";
// imports: forwarding

// /imports: forwarding
// imports: policies
import fc from "fast-check";
import { Headers } from "@target/07-http/headers";
import { mulberry32 } from "@target/05-green-sockets/random";
import type { Backend } from "@target/08-tcp-proxy/balancer";
import { RoundRobin } from "@target/09-strategies/simple";
import { KeyedLimiter, limitKey } from "@target/11-http-proxy/keyed";
import { LimitReq, type Decision } from "@target/11-http-proxy/rate-limit";
import { RouteTable, type RouteRule } from "@target/11-http-proxy/routes";
import { HashAffinity, StickyCookie } from "@target/11-http-proxy/sticky";
import { TokenBucket } from "@target/11-http-proxy/token-bucket";
import { replayWith, SEED } from "./support/net";

const policySeed = `seed ${SEED}; ${replayWith("test/11-http-proxy.test.ts")(SEED)}`;
const hdrs = (...pairs: [string, string][]): Headers => new Headers(pairs);
const req = (host: string, path = "/", headers: Headers = hdrs()) => ({ host, path, headers });
const poolOf = (t: RouteTable, host: string, path = "/", headers: Headers = hdrs()): string | undefined => t.match(req(host, path, headers))?.pool;
const server = (name: string, cookie?: string): Backend & { cookie?: string } => ({ name, address: { host: name, port: 80 }, cookie });
/** The decisions of a limiter for requests at these times, as short strings: "pass", "delay 100", "reject 1". */
const run = (l: { decide(now: number): Decision }, times: number[]): string[] =>
  times.map((t) => {
    const d = l.decide(t);
    return d.kind === "pass" ? "pass" : d.kind === "delay" ? `delay ${d.ms}` : `reject ${d.retryAfterSeconds}`;
  });
const times = (n: number, at: number): number[] => Array.from({ length: n }, () => at);
// /imports: policies
// imports: core

// /imports: core

// tasks 1–2: forwarding and PROXY protocol

// /tasks 1–2

// tasks 3–4: routing and rate limiting
describe("task 3: routing and sticky sessions", () => {
  it("matches hosts case-insensitively with ports and *.domain wildcards, paths by whole segments, headers; first match wins (1 pts)", () => {
    const t = new RouteTable([
      { name: "admin", host: "api.example.com:8443", pools: "admin" },
      { name: "api", host: "API.example.com", pathPrefix: "/api", pools: "api" },
      { name: "canary", host: "*.example.com", headers: [{ name: "X-Canary", exact: "1" }], pools: "canary" },
      { name: "debug", host: "*.example.com", headers: [{ name: "x-debug", present: true }], pools: "debug" },
      { name: "v2", host: "*.example.com", headers: [{ name: "accept", regex: /application\/v2(\+json)?/ }], pools: "v2" },
      { name: "sub", host: "*.example.com", pools: "sub" },
      { name: "other", pools: "fallback" },
    ]);
    expect(poolOf(t, "api.example.com:8443"), "a rule with a port needs that port").toBe("admin");
    expect(poolOf(t, "Api.Example.COM", "/api/users"), "hosts compare case-insensitively").toBe("api");
    expect(poolOf(t, "api.example.com:8080", "/api"), "a rule without a port takes any port").toBe("api");
    expect(poolOf(t, "api.example.com", "/api?x=1"), "the query is not part of the path").toBe("api");
    expect(poolOf(t, "api.example.com", "/apiary"), "/api is a whole segment: /apiary is not under it").toBe("sub");
    expect(poolOf(t, "a.b.example.com"), "*.example.com takes any depth").toBe("sub");
    expect(poolOf(t, "example.com"), "*.example.com does not take example.com itself").toBe("fallback");
    expect(poolOf(t, "x.example.com", "/", hdrs(["x-canary", "1"]))).toBe("canary");
    expect(poolOf(t, "x.example.com", "/", hdrs(["x-canary", "2"])), "exact means exact").toBe("sub");
    expect(poolOf(t, "x.example.com", "/", hdrs(["x-canary", "1"], ["X-Debug", ""])), "first match wins").toBe("canary");
    expect(poolOf(t, "x.example.com", "/", hdrs(["X-Debug", ""])), "present: any value, even empty").toBe("debug");
    expect(poolOf(t, "x.example.com", "/", hdrs(["accept", "application/v2+json"]))).toBe("v2");
    expect(poolOf(t, "x.example.com", "/", hdrs(["accept", "application/v23"])), "a regex matches the whole value").toBe("sub");
    const m = t.match(req("api.example.com", "/api"));
    expect(m?.route.name).toBe("api");
    expect(new RouteTable([{ host: "a.example.com", pools: "a" }]).match(req("b.example.com")), "no rule matches: undefined").toBeUndefined();
  });

  it("splits by weight as Envoy's weighted_clusters: a draw in [0, total), the first running sum above it (1 pts)", () => {
    const rules: RouteRule[] = [{ name: "canary", pools: [{ pool: "stable", weight: 90 }, { pool: "next", weight: 10 }, { pool: "off", weight: 0 }] }];
    const draws = [0, 89.99 / 100, 90 / 100, 0.99999];
    let i = 0;
    const fixed = new RouteTable(rules, { random: () => draws[i++] });
    expect(draws.map(() => poolOf(fixed, "h")), "draws 0, 89, 90, 99 of 100").toEqual(["stable", "stable", "next", "next"]);
    const seeded = new RouteTable(rules, { random: mulberry32(SEED) });
    const counts = new Map<string | undefined, number>();
    for (let n = 0; n < 10000; n++) {
      const p = poolOf(seeded, "h");
      counts.set(p, (counts.get(p) ?? 0) + 1);
    }
    expect(counts.get("off"), "weight 0 is never picked").toBeUndefined();
    const next = counts.get("next") ?? 0;
    expect(next > 850 && next < 1150, `10% of 10000 went to "next": ${next} (${policySeed})`).toBe(true);
  });

  it("rejects a table with mistakes at construction, and prints one line per rule (1 pts)", () => {
    expect(() => new RouteTable([{ name: "r", pools: [] }])).toThrow(/route "r": has no pools/);
    expect(() => new RouteTable([{ name: "r", pools: [{ pool: "a", weight: -1 }] }])).toThrow(/weight of pool "a" must be a non-negative integer/);
    expect(() => new RouteTable([{ name: "r", pools: [{ pool: "a", weight: 0 }] }])).toThrow(/total weight is 0/);
    expect(() => new RouteTable([{ name: "r", pathPrefix: "api", pools: "a" }])).toThrow(/must start with "\/"/);
    expect(() => new RouteTable([{ name: "r", host: "a.*.com", pools: "a" }])).toThrow(/bad host pattern/);
    expect(() => new RouteTable([{ name: "all", pools: "a" }, { name: "api", pathPrefix: "/api", pools: "b" }])).toThrow(
      /route "api" can never match: route "all" before it takes every request it would/,
    );
    expect(() => new RouteTable([{ host: "*.example.com", pools: "a" }, { host: "www.example.com", pools: "b" }]), "a wildcard before a name it covers").toThrow(/can never match/);
    const t = new RouteTable([
      { name: "api", host: "api.example.com", pathPrefix: "/v1", headers: [{ name: "x-canary", exact: "1" }], pools: [{ pool: "v1", weight: 9 }, { pool: "v2" }] },
      { name: "rest", pools: "web" },
    ]);
    expect(String(t).split("\n")).toEqual(["1. api  host=api.example.com path=/v1 headers=[x-canary=1] -> v1*9 v2*1", "2. rest  host=* path=/ -> web"]);
  });

  it("sticky cookie: insert with nocache, indirect removes it from the request, a down or unknown server is redispatched (1 pts)", () => {
    const s1 = server("s1");
    const s2 = server("s2", "web2");
    const s3 = server("s3");
    const all = [s1, s2, s3];
    const up = new Set<Backend>(all);
    const picks: Backend[] = [];
    const pick = (b: Backend) => () => (picks.push(b), b);
    const sticky = new StickyCookie();
    const fresh = sticky.choose(hdrs(["Host", "h"]), all, (b) => up.has(b), pick(s1));
    expect(fresh.backend).toBe(s1);
    expect(fresh.cookie).toBe("none");
    expect(fresh.addToResponse).toEqual([["Set-Cookie", "SERVERID=s1; path=/"], ["Cache-Control", "private"]]);
    const back = sticky.choose(hdrs(["Cookie", "sid=abc; SERVERID=web2; lang=en"]), all, (b) => up.has(b), pick(s3));
    expect(back.backend, "the cookie value is the server's `cookie`, not its name").toBe(s2);
    expect(back.cookie).toBe("valid");
    expect(back.addToResponse, "indirect: a valid cookie gets no new Set-Cookie").toEqual([]);
    expect(back.forward.getAll("cookie"), "indirect: the other cookies go on, ours does not").toEqual(["sid=abc; lang=en"]);
    expect(picks, "a valid cookie needs no pick").toEqual([s1]);
    const only = sticky.choose(hdrs(["Cookie", "SERVERID=web2"], ["Accept", "*/*"]), all, (b) => up.has(b), pick(s3));
    expect(only.forward.has("cookie"), "a Cookie header left empty is dropped").toBe(false);
    expect(only.forward.get("accept")).toBe("*/*");
    up.delete(s2);
    const down = sticky.choose(hdrs(["Cookie", "SERVERID=web2"]), all, (b) => up.has(b), pick(s3));
    expect([down.backend, down.cookie]).toEqual([s3, "down"]);
    expect(down.addToResponse[0]).toEqual(["Set-Cookie", "SERVERID=s3; path=/"]);
    const unknown = sticky.choose(hdrs(["Cookie", "SERVERID=gone"]), all, (b) => up.has(b), pick(s1));
    expect([unknown.backend, unknown.cookie]).toEqual([s1, "invalid"]);
    const plain = new StickyCookie({ name: "LB", nocache: false }).choose(hdrs(), all, () => true, pick(s1));
    expect(plain.addToResponse, "nocache off: no Cache-Control").toEqual([["Set-Cookie", "LB=s1; path=/"]]);
  });

  it("hashes a header or the client address onto chapter 09's ring; without the header, the pool's strategy picks (1 pts)", () => {
    const bs = Array.from({ length: 5 }, (_, i) => server(`b${i + 1}`));
    const byUser = new HashAffinity(bs, new RoundRobin(bs), { on: { header: "x-user" }, boundedLoad: null, random: mulberry32(SEED) });
    const users = Array.from({ length: 200 }, (_, i) => `user-${i}`);
    const first = users.map((u) => byUser.pick({ headers: hdrs(["X-User", u]), client: "10.0.0.1" }));
    const again = users.map((u) => byUser.pick({ headers: hdrs(["X-User", u]), client: "10.0.0.9" }));
    expect(again, "the same header value goes to the same backend, whoever sends it").toEqual(first);
    expect(new Set(first).size, "200 users spread over all 5 backends").toBe(5);
    expect(byUser.keyOf({ headers: hdrs(), client: "10.0.0.1" }), "no header: nothing to hash on").toBeUndefined();
    const fallback = [1, 2, 3].map(() => byUser.pick({ headers: hdrs(), client: "10.0.0.1" })?.name);
    expect(fallback, "without the header, round robin picks").toEqual(["b1", "b2", "b3"]);
    const bySource = new HashAffinity(bs, new RoundRobin(bs), { on: { source: true }, boundedLoad: null });
    expect(bySource.keyOf({ headers: hdrs(["X-User", "u"]), client: "192.0.2.7" })).toBe("192.0.2.7");
    const c = bySource.pick({ headers: hdrs(), client: "192.0.2.7" });
    expect(bySource.pick({ headers: hdrs(["X-User", "other"]), client: "192.0.2.7" }), "source: the address decides").toBe(c);
  });
});

describe("task 4: rate limiting", () => {
  it("limit_req rate=10r/s burst=5 nodelay: 7 requests at t=0 give 6 passes and 1 rejection; at t=100 ms one more passes (1 pts)", () => {
    const l = new LimitReq({ rate: 10, burst: 5, nodelay: true });
    expect(l.rate, "10 r/s kept as milli-requests").toBe(10000);
    expect(l.burst).toBe(5000);
    expect(run(l, times(7, 0)), "the first request is free (excess 0), then +1000 each up to the burst").toEqual([...times(6, 0).map(() => "pass"), "reject 1"]);
    expect(l.excess, "a rejected request changes nothing").toBe(5000);
    expect(run(l, [100, 100]), "100 ms drain 1000 at 10 r/s: one more fits").toEqual(["pass", "reject 1"]);
    expect(run(l, [250]), "excess 5000 − 1500 + 1000").toEqual(["pass"]);
    expect(l.excess).toBe(4500);
    expect(run(l, [10000]), "a long pause drains it all").toEqual(["pass"]);
    expect(l.excess, "max(0, 4500 − 97500 + 1000)").toBe(0);
    expect(() => new LimitReq({ rate: 0 })).toThrow(/invalid rate/);
    expect(() => new LimitReq({ rate: 1, burst: -1 })).toThrow(/invalid burst/);
  });

  it("limit_req delays the excess by (excess − delay)/rate; delay=N lets N through at once (two-stage); Retry-After waits for the drain (1 pts)", () => {
    const plain = new LimitReq({ rate: 10, burst: 5 });
    expect(run(plain, times(7, 0))).toEqual(["pass", "delay 100", "delay 200", "delay 300", "delay 400", "delay 500", "reject 1"]);
    const twoStage = new LimitReq({ rate: 10, burst: 5, delay: 2 });
    expect(run(twoStage, times(7, 0))).toEqual(["pass", "pass", "pass", "delay 100", "delay 200", "delay 300", "reject 1"]);
    const slow = new LimitReq({ rate: 1, burst: 2, nodelay: true });
    expect(run(slow, [0, 0, 0, 0]), "excess 2000 = burst: the next one needs 1000 drained, 1 s at 1 r/s").toEqual(["pass", "pass", "pass", "reject 1"]);
    const slower = new LimitReq({ rate: 2, per: "m", burst: 1, nodelay: true });
    expect(slower.rate, "2 r/m is 33 milli-requests a second, truncated as nginx does").toBe(33);
    expect(run(slower, [0, 0, 0, 10000]), "1000 to drain at 33/s: 30.3 s from the last admitted request").toEqual(["pass", "pass", "reject 31", "reject 21"]);
  });

  it("a token bucket passes while it has a token; with capacity b+1 it decides as limit_req burst=b nodelay (fast-check) (1 pts)", () => {
    const b = new TokenBucket({ capacity: 3, rate: 2 });
    expect(run(b, [0, 0, 0, 0]), "starts full: 3 at once").toEqual(["pass", "pass", "pass", "reject 1"]);
    expect(run(b, [500, 500, 4000, 4000, 4000, 4000]), "2 tokens/s: one back in 500 ms; full again, never more than 3").toEqual([
      "pass",
      "reject 1",
      "pass",
      "pass",
      "pass",
      "reject 1",
    ]);
    expect(run(new TokenBucket({ capacity: 1, rate: 0.25 }), [0, 0]), "a token every 4 s").toEqual(["pass", "reject 4"]);
    expect(() => new TokenBucket({ capacity: 0, rate: 1 })).toThrow(/invalid capacity/);
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 20 }),
        fc.integer({ min: 0, max: 8 }),
        fc.array(fc.integer({ min: 0, max: 400 }), { minLength: 1, maxLength: 60 }),
        (rate, burst, gaps) => {
          let t = 0;
          const at = gaps.map((g) => (t += g));
          const kinds = (l: { decide(now: number): Decision }) => at.map((x) => l.decide(x).kind);
          expect(kinds(new TokenBucket({ capacity: burst + 1, rate })), `rate ${rate} burst ${burst} (${policySeed})`).toEqual(
            kinds(new LimitReq({ rate, burst, nodelay: true })),
          );
        },
      ),
      { numRuns: 200, seed: SEED },
    );
  });

  it("a keyed limiter keeps one state per key, skips an empty key and forgets the least recently used when full (1 pts)", () => {
    const k = new KeyedLimiter(() => new LimitReq({ rate: 1 }), { maxKeys: 2 });
    expect(k.status, "nginx answers 503 by default").toBe(503);
    expect(new KeyedLimiter(() => new LimitReq({ rate: 1 }), { status: 429 }).status).toBe(429);
    expect(() => new KeyedLimiter(() => new LimitReq({ rate: 1 }), { status: 200 })).toThrow(/limit_req_status takes 400 to 599/);
    expect([k.decide("a", 0).kind, k.decide("b", 0).kind, k.decide("a", 0).kind], "a and b each have their own bucket").toEqual(["pass", "pass", "reject"]);
    expect(k.decide("", 0).kind, "an empty key is not limited").toBe("pass");
    expect(k.size).toBe(2);
    expect(k.decide("c", 1).kind).toBe("pass");
    expect([k.has("a"), k.has("b"), k.has("c")], "full: b, the least recently used, is forgotten").toEqual([true, false, true]);
    expect(k.decide("b", 2).kind, "b starts again").toBe("pass");
    expect([k.has("a"), k.has("b"), k.has("c")]).toEqual([false, true, true]);
    expect(limitKey({ header: "x-api-key" }, { headers: hdrs(["X-API-Key", "k1"]), client: "10.0.0.1" })).toBe("k1");
    expect(limitKey({ header: "x-api-key" }, { headers: hdrs(), client: "10.0.0.1" }), "no header: the empty key").toBe("");
    expect(limitKey({ source: true }, { headers: hdrs(), client: "10.0.0.1" })).toBe("10.0.0.1");
  });
});
// /tasks 3–4

// tasks 5–6 and the whole proxy

// /tasks 5–6
