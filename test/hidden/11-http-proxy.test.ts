// Instructor-only tests for lab 11-http-proxy. (header: proxy core owner)
import { describe, expect, it } from "vitest";
// imports: forwarding

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

// /imports: core

// tasks 1–2: forwarding and PROXY protocol

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

// /tasks 5–6
