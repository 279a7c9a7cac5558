// Grading tests for lab 11-http-proxy. (header: proxy core owner)
import { describe, expect, it } from "vitest";
// imports: forwarding
// Forwarding and the PROXY protocol (tasks 1–2): namespaces, so the names other tasks import stay free.
import fastCheck from "fast-check";
import * as green02 from "@target/02-hub/green";
import * as httpHeaders from "@target/07-http/headers";
import * as forwarding from "@target/11-http-proxy/forwarding";
import * as proxyAccept from "@target/11-http-proxy/proxy-accept";
import * as proxyProtocol from "@target/11-http-proxy/proxy-protocol";
import * as fastNet08 from "@target/08-tcp-proxy/fast-net";
import * as splice08 from "@target/08-tcp-proxy/splice";
import * as supportNet from "./support/net";
import * as ppCases from "./support/proxy-protocol";

// /imports: forwarding
// imports: policies

// /imports: policies
// imports: core

// /imports: core

// tasks 1–2: forwarding and PROXY protocol
// The PROXY protocol's randomized tests use fast-check with a fixed seed and print it on failure; replay one with
//   SEED=1234 npx vitest run test/11-http-proxy.test.ts
describe("task 1: forwarding headers", () => {
  const { Headers } = httpHeaders;
  const fields = (pairs: [string, string][]) => new Headers(pairs);
  const { forwardRequest, forwardResponse, stripHopByHop, trustedClientAddress, upgradeOf } = forwarding;
  const pairs = (h: InstanceType<typeof Headers>): string[] => [...h].map(([n, v]) => `${n}: ${v}`);

  it("strips Connection, every field it names (never Host), and the hop-by-hop fields; keeps the rest in order (1 pts)", () => {
    const h = fields([
      ["Host", "example.com"],
      ["Connection", "keep-alive, X-Secret, host"],
      ["connection", "Upgrade"],
      ["X-Secret", "1"],
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
    expect(h.size, "stripHopByHop returns a copy and leaves its argument alone").toBe(13);
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
    const untrusted = forwardRequest(h, { peer: { host: "2001:db8:cafe::17", port: 4711 }, local: { host: "192.0.2.1", port: 80 } });
    expect(untrusted.client).toBe("2001:db8:cafe::17");
    expect(pairs(untrusted.headers)).toEqual([
      "Host: example.com:8080",
      "X-Forwarded-For: 198.51.100.7, 2001:db8:cafe::17",
      'Forwarded: for=198.51.100.7, for="[2001:db8:cafe::17]:4711";by="192.0.2.1:80";proto=http;host="example.com:8080"',
      "X-Forwarded-Proto: http",
      "X-Forwarded-Host: example.com:8080",
      "Via: 1.0 edge, 1.1 hub",
    ]);
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
  const fc = fastCheck;
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
    // Not enough yet: the fixed 16 bytes, then the announced length.
    expect(parse(Buffer.from(SIG))).toBe(null);
    expect(parse(tcp4.subarray(0, tcp4.length - 1))).toBe(null);
  });

  it("refuses a malformed header with a ProxyProtocolError that names the problem (1 pts)", () => {
    const ok4 = "192.168.0.1 192.168.0.11 56324 443";
    const corpus: [string, string | Buffer, RegExp][] = [
      ["an HTTP request", "GET / HTTP/1.1\r\n", /not a PROXY protocol header/],
      ["a wrong prefix", "PROXX TCP4", /not a PROXY protocol header/],
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
      ["a wrong signature", Buffer.from([...SIG.slice(0, 11), 0x0b]), /not a PROXY protocol header/],
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

// /tasks 1–2

// tasks 3–4: routing and rate limiting

// /tasks 3–4

// tasks 5–6 and the whole proxy

// /tasks 5–6
