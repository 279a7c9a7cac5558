// Instructor-only tests for lab 11-http-proxy. (header: proxy core owner)
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

// /imports: policies
// imports: core

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

// /tasks 3–4

// tasks 5–6 and the whole proxy

// /tasks 5–6
