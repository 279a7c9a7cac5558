// Instructor-only tests for lab 07-http: edge cases the public tests leave out. Graded by the instructor's
// grader and the Gradescope autograder; never handed out with the student edition. Each checks a behaviour
// the lab README states.
import { describe, expect, it } from "vitest";
import { getHub } from "@target/02-hub/hub";
import type { Green } from "@target/02-hub/suspend";
import { runVirtual, sleep, spawn } from "@target/03-cancellation/greenthread";
import { ConnectionResetError } from "@target/05-green-sockets/errors";
import { SimNetwork } from "@target/05-green-sockets/sim-network";
import { HttpClient } from "@target/07-http/client";
import { collect } from "@target/07-http/collect";
import { HttpError } from "@target/07-http/errors";
import { fetchAll } from "@target/07-http/fetch-many";
import { contentLength, requestFraming } from "@target/07-http/framing";
import type { Handler } from "@target/07-http/handler";
import { Headers } from "@target/07-http/headers";
import { RequestParser } from "@target/07-http/parser";
import { handleConnection } from "@target/07-http/server";
import { parseFieldLine } from "@target/07-http/syntax";
import { bytes, rawExchange, startServer, statusOf } from "../support/http";

/** The status of the first error event of one push, or "no error". */
function pushStatus(input: string | Buffer[], limits = {}): number | string {
  const p = new RequestParser(limits);
  const events = (typeof input === "string" ? [bytes(input)] : input).flatMap((c) => p.push(c));
  const error = events.find((e) => e.type === "error");
  return error && error.type === "error" ? error.error.status : "no error";
}

/** Runs `main` on the virtual clock with a simulated network; returns what it returned and what the hub was told. */
function simulate<T>(main: (net: SimNetwork) => Green<T>): { result: T; reported: unknown[] } {
  const net = new SimNetwork({ seed: 11, latency: 1 });
  const reported: unknown[] = [];
  const { result } = runVirtual(() => main(net), { report: (_g, e) => reported.push(e) });
  return { result, reported };
}

describe("task 1: the line grammar", () => {
  it("a field line is read only within [start, end), its name as written, a blank value empty (1 pts)", () => {
    const b = bytes("junkX-Mixed-Case:  \t \r\nmore");
    expect(parseFieldLine(b, 4, b.indexOf("\r"))).toEqual(["X-Mixed-Case", ""]);
    const c = bytes("ab: 1\tc: 2");
    expect(parseFieldLine(c, 0, 5)).toEqual(["ab", "1"]);
  });
});

describe("task 2: body framing", () => {
  it("Content-Length with leading zeros is its number; gzip or identity alone is not chunked (400) (1 pts)", () => {
    const h = (...pairs: [string, string][]): Headers => new Headers(pairs);
    expect(contentLength(h(["Content-Length", "007"]))).toBe(7);
    expect(contentLength(h(["Content-Length", "0".repeat(30)]))).toBe(0);
    expect(statusOf(() => contentLength(h(["Content-Length", " 5"])))).toBe(400);
    expect(statusOf(() => requestFraming("HTTP/1.1", h(["Transfer-Encoding", "gzip"])))).toBe(400);
    expect(statusOf(() => requestFraming("HTTP/1.1", h(["Transfer-Encoding", "identity"])))).toBe(400);
    expect(requestFraming("HTTP/1.0", h())).toEqual({ kind: "none" });
  });
});

describe("task 3: the parser's head and its limits", () => {
  it("maxHeaderBytes counts the whole head, CRLFs and the empty line included; a line of exactly maxLineBytes passes (1 pts)", () => {
    const head = "GET / HTTP/1.1\r\nHost: x\r\n\r\n"; // 27 bytes
    expect(pushStatus(head, { maxHeaderBytes: 27 })).toBe("no error");
    expect(pushStatus(head, { maxHeaderBytes: 26 })).toBe(431);
    const line = "GET /" + "a".repeat(11) + " HTTP/1.1"; // 25 bytes without its CRLF
    expect(pushStatus(`${line}\r\nHost: x\r\n\r\n`, { maxLineBytes: 25 })).toBe("no error");
    expect(pushStatus(`${line}\r\nHost: x\r\n\r\n`, { maxLineBytes: 24 })).toBe(414);
  });
  it("a partial line is kept as a copy; a chunk-size line over maxLineBytes is 400 before it ends (1 pts)", () => {
    const p = new RequestParser();
    const first = bytes("GET /copied HT");
    const events = p.push(first);
    first.fill(0x58); // the caller reuses its buffer: the parser must not have kept a view of it
    events.push(...p.push(bytes("TP/1.1\r\nHost: x\r\n\r\n")));
    expect(events.map((e) => (e.type === "head" ? e.head.target : e.type))).toEqual(["/copied", "end"]);
    const chunked = "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
    expect(pushStatus(chunked + "5;ext=" + "e".repeat(60), { maxLineBytes: 32 })).toBe(400);
  });
});

