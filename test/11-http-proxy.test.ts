// Grading tests for lab 11-http-proxy: forwarding fields and the PROXY protocol (tasks 1–2), routes, sticky sessions
// and rate limits (tasks 3–4), the connection pool and the request validator (tasks 5–6), and the whole proxy built
// on them — on the virtual clock and the simulated network. Every proxy test runs chapter 07's server as backends.
//
// A randomized test prints its seed when it fails. Replay it with, for example:
//   SEED=1234 HUB_TARGET=labs npx vitest run test/11-http-proxy.test.ts   (on the reference: without HUB_TARGET)
import fc from "fast-check";
import { describe, expect, it } from "vitest";
// Forwarding and the PROXY protocol (tasks 1–2): namespaces, so the names other tasks import stay free.
import * as green02 from "@target/02-hub/green";
import * as httpHeaders from "@target/07-http/headers";
import * as forwarding from "@target/11-http-proxy/forwarding";
import * as proxyAccept from "@target/11-http-proxy/proxy-accept";
import * as proxyProtocol from "@target/11-http-proxy/proxy-protocol";
import * as fastNet08 from "@target/08-tcp-proxy/fast-net";
import * as splice08 from "@target/08-tcp-proxy/splice";
import * as supportNet from "./support/net";
import * as ppCases from "./support/proxy-protocol";

// Routes, sticky sessions and rate limits (tasks 3–4).
import { Headers } from "@target/07-http/headers";
import { mulberry32 } from "@target/05-green-sockets/random";
import type { Backend } from "@target/08-tcp-proxy/balancer";
import { RoundRobin } from "@target/09-strategies/simple";
import { KeyedLimiter, limitKey } from "@target/11-http-proxy/keyed";
import { LimitReq, type Decision } from "@target/11-http-proxy/rate-limit";
import { RouteTable, type RouteRule } from "@target/11-http-proxy/routes";
import { HashAffinity, StickyCookie } from "@target/11-http-proxy/sticky";
import { TokenBucket } from "@target/11-http-proxy/token-bucket";
import { replayWith, SEED, simulate } from "./support/net";

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
// The pool, the validator and the whole proxy (tasks 5–6).
import { getHub } from "@target/02-hub/hub";
import type { Green } from "@target/02-hub/suspend";
import { sleep, spawn } from "@target/03-cancellation/greenthread";
import { HttpClient } from "@target/07-http/client";
import type { RequestHead } from "@target/07-http/messages";
import { RequestParser } from "@target/07-http/parser";
import { BackendPool, PoolTimeoutError } from "@target/11-http-proxy/pool";
import { handleConnection } from "@target/07-http/server";
import { validateRequest } from "@target/11-http-proxy/validate";
import { backendOn, backendsNamed, proxyOn, raw, statuses } from "./support/http-proxy";
import { needsLab } from "./support/prerequisites";
import { failFastOnStub } from "./support/stubs";

const coreReplay = `seed ${SEED}; ${replayWith("test/11-http-proxy.test.ts")(SEED)}`;
/** The head chapter 07's parser makes of `text`. */
const headOf = (text: string): RequestHead => {
  const e = new RequestParser().push(Buffer.from(text, "latin1")).find((x) => x.type === "head" || x.type === "error")!;
  if (e.type !== "head") throw new Error(`the parser refused ${JSON.stringify(text)}`);
  return e.head;
};
/** The status validateRequest refuses `text` with, or "ok". */
const verdict = (text: string, rules = {}): number | string => {
  try {
    validateRequest(headOf(text), rules);
    return "ok";
  } catch (e) {
    return (e as { status?: number }).status ?? String(e);
  }
};
/**
 * What this lab's pool and proxy tests rely on of lab 07: its parser reads a request head, and its server
 * (handleConnection, every test's backend) answers two requests on one connection. Run before each (needsLab).
 */
function lab07ServerAnswers(): void {
  headOf("GET /x HTTP/1.1\r\nHost: b1\r\n\r\n");
  const { result } = simulate({ seed: SEED, latency: 1 }, function* (net) {
    const [b] = backendsNamed("b1");
    yield* backendOn(net, b!);
    const s = yield* net.host("c").connect(b!.address);
    yield* s.sendall("GET /x HTTP/1.1\r\nHost: b1\r\n\r\nGET /y HTTP/1.1\r\nHost: b1\r\nConnection: close\r\n\r\n");
    return (yield* supportNet.readAll(s)).toString("latin1");
  });
  const ok = statuses(result).join() === "200,200" && result.includes("b1 GET /x 0") && result.includes("b1 GET /y 0");
  if (!ok) {
    throw new Error(`two requests on one connection to its server (handleConnection) got ${JSON.stringify(result.slice(0, 300))}, not two 200s answering "b1 GET /x 0" and "b1 GET /y 0"`);
  }
}
const needsLab07 = (): void => needsLab("07", "HTTP parser and server", lab07ServerAnswers);
/** Task 5's tests of the whole proxy: every request it reads goes through task 6's validateRequest first. */
const needsTask6 = (): void =>
  failFastOnStub("This test of the whole proxy (each request goes through task 6's validateRequest)", () => validateRequest(headOf("GET / HTTP/1.1\r\nHost: a\r\n\r\n"), {}));
const getHubNow = (): number => getHub().now();
const POOL_LIMITS = { connectTimeout: 1000, queueTimeout: 500, serverTimeout: 5000 };