describe("task 4: bodies, chunked encoding and pipelining", () => {
  it("body data are views of the pushed chunk, not copies; the CRLF after a chunk may be split (1 pts)", () => {
    const p = new RequestParser();
    const chunk = bytes("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello");
    const data = p.push(chunk).find((e) => e.type === "data");
    expect(data && data.type === "data" && data.data.buffer === chunk.buffer).toBe(true);
    // Small Buffers share Node's pool, so the same ArrayBuffer alone does not prove a view: its place must match too.
    expect(data && data.type === "data" && data.data.byteOffset, "a view of the chunk's own bytes, not a copy").toBe(chunk.byteOffset + chunk.indexOf("hello"));
    const q = new RequestParser();
    const parts = ["POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r", "\n", "0\r\n\r\n"];
    expect(collect(q, parts.map(bytes)).map((m) => m.body.toString())).toEqual(["abc"]);
  });
  it("a trailer section has limits of its own: a full head does not use up the trailers' maxHeaderBytes (1 pts)", () => {
    const limits = { maxHeaderBytes: 96 };
    const head = "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nX-Pad: " + "p".repeat(20) + "\r\n\r\n"; // 85 bytes
    const trailers = "0\r\nT-Pad: " + "t".repeat(70) + "\r\n\r\n"; // 79 bytes of trailer section
    expect(pushStatus(head + "1\r\na\r\n" + trailers, limits)).toBe("no error");
    expect(pushStatus(head + "1\r\na\r\n0\r\nT-Pad: " + "t".repeat(100) + "\r\n\r\n", limits)).toBe(431);
  });
});

describe("task 5: the green server", () => {
  it("a killed connection thread sends nothing and is not reported: a kill is not a 500 (1 pts)", () => {
    const { result, reported } = simulate(function* (net) {
      const l = yield* net.host("server").listen({ host: "server", port: 80 });
      const slow: Handler = function* () {
        yield* sleep(1000);
        return { body: "too late" };
      };
      const client = yield* net.host("client").connect({ host: "server", port: 80 });
      const sock = yield* l.accept();
      const thread = spawn(handleConnection, sock, slow, {});
      yield* client.sendall("GET / HTTP/1.1\r\nHost: s\r\n\r\n");
      yield* sleep(100);
      yield* thread.kill();
      const got: Buffer[] = [];
      for (let b = yield* client.recv(); b.length > 0; b = yield* client.recv()) got.push(b);
      client.close();
      l.close();
      return Buffer.concat(got).toString();
    });
    expect(result).toBe("");
    expect(reported).toEqual([]);
  });
  it("HEAD never runs a function body; a handler's HttpError is answered with its status and the connection closes (1 pts)", () => {
    let ran = 0;
    const handler: Handler = function* (req) {
      if (req.target === "/forbidden") throw new HttpError(403, "not for you");
      return { body: function* (write) { ran++; yield* write("body"); } };
    };
    const { result, reported } = simulate(function* (net) {
      const l = yield* startServer(net, handler);
      const head = (yield* rawExchange(net, "HEAD / HTTP/1.1\r\nHost: s\r\nConnection: close\r\n\r\n")).text;
      const forbidden = (yield* rawExchange(net, "GET /forbidden HTTP/1.1\r\nHost: s\r\n\r\nGET / HTTP/1.1\r\nHost: s\r\n\r\n")).text;
      l.close();
      return [head, forbidden];
    });
    expect(ran).toBe(0);
    expect(result[0]).toMatch(/^HTTP\/1\.1 200 OK\r\n[^]*\r\n\r\n$/);
    expect(result[1]).toMatch(/^HTTP\/1\.1 403 [^]*Connection: close\r\n[^]*not for you/);
    expect(result[1].match(/HTTP\/1\.1 /g)).toHaveLength(1);
    expect(reported).toEqual([]); // an HttpError is an answer, not a bug
  });
});

describe("task 6: the green client and the pool", () => {
  it("skips a 1xx interim response, and does not pool a connection the response closes (1 pts)", () => {
    const { result } = simulate(function* (net) {
      const l = yield* net.host("server").listen({ host: "server", port: 80 });
      spawn(function* () {
        const open = [];
        for (let i = 0; i < 2; i++) {
          const s = yield* l.accept();
          yield* s.recv();
          // Says "Connection: close" but leaves the socket open: a client that pooled it would wait in vain.
          yield* s.sendall(`HTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 3\r\nConnection: close\r\n\r\nr${i}!`);
          open.push(s);
        }
        yield* sleep(5000);
        for (const s of open) s.close();
      });
      const client = new HttpClient({ network: net.host("client"), timeout: 1000 });
      const a = yield* client.get("http://server/a");
      const b = yield* client.get("http://server/b");
      client.close();
      l.close();
      return { got: [a.status, a.text(), b.status, b.text()], stats: client.stats };
    });
    expect(result.got).toEqual([200, "r0!", 200, "r1!"]);
    expect(result.stats).toEqual({ connections: 2, reused: 0 });
  });
  it("a fresh connection closed without a response is a ConnectionResetError, kept in fetchAll's result (1 pts)", () => {
    const { result } = simulate(function* (net) {
      const l = yield* net.host("server").listen({ host: "server", port: 80 });
      spawn(function* () {
        const s = yield* l.accept();
        yield* s.recv();
        s.close(); // hangs up without a word
      });
      const client = new HttpClient({ network: net.host("client"), timeout: 1000 });
      const results = yield* fetchAll(client, ["http://server/hang-up"], 2);
      client.close();
      l.close();
      return { results, at: getHub().now() };
    });
    expect(result.results).toHaveLength(1);
    expect(result.results[0].url).toBe("http://server/hang-up");
    expect(result.results[0].error).toBeInstanceOf(ConnectionResetError);
    expect(result.at).toBeLessThan(1000); // failed at once, not at the deadline
  });
});