// The PROXY protocol's randomized tests use fast-check with a fixed seed and print it on failure; replay one with
//   SEED=1234 HUB_TARGET=labs npx vitest run test/11-http-proxy.test.ts   (on the reference: without HUB_TARGET)
describe("task 1: forwarding headers", () => {
  const { Headers } = httpHeaders;
  const fields = (pairs: [string, string][]) => new Headers(pairs);
  const { forwardRequest, forwardResponse, stripHopByHop, trustedClientAddress, upgradeOf } = forwarding;
  const pairs = (h: InstanceType<typeof Headers>): string[] => [...h].map(([n, v]) => `${n}: ${v}`);

  it("strips Connection, every field it names (never Host), and the hop-by-hop fields; keeps the rest in order (1 pts)", () => {
    const h = fields([
      ["Host", "example.com"],
      ["Connection", "keep-alive, X-Secret, host"],
      ["connection", "Upgrade, X-Second-Line"],
      ["X-Secret", "1"],
      ["X-Second-Line", "named by the second Connection field"],
      ["Keep-Alive", "timeout=5"],
      ["Proxy-Connection", "keep-alive"],
      ["TE", "trailers"],
      ["Transfer-Encoding", "chunked"],
      ["Upgrade", "websocket"],
      ["Proxy-Authorization", "Basic Zm9vOmJhcg=="],
      ["Trailer", "Digest"],
      ["Accept", "*/*"],
      ["x-secret", "2"],
    ]);
    // The upgrade is read before stripping: afterwards it is gone.
    expect(upgradeOf(h)).toBe("websocket");
    const out = stripHopByHop(h);
    expect(pairs(out)).toEqual(["Host: example.com", "Trailer: Digest", "Accept: */*"]);
    expect(upgradeOf(out)).toBe(null);
    expect(h.size, "stripHopByHop returns a copy and leaves its argument alone").toBe(14);
    expect(pairs(stripHopByHop(fields([["Proxy-Authenticate", "Basic"], ["Content-Type", "text/plain"]])))).toEqual([
      "Content-Type: text/plain",
    ]);
  });

  it("decides the client's address as Envoy's xff_num_trusted_hops does (1 pts)", () => {
    // Envoy's docs, "x-forwarded-for", examples 1 and 3: an edge proxy with 0, then 2 trusted proxies in front.
    const xff = fields([["X-Forwarded-For", "203.0.113.128, 203.0.113.10, 203.0.113.1"]]);
    expect(trustedClientAddress(xff, "192.0.2.5", 0)).toBe("192.0.2.5");
    expect(trustedClientAddress(xff, "192.0.2.5", 2)).toBe("203.0.113.10");
    expect(trustedClientAddress(xff, "192.0.2.5", 1)).toBe("203.0.113.1");
    expect(trustedClientAddress(xff, "192.0.2.5", 3)).toBe("203.0.113.128");
    expect(trustedClientAddress(xff, "192.0.2.5", 4), "fewer than N addresses: the peer").toBe("192.0.2.5");
    expect(trustedClientAddress(new Headers(), "192.0.2.5", 1), "no X-Forwarded-For: the peer").toBe("192.0.2.5");
    // Several field lines are one list; the chosen entry must be an address, or the peer is used.
    const lines = fields([["X-Forwarded-For", "198.51.100.7"], ["X-Forwarded-For", " 2001:db8::1 ,"]]);
    expect(trustedClientAddress(lines, "192.0.2.5", 1)).toBe("2001:db8::1");
    expect(trustedClientAddress(lines, "192.0.2.5", 2)).toBe("198.51.100.7");
    expect(trustedClientAddress(fields([["X-Forwarded-For", "1.2.3.4:80"]]), "192.0.2.5", 1)).toBe("192.0.2.5");
    expect(trustedClientAddress(fields([["X-Forwarded-For", "not an address"]]), "192.0.2.5", 1)).toBe("192.0.2.5");
    expect(trustedClientAddress(fields([["X-Forwarded-For", "client"]]), "lb", 1), "a simulated host's name counts").toBe("client");
  });

  it("forwards a request (X-Forwarded-For and Forwarded appended, X-Forwarded-Proto and -Host set, Via appended) and a response (1 pts)", () => {
    const h = fields([
      ["Host", "example.com:8080"],
      ["Connection", "close"],
      ["X-Forwarded-For", "198.51.100.7"],
      ["Forwarded", "for=198.51.100.7"],
      ["X-Forwarded-Proto", "https"],
      ["Via", "1.0 edge"],
    ]);
    const received = pairs(h);
    const untrusted = forwardRequest(h, { peer: { host: "2001:db8:cafe::17", port: 4711 }, local: { host: "192.0.2.1", port: 80 } });
    expect(untrusted.client).toBe("2001:db8:cafe::17");
    expect(pairs(h), "forwardRequest returns new fields and leaves the request's alone").toEqual(received);
    expect(pairs(untrusted.headers)).toEqual([
      "Host: example.com:8080",
      "X-Forwarded-For: 198.51.100.7, 2001:db8:cafe::17",
      'Forwarded: for=198.51.100.7, for="[2001:db8:cafe::17]:4711";by="192.0.2.1:80";proto=http;host="example.com:8080"',
      "X-Forwarded-Proto: http",
      "X-Forwarded-Host: example.com:8080",
      "Via: 1.0 edge, 1.1 hub",
    ]);
    untrusted.headers.set("Host", "changed.example").delete("via");
    expect(pairs(h), "changing the forwarded fields changes nothing in the request's").toEqual(received);
    // One trusted proxy in front: its X-Forwarded-Proto stands, and the client is the address it appended.
    const trusted = forwardRequest(h, { peer: { host: "10.0.0.2", port: 5000 }, trustedHops: 1, pseudonym: "lb", version: "HTTP/1.0" });
    expect(trusted.client).toBe("198.51.100.7");
    expect(trusted.headers.get("x-forwarded-proto")).toBe("https");
    expect(trusted.headers.get("forwarded")).toBe('for=198.51.100.7, for="10.0.0.2:5000";proto=http;host="example.com:8080"');
    expect(trusted.headers.get("via")).toBe("1.0 edge, 1.0 lb");
    // A name of the simulated network becomes an obfuscated identifier.
    const sim = forwardRequest(fields([["Host", "lb"]]), { peer: { host: "client", port: 40000 } });
    expect(sim.headers.get("forwarded")).toBe('for="_client:40000";proto=http;host=lb');
    expect(sim.headers.get("x-forwarded-for")).toBe("client");
    // One connection's requests (one peer address): each element names its own request's host, proto and by=.
    const peer = { host: "192.0.2.9", port: 5001 };
    const local = { host: "192.0.2.1", port: 80 };
    const element = (host: string | null, options: { local?: { host: string; port: number }; proto?: "http" | "https" } = { local }): string | undefined =>
      forwardRequest(fields(host === null ? [] : [["Host", host]]), { peer, ...options }).headers.get("forwarded");
    expect(element("a.example")).toBe('for="192.0.2.9:5001";by="192.0.2.1:80";proto=http;host=a.example');
    expect(element("b.example")).toBe('for="192.0.2.9:5001";by="192.0.2.1:80";proto=http;host=b.example');
    expect(element(null)).toBe('for="192.0.2.9:5001";by="192.0.2.1:80";proto=http');
    expect(element("b.example", { local: { host: "192.0.2.1", port: 8080 } })).toBe('for="192.0.2.9:5001";by="192.0.2.1:8080";proto=http;host=b.example');
    expect(element("b.example", { local, proto: "https" })).toBe('for="192.0.2.9:5001";by="192.0.2.1:80";proto=https;host=b.example');
    expect(element("b.example", {})).toBe('for="192.0.2.9:5001";proto=http;host=b.example');
    // A response: hop-by-hop fields stripped, Via appended.
    const response = fields([
      ["Content-Type", "text/plain"],
      ["Connection", "keep-alive, X-Backend-Only"],
      ["Keep-Alive", "timeout=5"],
      ["Transfer-Encoding", "chunked"],
      ["X-Backend-Only", "1"],
      ["Set-Cookie", "a=1"],
      ["Set-Cookie", "b=2"],
    ]);
    expect(pairs(forwardResponse(response))).toEqual(["Content-Type: text/plain", "Set-Cookie: a=1", "Set-Cookie: b=2", "Via: 1.1 hub"]);
    expect(forwardResponse(fields([["Via", "1.1 app"]]), { pseudonym: "edge" }).get("via")).toBe("1.1 app, 1.1 edge");
  });
});

describe("task 2: the PROXY protocol", () => {
  const { encodeProxyHeader, parseProxyHeader, ProxyProtocolError } = proxyProtocol;
  const { SIG, u16, v2, unixPath, parseByPrefixes, headerArb, noiseArb } = ppCases;
  const replay = `seed ${supportNet.SEED}; ${supportNet.replayWith("test/11-http-proxy.test.ts")(supportNet.SEED)}`;
  const parse = (text: string | Buffer) => parseProxyHeader(typeof text === "string" ? Buffer.from(text, "latin1") : text);

  it("parses the spec's version 1 lines, and only up to their CRLF (1 pts)", () => {
    const stream = "PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\r\nGET / HTTP/1.1\r\nHost: 192.168.0.11\r\n\r\n";
    expect(parse(stream)).toEqual({
      header: {
        version: 1, command: "proxy", family: "inet", transport: "stream",
        source: { host: "192.168.0.1", port: 56324 }, destination: { host: "192.168.0.11", port: 443 }, tlvs: [],
      },
      length: 47,
    });
    const unknown = { version: 1, command: "proxy", family: "unspec", transport: "unspec", source: null, destination: null, tlvs: [] };
    expect(parse("PROXY UNKNOWN\r\n")).toEqual({ header: unknown, length: 15 });
    // UNKNOWN's worst case is the longest line, 107 bytes; its addresses are ignored.
    const f39 = "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff";
    const worst = `PROXY UNKNOWN ${f39} ${f39} 65535 65535\r\n`;
    expect(worst.length).toBe(107);
    expect(parse(worst)).toEqual({ header: unknown, length: 107 });
    const tcp6 = parse(`PROXY TCP6 2001:DB8:0:0:0:0:0:1 ${f39} 65535 0\r\n`);
    expect(tcp6?.header.source, "IPv6 in RFC 5952 form").toEqual({ host: "2001:db8::1", port: 65535 });
    expect(tcp6?.header.destination).toEqual({ host: f39, port: 0 });
    expect(parse("PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\r"), "the LF may still come").toBe(null);
    expect(parse("PROX"), "a beginning asks for more").toBe(null);
    expect(encodeProxyHeader(parse(stream)!.header).toString("latin1")).toBe(stream.slice(0, 47));
  });

  it("parses version 2 headers built byte by byte from the spec's tables (1 pts)", () => {
    // TCP over IPv4 (\x21 PROXY, \x11), 12 address bytes, then a PP2_TYPE_AUTHORITY TLV.
    const tcp4 = v2(0x21, 0x11, [192, 168, 0, 1, 192, 168, 0, 11, ...u16(56324), ...u16(443), 0x02, ...u16(11), ...Buffer.from("example.com")]);
    expect(parse(Buffer.concat([tcp4, Buffer.from("GET /")]))).toEqual({
      header: {
        version: 2, command: "proxy", family: "inet", transport: "stream",
        source: { host: "192.168.0.1", port: 56324 }, destination: { host: "192.168.0.11", port: 443 },
        tlvs: [{ type: 2, value: Buffer.from("example.com") }],
      },
      length: 16 + 26,
    });
    expect(encodeProxyHeader(parse(tcp4)!.header)).toEqual(tcp4);
    // UDP over IPv6 (\x22), 36 bytes.
    const six = [0x20, 0x01, 0x0d, 0xb8, ...new Array<number>(11).fill(0), 1];
    const udp6 = parse(v2(0x21, 0x22, [...six, ...new Array<number>(15).fill(0), 1, ...u16(1234), ...u16(53)]));
    expect(udp6?.header).toMatchObject({ family: "inet6", transport: "dgram", source: { host: "2001:db8::1", port: 1234 }, destination: { host: "::1", port: 53 } });
    // UNIX stream (\x31), 2 × 108 bytes.
    const unix = parse(v2(0x21, 0x31, [...unixPath("/run/client.sock"), ...unixPath("/run/lb.sock")]));
    expect(unix?.header).toMatchObject({ family: "unix", source: { host: "/run/client.sock", port: 0 }, destination: { host: "/run/lb.sock", port: 0 } });
    // LOCAL (\x20): the block is skipped, whatever its family and length say.
    const local = { version: 2, command: "local", family: "unspec", transport: "unspec", source: null, destination: null, tlvs: [] };
    expect(parse(v2(0x20, 0x00, []))).toEqual({ header: local, length: 16 });
    expect(parse(v2(0x20, 0x11, [127, 0, 0, 1, 127, 0, 0, 1, 0, 80, 0, 81]))).toEqual({ header: local, length: 28 });
    expect(parse(v2(0x20, 0xff, [])), "LOCAL ignores byte 14, even one no PROXY header may have").toEqual({ header: local, length: 16 });
    // PROXY with the family unspecified (\x00): no addresses, and its block is skipped, not read for TLVs.
    const unspec = { ...local, command: "proxy" };
    expect(parse(v2(0x21, 0x00, [0x02, ...u16(1), 0x61])), "an unspec block is skipped, TLV-shaped bytes too").toEqual({ header: unspec, length: 20 });
    // Not enough yet: the fixed 16 bytes, then the announced length.
    expect(parse(Buffer.from(SIG))).toBe(null);
    expect(parse(tcp4.subarray(0, tcp4.length - 1))).toBe(null);
  });

  it("refuses a malformed header with a ProxyProtocolError that names the problem (1 pts)", () => {
    const ok4 = "192.168.0.1 192.168.0.11 56324 443";
    const corpus: [string, string | Buffer, RegExp][] = [
      ["an HTTP request", "GET / HTTP/1.1\r\n", /not a PROXY protocol header/],
      ["a wrong prefix", "PROXX TCP4", /not a PROXY protocol header/],
      ["a wrong prefix, two bytes in", "PX", /not a PROXY protocol header/],
      ["an unknown protocol", `PROXY TCP5 ${ok4}\r\n`, /unknown protocol/],
      ["a leading zero in an address", "PROXY TCP4 192.168.000.1 192.168.0.11 56324 443\r\n", /is not an IPv4 address/],
      ["IPv6 in TCP4", "PROXY TCP4 ::1 ::1 1 2\r\n", /is not an IPv4 address/],
      ["IPv4 in TCP6", "PROXY TCP6 1.2.3.4 ::1 1 2\r\n", /is not an IPv6 address/],
      ["a leading zero in a port", "PROXY TCP4 192.168.0.1 192.168.0.11 56324 0443\r\n", /is not a port/],
      ["a port too large", "PROXY TCP4 192.168.0.1 192.168.0.11 65536 443\r\n", /is not a port/],
      ["two spaces", "PROXY TCP4 192.168.0.1  192.168.0.11 56324 443\r\n", /exactly one space/],
      ["a missing port", "PROXY TCP4 192.168.0.1 192.168.0.11 56324\r\n", /exactly one space/],
      ["a bare LF", `PROXY TCP4 ${ok4}\n`, /bare LF/],
      ["a bare CR", `PROXY TCP4 ${ok4}\rX`, /CR not followed by LF/],
      ["no CRLF in 107 bytes", `PROXY UNKNOWN ${"f".repeat(100)}`, /no CRLF in the first 107 bytes/],
      // 106 bytes may still end well (below); at 107 without an LF, no line of 107 bytes can end.
      ["exactly 107 bytes without CRLF", `PROXY UNKNOWN ${"f".repeat(93)}`, /no CRLF in the first 107 bytes/],
      ["a CR as the 107th byte, its LF past the bound", `PROXY UNKNOWN ${"f".repeat(92)}\r`, /no CRLF in the first 107 bytes/],
      ["a wrong signature", Buffer.from([...SIG.slice(0, 11), 0x0b]), /not a PROXY protocol header/],
      ["a wrong signature, five bytes in", Buffer.from([...SIG.slice(0, 4), 0x01]), /not a PROXY protocol header/],
      ["version 1 in binary", Buffer.from([...SIG, 0x11]), /only version 2/],
      ["an unknown command", Buffer.from([...SIG, 0x22]), /unknown command/],
      ["an unknown family", Buffer.from([...SIG, 0x21, 0x41]), /unknown address family/],
      ["an unknown transport", Buffer.from([...SIG, 0x21, 0x13]), /unknown transport protocol/],
      ["a family without a transport", Buffer.from([...SIG, 0x21, 0x10]), /unspecified family or transport/],
      ["a block too short for IPv4", v2(0x21, 0x11, [1, 2, 3, 4, 5, 6, 7, 8]), /addresses take/],
      ["a TLV longer than the header", v2(0x21, 0x11, [1, 2, 3, 4, 5, 6, 7, 8, 0, 1, 0, 2, 0x02, ...u16(5), 0x61]), /runs past the header/],
      ["a cut TLV head", v2(0x21, 0x11, [1, 2, 3, 4, 5, 6, 7, 8, 0, 1, 0, 2, 0x04, 0]), /runs past the header/],
    ];
    for (const [what, bytes, message] of corpus) {
      expect(() => parse(bytes), what).toThrow(ProxyProtocolError);
      expect(() => parse(bytes), what).toThrow(message);
    }
    expect(parse(`PROXY UNKNOWN ${"f".repeat(92)}`), "106 bytes without CRLF: the line may still end at 107").toBe(null);
  });

  it("round-trips random headers, parses every split the same, and throws nothing but ProxyProtocolError (fast-check; prints its seed on failure) (1 pts)", () => {
    fc.assert(
      fc.property(headerArb, fc.uint8Array({ maxLength: 20 }), (header, after) => {
        const bytes = encodeProxyHeader(header);
        const { prefixes, whole } = parseByPrefixes(Buffer.concat([bytes, after]), bytes.length);
        const early = prefixes.findIndex((p) => p !== null);
        expect(early, `a prefix of ${early + 1} bytes was taken for a whole header`).toBe(-1);
        expect(whole).toEqual({ header, length: bytes.length });
      }),
      { numRuns: 150, seed: supportNet.SEED, verbose: true },
    );
    const onlyProxyProtocolErrors = (bytes: Buffer): void => {
      try {
        parse(bytes);
      } catch (e) {
        if (!(e instanceof ProxyProtocolError)) throw new Error(`${String(e)} on ${bytes.toString("hex")} (${replay})`);
      }
    };
    fc.assert(fc.property(noiseArb, onlyProxyProtocolErrors), { numRuns: 300, seed: supportNet.SEED, verbose: true });
    // Real headers with a byte changed or cut short.
    const mutated = fc.tuple(headerArb, fc.nat(), fc.nat(255), fc.nat()).map(([h, at, byte, cut]) => {
      const b = Buffer.from(encodeProxyHeader(h));
      b[at % b.length] = byte;
      return b.subarray(0, b.length - (cut % 3));
    });
    fc.assert(fc.property(mutated, onlyProxyProtocolErrors), { numRuns: 300, seed: supportNet.SEED, verbose: true });
  });

  it("reads a header off a socket in pieces and leaves the bytes after it in the stream (1 pts)", () => {
    const { pair, readAll, simulate } = supportNet;
    const header = proxyProtocol.proxyHeaderFor({ host: "203.0.113.7", port: 50000 }, { host: "192.0.2.1", port: 80 }, 2);
    const request = "GET / HTTP/1.1\r\nHost: a\r\n\r\n";
    const { result } = simulate({}, function* (net) {
      let got: { header: unknown; origin: unknown; rest: string } | null = null;
      const client = yield* pair(net, function* (s) {
        const h = yield* proxyAccept.readProxyHeader(s);
        got = { header: h, origin: proxyAccept.originOf(h, s), rest: (yield* readAll(s)).toString() };
        s.close();
      });
      const bytes = Buffer.concat([encodeProxyHeader(header), Buffer.from(request)]);
      // The header arrives cut in three, the last piece carrying the request with it.
      for (const piece of [bytes.subarray(0, 5), bytes.subarray(5, 20), bytes.subarray(20)]) {
        yield* client.sendall(piece);
        yield* green02.sleep(10);
      }
      client.shutdown();
      yield* readAll(client);
      client.close();
      return got;
    });
    expect(result).toEqual({ header, origin: { host: "203.0.113.7", port: 50000 }, rest: request });
  });

  it("leaves the bytes after the header where chapter 08's splice finds them, on loopback (1 pts)", async () => {
    const { readAll, real, server } = supportNet;
    const { fastNetwork } = fastNet08;
    // A backend that answers with what it read; a front that reads the header, then splices to the backend.
    const echoed = await real(function* () {
      const backend = yield* server(fastNetwork, { host: "127.0.0.1", port: 0 }, function* (s) {
        yield* s.sendall(`echo: ${(yield* readAll(s)).toString()}`);
      });
      let origin: unknown = null;
      const front = yield* server(fastNetwork, { host: "127.0.0.1", port: 0 }, function* (c) {
        origin = proxyAccept.originOf(yield* proxyAccept.readProxyHeader(c, { timeout: 2000 }), c);
        const b = yield* fastNetwork.connect(backend);
        try {
          yield* splice08.spliceRelay(c, b, () => {}, () => {});
        } finally {
          b.close();
        }
      });
      const s = yield* fastNetwork.connect(front);
      const header = proxyProtocol.proxyHeaderFor({ host: "198.51.100.9", port: 40000 }, { host: "192.0.2.1", port: 443 }, 1);
      // Header and request in one write: the reader gets both in one recv and must put the request back.
      yield* s.sendall(Buffer.concat([encodeProxyHeader(header), Buffer.from("hello after the header")]));
      s.shutdown();
      const answer = (yield* readAll(s)).toString();
      s.close();
      return { answer, origin };
    });
    expect(echoed).toEqual({ answer: "echo: hello after the header", origin: { host: "198.51.100.9", port: 40000 } });
  });
});

describe("task 3: routing and sticky sessions", () => {
  it("matches hosts case-insensitively with ports and *.domain wildcards, paths by whole segments, headers; first match wins (1 pts)", () => {
    const t = new RouteTable([
      { name: "admin", host: "api.example.com:8443", pools: "admin" },
      { name: "api", host: "API.example.com", pathPrefix: "/api", pools: "api" },
      { name: "canary", host: "*.example.com", headers: [{ name: "X-Canary", exact: "1" }], pools: "canary" },
      { name: "debug", host: "*.example.com", headers: [{ name: "x-debug", present: true }], pools: "debug" },
      { name: "v2", host: "*.example.com", headers: [{ name: "accept", regex: /application\/v2(\+json)?/ }], pools: "v2" },
      { name: "env", host: "*.example.com", headers: [{ name: "x-env", regex: /dev|test/ }], pools: "env" },
      { name: "sub", host: "*.example.com", pools: "sub" },
      { name: "other", pools: "fallback" },
    ]);
    expect(poolOf(t, "api.example.com:8443"), "a rule with a port needs that port").toBe("admin");
    expect(poolOf(t, "api.example.com:8080", "/x"), "the admin rule names port 8443: a request to port 8080 does not match it").toBe("sub");
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
    expect(poolOf(t, "x.example.com", "/", hdrs(["x-env", "test"]))).toBe("env");
    expect(poolOf(t, "x.example.com", "/", hdrs(["x-env", "dev2"])), "the whole value, for every alternative of /dev|test/ (not ^dev|test$)").toBe("sub");
    // A header sent twice is judged by its values joined with ", ": "1, 2" is not exactly "1".
    expect(poolOf(t, "x.example.com", "/", hdrs(["x-canary", "1"], ["X-Canary", "2"])), "every value of a repeated header counts, not the first").toBe("sub");
    expect(poolOf(t, "x.example.com", "/", hdrs(["accept", "application/v2"], ["accept", "text/html"])), "a regex matches the values joined").toBe("sub");
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
    // Whole milli-requests and whole milliseconds, truncated as nginx's integers are.
    expect(run(new LimitReq({ rate: 3, burst: 5 }), [0, 0, 0]), "1000 × 1000 / 3000 is 333.3…, 2000 × 1000 / 3000 is 666.6…: truncated").toEqual(["pass", "delay 333", "delay 666"]);
    const drained = new LimitReq({ rate: 2, per: "m", burst: 2, nodelay: true });
    run(drained, [0, 0, 1234]);
    expect(drained.excess, "1000 − trunc(33 × 1234 / 1000) + 1000: 40 drained, not 40.7").toBe(1960);
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

describe("task 5: the connection pool, and keep-alive through the proxy", () => {
  needsLab07();

  it("reuses the most recently released connection, and opens one only when none is idle or `fresh` is asked (1 pts)", () => {
    const { result } = simulate({ seed: SEED, latency: 1 }, function* (net) {
      const [b] = backendsNamed("b1");
      const seen = yield* backendOn(net, b);
      const pool = new BackendPool(b, net.host("lb"), { maxConnections: 4 }, POOL_LIMITS);
      const first = yield* pool.acquire();
      const second = yield* pool.acquire();
      const twoOpen = [pool.open, pool.stats.connects];
      pool.release(first, true);
      pool.release(second, true);
      const again = yield* pool.acquire();
      const lifo = again === second;
      pool.release(again, false); // not reusable: closed
      const afterClose = [pool.open, pool.idle.length];
      const fresh = yield* pool.acquire(true);
      yield* sleep(10);
      return { twoOpen, lifo, afterClose, freshIsNew: fresh !== first, connects: pool.stats.connects, reuses: pool.stats.reuses, accepted: seen.connections };
    });
    expect(result.twoOpen, "two acquires with nothing idle: two connections").toEqual([2, 2]);
    expect(result.lifo, "the most recently released connection is reused first").toBe(true);
    expect(result.afterClose, "a connection released as not reusable is closed: 1 open, the other idle").toEqual([1, 1]);
    expect(result.freshIsNew, "acquire(true) never hands out an idle connection").toBe(true);
    expect([result.connects, result.reuses, result.accepted]).toEqual([3, 1, 3]);
    const { result: kept } = simulate({ seed: SEED, latency: 1 }, function* (net) {
      const [b] = backendsNamed("b1");
      yield* backendOn(net, b);
      const pool = new BackendPool(b, net.host("lb"), { maxIdle: 1 }, POOL_LIMITS);
      const [x, y, z] = [yield* pool.acquire(), yield* pool.acquire(), yield* pool.acquire()];
      pool.release(x, true);
      pool.release(y, true); // maxIdle 1: one idle already, so y is closed
      const withMaxIdle = { open: pool.open, idle: pool.idle.length };
      pool.close(); // x, idle, closes now
      pool.release(z, true); // back to a closed pool: closed, never idle
      const closed = { open: pool.open, idle: pool.idle.length };
      let after = "";
      try {
        yield* pool.acquire();
      } catch (e) {
        after = (e as Error).name;
      }
      return { withMaxIdle, closed, after };
    });
    expect(kept.withMaxIdle, "with maxIdle 1, a release onto one idle connection closes it: 2 open, 1 idle").toEqual({ open: 2, idle: 1 });
    expect(kept.closed, "close() closes the idle connection, and one released later is closed too").toEqual({ open: 0, idle: 0 });
    expect(kept.after, "acquire on a closed pool").toBe("PoolClosedError");
  });

  it("at maxConnections a request waits for a release, and gives up after queueTimeout with PoolTimeoutError; an idle one closes after idleTimeout (1 pts)", () => {
    const { result } = simulate({ seed: SEED, latency: 1 }, function* (net) {
      const [b] = backendsNamed("b1");
      yield* backendOn(net, b);
      const pool = new BackendPool(b, net.host("lb"), { maxConnections: 1 }, POOL_LIMITS);
      const held = yield* pool.acquire();
      const waiter = spawn(function* () {
        const t0 = getHubNow();
        const up = yield* pool.acquire();
        return { same: up === held, waited: getHubNow() - t0, up };
      });
      yield* sleep(100);
      pool.release(held, true);
      const got = yield* waiter.wait();
      const t0 = getHubNow();
      let error = "";
      try {
        yield* pool.acquire(); // `got.up` is still held: nobody releases it
      } catch (e) {
        error = (e as Error).name;
      }
      return { same: got.same, waited: got.waited, error, gaveUpAfter: getHubNow() - t0, connects: pool.stats.connects };
    });
    expect(result.same, "the waiter gets the released connection").toBe(true);
    expect(result.waited).toBe(100);
    expect(result.error).toBe(PoolTimeoutError.name);
    expect(result.gaveUpAfter, "queueTimeout").toBe(500);
    expect(result.connects, "never more than maxConnections").toBe(1);
    const { result: discarded } = simulate({ seed: SEED, latency: 1 }, function* (net) {
      const [b] = backendsNamed("b1");
      yield* backendOn(net, b);
      const pool = new BackendPool(b, net.host("lb"), { maxConnections: 1 }, POOL_LIMITS);
      const held = yield* pool.acquire();
      const waiter = spawn(function* () {
        try {
          return (yield* pool.acquire()) === held ? "the closed connection" : "a new connection";
        } catch (e) {
          return (e as Error).name;
        }
      });
      yield* sleep(100);
      pool.release(held, false);
      return { got: yield* waiter.wait(), connects: pool.stats.connects };
    });
    expect(discarded, "a release that closes its connection (reusable false) still wakes a waiter, which opens another").toEqual({ got: "a new connection", connects: 2 });
    const { result: idle } = simulate({ seed: SEED, latency: 1 }, function* (net) {
      const [b] = backendsNamed("b1");
      yield* backendOn(net, b);
      const pool = new BackendPool(b, net.host("lb"), { idleTimeout: 1000 }, POOL_LIMITS);
      const a = yield* pool.acquire();
      const c = yield* pool.acquire();
      pool.release(a, true);
      yield* sleep(600);
      pool.release(c, true);
      yield* sleep(500); // a has been idle 1100 ms, c 500 ms
      const mid = { open: pool.open, expired: pool.stats.expired, kept: pool.idle[0] === c };
      yield* sleep(600);
      return { mid, end: { open: pool.open, expired: pool.stats.expired } };
    });
    expect(idle.mid, "a has been idle 1100 ms: closed; c 500 ms: kept").toEqual({ open: 1, expired: 1, kept: true });
    expect(idle.end).toEqual({ open: 0, expired: 2 });
  });

  it("keeps both sides alive: ten requests on one client connection use one backend connection (1 pts)", () => {
    needsTask6();
    const { result } = simulate({ seed: SEED, latency: 1 }, function* (net) {
      const [b] = backendsNamed("b1");
      const seen = yield* backendOn(net, b);
      const proxy = yield* proxyOn(net, [b]);
      const client = new HttpClient({ network: net.host("client") });
      const bodies: string[] = [];
      for (let i = 0; i < 10; i++) bodies.push((yield* client.get(`http://lb/r${i}`)).text());
      return { bodies, client: client.stats.connections, backend: seen.connections, pool: proxy.connectionPools.get(b)!.stats };
    });
    expect(result.bodies).toEqual(Array.from({ length: 10 }, (_, i) => `b1 GET /r${i} 0`));
    expect(result.client, "client side: one connection").toBe(1);
    expect(result.backend, "backend side: one connection").toBe(1);
    expect(result.pool).toMatchObject({ connects: 1, reuses: 9 });
  });

  it("sends a GET again once on a fresh connection when its pooled one was closed by the backend; a POST gets 502 (1 pts)", () => {
    needsTask6();
    const { result } = simulate({ seed: SEED, latency: 1 }, function* (net) {
      const [b] = backendsNamed("b1");
      const seen = yield* backendOn(net, b, undefined, { keepAliveTimeout: 100 });
      const proxy = yield* proxyOn(net, [b]);
      const first = yield* raw(net.host("client"), "GET /1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
      yield* sleep(300); // the backend closed its idle connection; the pool has not noticed
      const second = yield* raw(net.host("client"), "GET /2 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
      const retried = proxy.counters.staleRetries;
      yield* sleep(300);
      const post = yield* raw(net.host("client"), "POST /3 HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nConnection: close\r\n\r\nhi");
      return { first: statuses(first.text), second: statuses(second.text), retried, post: statuses(post.text), backendSaw: seen.requests.map((r) => r.target) };
    });
    expect(result.first).toEqual([200]);
    expect(result.second, "the GET was sent again on a fresh connection").toEqual([200]);
    expect(result.retried).toBe(1);
    expect(result.post, "a request with a body is never sent twice").toEqual([502]);
    expect(result.backendSaw).toEqual(["/1", "/2"]);
  });

  it("streams bodies: chunked up, chunked down, Expect: 100-continue, a close-delimited answer re-chunked for HTTP/1.1 (1 pts)", () => {
    needsTask6();
    const { result } = simulate({ seed: SEED, latency: 1 }, function* (net) {
      const [b1, b2] = backendsNamed("b1", "b2");
      const seen = yield* backendOn(net, b1, function* (req, body) {
        return {
          headers: { "X-Got": `${req.framing.kind} ${body}` },
          *body(write) {
            yield* write("stream");
            yield* write("ed");
          },
        };
      });
      // b2 answers without a length: the body ends when it closes (RFC 9112 §6.3 item 8).
      const l2 = yield* net.host("b2").listen(b2.address);
      spawn(function* () {
        for (;;) {
          const s = yield* l2.accept();
          spawn(function* () {
            yield* s.recv();
            yield* s.sendall("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil ");
            yield* sleep(5);
            yield* s.sendall("close");
            s.close();
          });
        }
      });
      const p1 = yield* proxyOn(net, [b1]);
      const chunked = yield* raw(
        net.host("client"),
        "POST /up HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nExpect: 100-continue\r\n\r\n",
        20,
        "3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n",
        20,
        "GET /bye HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
      );
      yield* p1.shutdown(0);
      yield* proxyOn(net, [b2]);
      const http11 = yield* raw(net.host("client"), "GET / HTTP/1.1\r\nHost: x\r\n\r\n", 50, "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
      const http10 = yield* raw(net.host("client"), "GET / HTTP/1.0\r\n\r\n");
      return { chunked: chunked.text, backendFraming: seen.requests[0].headers, http11: http11.text, http10: http10.text };
    });
    expect(result.chunked.startsWith("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\n"), result.chunked).toBe(true);
    expect(result.chunked).toContain("X-Got: chunked abcde");
    expect(result.chunked).toContain("Transfer-Encoding: chunked\r\n\r\n6\r\nstream\r\n2\r\ned\r\n0\r\n\r\n");
    expect(statuses(result.chunked), "the connection carried the next request").toEqual([100, 200, 200]);
    expect(result.backendFraming.map(([n]) => n.toLowerCase()), "the proxy answered the Expect itself").not.toContain("expect");
    expect(statuses(result.http11), "the HTTP/1.1 client's connection survived the close-delimited answer").toEqual([200, 200]);
    expect(result.http11).toContain("Transfer-Encoding: chunked\r\n\r\n6\r\nuntil \r\n5\r\nclose\r\n0\r\n\r\n");
    expect(result.http10, "an HTTP/1.0 client gets the body until the close").toMatch(/^HTTP\/1\.1 200 OK\r\n[^]*Connection: close\r\n\r\nuntil close$/);
  });

  it("routes to pools, sticks a client with HAProxy's cookie, answers 404 without a route and 429 with Retry-After past the limit, holds a burst without nodelay (1 pts)", () => {
    needsTask6();
    const { result } = simulate({ seed: SEED, latency: 1 }, function* (net) {
      const [a1, a2, w1] = backendsNamed("a1", "a2", "w1");
      const seenA1 = yield* backendOn(net, a1);
      const seenA2 = yield* backendOn(net, a2);
      yield* backendOn(net, w1);
      yield* proxyOn(net, [], {
        backends: undefined,
        pools: { api: { backends: [a1, a2], sticky: { kind: "cookie" } }, web: { backends: [w1] } },
        routes: [
          { host: "api.test", pools: "api" },
          { host: "www.test", pools: "web" },
        ],
        rateLimit: { by: { header: "X-Key" }, limit: { rate: 1, burst: 1, nodelay: true }, status: 429 },
      });
      const get = (host: string, extra = ""): Green<{ text: string }> => raw(net.host("client"), `GET /p HTTP/1.1\r\nHost: ${host}\r\n${extra}Connection: close\r\n\r\n`);
      const first = (yield* get("api.test")).text;
      const cookie = /Set-Cookie: SERVERID=(\w+)/.exec(first)?.[1] ?? "";
      const stuck: string[] = [];
      for (let i = 0; i < 3; i++) stuck.push(/\r\n\r\n(\w+)/.exec((yield* get("api.test", `Cookie: SERVERID=${cookie}; theme=dark\r\n`)).text)?.[1] ?? "");
      const web = (yield* get("www.test")).text;
      const none = (yield* get("other.test")).text;
      const limited: string[] = [];
      for (let i = 0; i < 3; i++) limited.push((yield* get("www.test", "X-Key: k1\r\n")).text);
      return { first, cookie, stuck, web, none, limited, cookiesSeen: (cookie === "a1" ? seenA1 : seenA2).requests.map((r) => r.headers.find(([n]) => n === "Cookie")?.[1] ?? "-") };
    });
    expect(statuses(result.first)).toEqual([200]);
    expect(result.first).toMatch(/Set-Cookie: SERVERID=a[12]; path=\/\r\n/);
    expect(result.stuck, "the cookie's backend every time").toEqual([result.cookie, result.cookie, result.cookie]);
    expect(result.web).toMatch(/\r\n\r\nw1 GET \/p 0$/);
    expect(statuses(result.none), "no route: 404").toEqual([404]);
    expect(result.limited.map(statuses), "rate=1r/s burst=1 nodelay: two pass, the third is refused").toEqual([[200], [200], [429]]);
    expect(result.limited[2]).toMatch(/\r\nRetry-After: \d+\r\n/);
    expect(result.cookiesSeen, "the backend never sees SERVERID (indirect)").toEqual(["-", "theme=dark", "theme=dark", "theme=dark"]);

    // Without nodelay, a request of the burst is held for the delay limit_req gives it, then forwarded.
    const { result: held } = simulate({ seed: SEED, latency: 1 }, function* (net) {
      const [b] = backendsNamed("b1");
      const seen = yield* backendOn(net, b);
      yield* proxyOn(net, [b], { rateLimit: { by: { header: "X-Key" }, limit: { rate: 1, burst: 1 }, status: 429 } });
      const hub = getHub();
      const get = (): Green<{ text: string }> => raw(net.host("client"), "GET /p HTTP/1.1\r\nHost: a.test\r\nX-Key: k1\r\nConnection: close\r\n\r\n");
      const took: number[] = [];
      const texts: string[] = [];
      for (let i = 0; i < 2; i++) {
        const start = hub.now();
        texts.push((yield* get()).text);
        took.push(hub.now() - start);
      }
      return { took, texts, forwarded: seen.requests.length };
    });
    expect(held.texts.map(statuses), "rate=1r/s burst=1: the first passes, the second is delayed, not refused").toEqual([[200], [200]]);
    expect(held.forwarded, "both reached the backend").toBe(2);
    expect(held.took[0], "the first is not held").toBeLessThan(100);
    // Its excess is nearly the whole burst (1000 milli-requests), so it waits nearly (1000 − delay 0) × 1000 / rate ms.
    expect(held.took[1], "the second is held about a second").toBeGreaterThan(900);
    expect(held.took[1]).toBeLessThan(1100);
  });
});

describe("task 6: requests the proxy refuses to forward", () => {
  needsLab07();

  it("validateRequest: 501 for CONNECT, 400 for a bad target or Host, 417 for an unknown Expect, 411 for chunked when lengthRequired (1 pts)", () => {
    const h = "Host: example.test\r\n";
    expect(verdict(`GET /a?b=c HTTP/1.1\r\n${h}\r\n`)).toBe("ok");
    expect(verdict("CONNECT example.test:443 HTTP/1.1\r\nHost: example.test:443\r\n\r\n")).toBe(501);
    expect(verdict(`GET * HTTP/1.1\r\n${h}\r\n`), "the asterisk is for OPTIONS").toBe(400);
    expect(verdict(`OPTIONS * HTTP/1.1\r\n${h}\r\n`)).toBe("ok");
    expect(verdict(`GET a/b HTTP/1.1\r\n${h}\r\n`)).toBe(400);
    expect(verdict("GET / HTTP/1.1\r\nHost: a.test/evil\r\n\r\n")).toBe(400);
    expect(verdict("GET / HTTP/1.1\r\nHost: a.test@b.test\r\n\r\n")).toBe(400);
    expect(verdict("GET / HTTP/1.1\r\nHost: [::1]:8080\r\n\r\n")).toBe("ok");
    expect(verdict(`GET / HTTP/1.1\r\n${h}Expect: 100-continue\r\n\r\n`)).toBe("ok");
    expect(verdict(`GET / HTTP/1.1\r\n${h}Expect: 100-Continue\r\n\r\n`), "100-continue in any case").toBe("ok");
    expect(verdict(`GET / HTTP/1.1\r\n${h}Expect: tea\r\n\r\n`)).toBe(417);
    expect(verdict("GET / HTTP/1.0\r\nExpect: tea\r\n\r\n"), "an HTTP/1.0 Expect is ignored").toBe("ok");
    const chunked = `POST / HTTP/1.1\r\n${h}Transfer-Encoding: chunked\r\n\r\n`;
    expect(verdict(chunked)).toBe("ok");
    expect(verdict(chunked, { lengthRequired: true })).toBe(411);
  });

  it("an absolute-form target: its authority wins over Host, and the backend gets the origin form (1 pts)", () => {
    expect(validateRequest(headOf("GET http://a.test:8080/p?q=1 HTTP/1.1\r\nHost: b.test\r\n\r\n"))).toEqual({ path: "/p?q=1", authority: "a.test:8080" });
    expect(validateRequest(headOf("GET http://a.test HTTP/1.1\r\nHost: a.test\r\n\r\n"))).toEqual({ path: "/", authority: "a.test" });
    expect(validateRequest(headOf("GET http://a.test?q=1 HTTP/1.1\r\nHost: a.test\r\n\r\n")), "a path that does not start with / gets one").toEqual({ path: "/?q=1", authority: "a.test" });
    expect(validateRequest(headOf("GET /x HTTP/1.0\r\n\r\n"))).toEqual({ path: "/x", authority: "" });
    expect(validateRequest(headOf("GET HTTP://a.test/p HTTP/1.1\r\nHost: a.test\r\n\r\n")), "the scheme in any case").toEqual({ path: "/p", authority: "a.test" });
    expect(verdict("GET http://a.test/p#frag HTTP/1.1\r\nHost: a.test\r\n\r\n"), "a fragment is never sent (RFC 9112 §3.2): 400").toBe(400);
    expect(verdict("GET http://u@a.test/p HTTP/1.1\r\nHost: a.test\r\n\r\n"), "the absolute target's authority is checked as Host is").toBe(400);
    const { result } = simulate({ seed: SEED, latency: 1 }, function* (net) {
      const [b] = backendsNamed("b1");
      const seen = yield* backendOn(net, b);
      yield* proxyOn(net, [b]);
      yield* raw(net.host("client"), "GET http://a.test/p HTTP/1.1\r\nHost: b.test\r\nConnection: close\r\n\r\n");
      return seen.requests[0];
    });
    expect(result.target).toBe("/p");
    expect(result.headers.filter(([n]) => n.toLowerCase() === "host")).toEqual([["Host", "a.test"]]);
  });

  it("never forwards an ambiguous request: each gets its RFC 9112 status and a closed connection, and no backend sees a byte (1 pts)", () => {
    const h = "Host: x\r\n";
    const cases: [string, string, number][] = [
      ["Content-Length and Transfer-Encoding", `POST / HTTP/1.1\r\n${h}Content-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`, 400],
      ["two Content-Lengths", `POST / HTTP/1.1\r\n${h}Content-Length: 3\r\nContent-Length: 3\r\n\r\nabc`, 400],
      ["a comma-joined Content-Length", `POST / HTTP/1.1\r\n${h}Content-Length: 3, 3\r\n\r\nabc`, 400],
      ["chunked not last", `POST / HTTP/1.1\r\n${h}Transfer-Encoding: chunked, identity\r\n\r\n`, 400],
      ["an unknown coding before chunked", `POST / HTTP/1.1\r\n${h}Transfer-Encoding: gzip, chunked\r\n\r\n`, 501],
      ["Transfer-Encoding in HTTP/1.0", `POST / HTTP/1.0\r\n${h}Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n`, 400],
      ["obs-fold", `GET / HTTP/1.1\r\n${h}X-A: 1\r\n  folded\r\n\r\n`, 400],
      ["a bare LF", `GET / HTTP/1.1\n${h}\r\n`, 400],
      ["a bare CR in a value", `GET / HTTP/1.1\r\n${h}X-A: 1\r2\r\n\r\n`, 400],
      ["a NUL in a value", `GET / HTTP/1.1\r\n${h}X-A: 1\x002\r\n\r\n`, 400],
      ["a space before the colon", `GET / HTTP/1.1\r\n${h}Content-Length : 0\r\n\r\n`, 400],
      ["no Host in HTTP/1.1", "GET / HTTP/1.1\r\n\r\n", 400],
      ["an overlong request line", `GET /${"a".repeat(9000)} HTTP/1.1\r\n${h}\r\n`, 414],
      ["an oversized head", `GET / HTTP/1.1\r\n${h}${"X-Pad: ".concat("b".repeat(4000), "\r\n").repeat(5)}\r\n`, 431],
      ["a body over maxBodyBytes", `POST / HTTP/1.1\r\n${h}Content-Length: 2000000\r\n\r\n`, 413],
      ["HTTP/2.0 in a request line", `GET / HTTP/2.0\r\n${h}\r\n`, 505],
      ["CONNECT", "CONNECT a.test:443 HTTP/1.1\r\nHost: a.test:443\r\n\r\n", 501],
    ];
    const { result } = simulate({ seed: SEED, latency: 1 }, function* (net) {
      const [b] = backendsNamed("b1");
      const seen = yield* backendOn(net, b);
      const proxy = yield* proxyOn(net, [b]);
      const got: [string, number[]][] = [];
      for (const [name, text] of cases) got.push([name, statuses((yield* raw(net.host("client"), text, "GET /after HTTP/1.1\r\nHost: x\r\n\r\n")).text)]);
      return { got, backend: seen.connections, refused: proxy.counters.refused };
    });
    expect(result.got, "each refused once, and nothing after it on the connection is served (the framing statuses come from your lab 07 parser; CONNECT and the target's from validateRequest)").toEqual(cases.map(([name, , status]) => [name, [status]]));
    expect(result.backend, "no backend connection was ever opened").toBe(0);
  });

  it("forwards with Via, X-Forwarded-* and Forwarded, and speaks the PROXY protocol on accept (v1) and to backends (v2) (1 pts)", () => {
    const { result } = simulate({ seed: SEED, latency: 1 }, function* (net) {
      const [b] = backendsNamed("b1");
      const seen: { proxyHeader: string; headers: [string, string][] }[] = [];
      const l = yield* net.host("b1").listen(b.address);
      spawn(function* () {
        for (;;) {
          const s = yield* l.accept();
          spawn(function* () {
            const h = yield* proxyAccept.readProxyHeader(s);
            yield* handleConnection(s, function* (req) {
              seen.push({ proxyHeader: `v${h.version} ${h.command} ${h.source?.host}:${h.source?.port}`, headers: req.headers.toJSON() });
              return { body: "ok" };
            });
          });
        }
      });
      const proxy = yield* proxyOn(net, [b], { acceptProxy: true, sendProxy: 2 });
      const ok = yield* raw(net.host("client"), "PROXY TCP4 203.0.113.7 10.0.0.1 51000 80\r\nGET /a HTTP/1.1\r\nHost: shop.test\r\nX-Forwarded-For: 198.51.100.1\r\nConnection: close, X-Secret\r\nX-Secret: s\r\n\r\n");
      const bare = yield* raw(net.host("client"), "GET /a HTTP/1.1\r\nHost: shop.test\r\n\r\n");
      return { ok: ok.text, bare: bare.text, seen, dropped: proxy.counters.badProxyHeaders };
    });
    expect(statuses(result.ok)).toEqual([200]);
    expect(result.ok, "the response says the proxy was there").toMatch(/\r\nVia: 1\.1 hub\r\n/);
    expect(result.seen.length).toBe(1);
    expect(result.seen[0].proxyHeader, "the backend learns the client from the v2 header the proxy sent").toBe("v2 proxy 203.0.113.7:51000");
    const fields = Object.fromEntries(result.seen[0].headers.map(([n, v]) => [n.toLowerCase(), v]));
    expect(fields["x-forwarded-for"], "the client the PROXY header named is appended").toBe("198.51.100.1, 203.0.113.7");
    expect(fields["forwarded"]).toMatch(/^for="203\.0\.113\.7:51000";/);
    expect([fields["x-forwarded-proto"], fields["x-forwarded-host"], fields["via"]]).toEqual(["http", "shop.test", "1.1 hub"]);
    expect(fields["x-secret"], "a field Connection names is hop-by-hop").toBeUndefined();
    expect(result.bare, "no PROXY header: dropped without an answer").toBe("");
    expect(result.dropped).toBe(1);
  });

  it("a valid stream proxies the same however it is cut, and random bytes never break the proxy (fast-check) (1 pts)", () => {
    const requestArb = fc.record({
      method: fc.constantFrom("GET", "POST", "PUT", "DELETE"),
      target: fc.stringMatching(/^\/[A-Za-z0-9/?=&.~_-]{0,16}$/),
      body: fc.string({ maxLength: 200 }).map((s) => Buffer.from(s).toString("latin1")),
      chunked: fc.boolean(),
    });
    type Req = { method: string; target: string; body: string; chunked: boolean };
    const serialize = (r: Req, last: boolean): string => {
      const head = `${r.method} ${r.target} HTTP/1.1\r\nHost: x\r\n${last ? "Connection: close\r\n" : ""}`;
      if (!r.chunked) return `${head}Content-Length: ${r.body.length}\r\n\r\n${r.body}`;
      const half = r.body.length >> 1;
      const chunks = [r.body.slice(0, half), r.body.slice(half)].filter((c) => c.length > 0);
      return `${head}Transfer-Encoding: chunked\r\n\r\n${chunks.map((c) => `${c.length.toString(16)}\r\n${c}\r\n`).join("")}0\r\n\r\n`;
    };
    fc.assert(
      fc.property(fc.array(requestArb, { minLength: 1, maxLength: 3 }), fc.array(fc.nat(), { maxLength: 6 }), fc.uint8Array({ minLength: 1, maxLength: 300 }), (reqs, cuts, junk) => {
        const stream = reqs.map((r, i) => serialize(r, i === reqs.length - 1)).join("");
        const at = [...new Set(cuts.map((c) => c % (stream.length + 1)))].sort((a, b) => a - b);
        const pieces: (string | number)[] = [];
        for (let i = 0, from = 0; i <= at.length; i++) {
          const to = i < at.length ? at[i] : stream.length;
          pieces.push(stream.slice(from, to), 1);
          from = to;
        }
        const { result } = simulate({ seed: SEED, latency: 1 }, function* (net) {
          const [b] = backendsNamed("b1");
          const seen = yield* backendOn(net, b);
          yield* proxyOn(net, [b], { limits: { headerTimeout: 2000 } });
          const valid = yield* raw(net.host("client"), ...pieces.map((p) => (typeof p === "string" ? Buffer.from(p, "latin1") : p)));
          const before = seen.requests.length;
          const random = yield* raw(net.host("client"), Buffer.from(junk));
          return { valid: statuses(valid.text), seen: seen.requests.slice(0, before), junk: statuses(random.text), junkReached: seen.requests.length - before };
        });
        expect(result.valid, coreReplay).toEqual(reqs.map(() => 200));
        expect(result.seen.map((r) => [r.method, r.target, r.body]), coreReplay).toEqual(reqs.map((r) => [r.method, r.target, r.body]));
        for (const s of result.junk) expect([400, 408, 413, 414, 431, 501, 505], coreReplay).toContain(s);
        expect(result.junkReached, coreReplay).toBe(0);
      }),
      { numRuns: 40, seed: SEED },
    );
  });

  it("cuts a slowloris client at headerTimeout with 408 while others are served, and closes an idle kept-alive connection quietly (1 pts)", () => {
    const { result } = simulate({ seed: SEED, latency: 1 }, function* (net) {
      const [b] = backendsNamed("b1");
      yield* backendOn(net, b);
      yield* proxyOn(net, [b], { limits: { headerTimeout: 10_000, keepAliveTimeout: 5_000 } });
      const drip: (string | number)[] = ["GET / HTTP/1.1\r\n"];
      for (let i = 0; i < 10; i++) drip.push(3000, `X-Drip-${i}: y\r\n`);
      const slow = spawn(raw, net.host("slow"), ...drip);
      yield* sleep(100);
      const other = yield* raw(net.host("client"), "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
      const idle = yield* raw(net.host("client"), "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
      return { slow: yield* slow.wait(), other: { statuses: statuses(other.text), at: other.at }, idle: { statuses: statuses(idle.text), at: idle.at - other.at } };
    });
    expect(statuses(result.slow.text)).toEqual([408]);
    expect(result.slow.at, "cut at the header timeout (and a linger of at most a second)").toBeGreaterThanOrEqual(10_000);
    expect(result.slow.at).toBeLessThan(11_500);
    expect(result.other.statuses).toEqual([200]);
    expect(result.other.at, "served at once").toBeLessThan(200);
    expect(result.idle.statuses, "answered, then closed without a 408").toEqual([200]);
    expect(result.idle.at).toBeGreaterThanOrEqual(5_000);
    expect(result.idle.at).toBeLessThan(5_100);
  });
});

