// Chapter 07 demo: `npm run lab 07`. Lines, framing and the head-time check, smuggling attempts refused, a
// pipelined stream parsed, a server on 127.0.0.1 talked to raw, then our own client and a GreenPool of fetches.
import { done, isNotImplemented, step } from "../00-common/demo";
import { runReal, sleep, spawn } from "../03-cancellation/greenthread";
import type { Green } from "../02-hub/suspend";
import { realNetwork } from "../05-green-sockets/node-network";
import { HttpClient } from "./client";
import { collect } from "./collect";
import { HttpError } from "./errors";
import { checkRequestHead, requestFraming, responseFraming } from "./framing";
import { Headers } from "./headers";
import { fetchAll } from "./fetch-many";
import type { Handler } from "./handler";
import { DEFAULT_LIMITS } from "./limits";
import { RequestParser } from "./parser";
import { serveHttp, type ServerOptions } from "./server";
import { parseFieldLine, parseRequestLine } from "./syntax";

const log = (line: string): void => console.log(`   ${line}`);
const show = (s: string): string => JSON.stringify(s);

/**
 * Runs `main` on the real clock. A thread that fails with "not implemented yet" (a server thread, say) is
 * reported to the hub, not to us: rethrow it so the step says which task to do, instead of a stack trace.
 */
async function real<T>(main: () => Green<T>): Promise<T> {
  const reported: unknown[] = [];
  const todo = (): unknown => reported.find((e) => isNotImplemented(e));
  try {
    const result = await runReal(main, { report: (_g, e) => reported.push(e) });
    if (todo()) throw todo();
    for (const e of reported) throw e;
    return result;
  } catch (e) {
    throw todo() ?? e;
  }
}

await step("Task 1: a request line and two field lines, byte by byte", () => {
  const line = (text: string): [Buffer, number, number] => [Buffer.from(text, "latin1"), 0, text.length];
  log(JSON.stringify(parseRequestLine(...line("GET /index.html?lang=en HTTP/1.1"))));
  log(JSON.stringify(parseFieldLine(...line("Content-Type:  text/html \t"))));
  try {
    parseFieldLine(...line("  folded onto the line before"));
  } catch (e) {
    if (!(e instanceof HttpError)) throw e;
    log(`"  folded onto the line before" → ${e.status}: ${e.message}`);
  }
});

await step("Task 2: where does the body end? The head alone decides", () => {
  const cases: [string, [string, string][]][] = [
    ["Content-Length: 12", [["Content-Length", "12"]]],
    ["Transfer-Encoding: chunked", [["Transfer-Encoding", "chunked"]]],
    ["no framing field", []],
    ["both fields", [["Content-Length", "12"], ["Transfer-Encoding", "chunked"]]],
  ];
  for (const [what, fields] of cases) {
    try {
      log(`${what} → ${JSON.stringify(requestFraming("HTTP/1.1", new Headers(fields)))}`);
    } catch (e) {
      if (!(e instanceof HttpError)) throw e;
      log(`${what} → ${e.status}: ${e.message}`);
    }
  }
  const head = responseFraming(200, "HEAD", new Headers({ "Content-Length": "12" }));
  log(`a response to HEAD with Content-Length: 12 → ${JSON.stringify(head)}`);
  // The head-time check a server (and later a proxy) runs before any handler: the body limit is part of it.
  const limits = { maxBodyBytes: 1024 };
  log(`checkRequestHead with limits ${JSON.stringify(limits)}:`);
  for (const length of ["1024", "1025", "99999999999999999999"]) {
    const line = { method: "POST", target: "/upload", version: "HTTP/1.1" } as const;
    try {
      const { framing } = checkRequestHead(line, new Headers({ Host: "demo", "Content-Length": length }), limits);
      log(`  Content-Length: ${length} → ${JSON.stringify(framing)}`);
    } catch (e) {
      if (!(e instanceof HttpError)) throw e;
      log(`  Content-Length: ${length} → ${e.status}: ${e.message}`);
    }
  }
});

await step("Task 3: request smuggling attempts and oversized heads are refused when the head ends", () => {
  log(`limits: ${JSON.stringify(DEFAULT_LIMITS)}`);
  const attempts: [string, string][] = [
    ["Content-Length and chunked together", "POST / HTTP/1.1\r\nHost: demo\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"],
    ["two Content-Length fields", "POST / HTTP/1.1\r\nHost: demo\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n"],
    ["a space before the colon", "POST / HTTP/1.1\r\nHost: demo\r\nTransfer-Encoding : chunked\r\n\r\n"],
    ["a 20 kB header field", `GET / HTTP/1.1\r\nHost: demo\r\nX-Big: ${"x".repeat(20_000)}\r\n\r\n`],
  ];
  for (const [what, input] of attempts) {
    try {
      collect(new RequestParser(), [Buffer.from(input)]);
      log(`${what}: accepted (it should not be)`);
    } catch (e) {
      if (!(e instanceof HttpError)) throw e;
      log(`${what}: ${e.status} (${e.message})`);
    }
  }
});

await step("Task 4: one stream, three pipelined requests, parsed", () => {
  const stream =
    "GET /hello HTTP/1.1\r\nHost: demo\r\n\r\n" +
    "POST /form HTTP/1.1\r\nHost: demo\r\nContent-Length: 9\r\n\r\nname=Ada!" +
    "PUT /log HTTP/1.1\r\nHost: demo\r\nTransfer-Encoding: chunked\r\n\r\n4;note=x\r\nline\r\n2\r\n 2\r\n0\r\nChecksum: 42\r\n\r\n";
  // Cut at arbitrary places, as a network would: the messages come out the same.
  const chunks = [stream.slice(0, 23), stream.slice(23, 90), stream.slice(90)].map((s) => Buffer.from(s));
  for (const m of collect(new RequestParser(), chunks)) {
    const trailers = m.trailers.size ? ` trailers ${JSON.stringify(m.trailers)}` : "";
    log(`${m.head.method} ${m.head.target}  body ${show(m.body.toString())}${trailers}`);
  }
});

/** The demo site: a page, and slow pages that take 50 ms each to make. */
const site: Handler = function* (req) {
  if (req.target.startsWith("/slow/")) {
    yield* sleep(50);
    return { headers: { "Content-Type": "text/plain" }, body: `slow page ${req.target.slice(6)}` };
  }
  return {
    headers: { "Content-Type": "text/html; charset=utf-8" },
    body: function* (write) {
      yield* write("<h1>Hub & Spokes</h1>\n");
      yield* write(`<p>You asked for ${req.target} with ${req.method}.</p>\n`);
    },
  };
};

/** Sends `request` on a new connection to `port` and returns the whole answer, up to the server's close. */
function* rawRequest(port: number, request: string): Green<string> {
  const sock = yield* realNetwork.connect({ host: "127.0.0.1", port });
  try {
    yield* sock.sendall(request);
    const parts: Buffer[] = [];
    for (let b = yield* sock.recv(); b.length > 0; b = yield* sock.recv()) parts.push(b);
    return Buffer.concat(parts).toString("latin1");
  } finally {
    sock.close();
  }
}

await step("Task 5: serve on 127.0.0.1 and talk to the server in raw HTTP", () =>
  real(function* () {
    const options: ServerOptions = { headerTimeout: 2000, keepAliveTimeout: 1000, limits: { maxBodyBytes: 1024 } };
    const listener = yield* realNetwork.listen({ host: "127.0.0.1", port: 0 });
    log("listening on 127.0.0.1, on a port the system chose");
    log(`server options: ${JSON.stringify(options)}`);
    let calls = 0;
    const counted: Handler = function* (req) {
      calls++;
      return yield* site(req);
    };
    spawn(serveHttp, listener, counted, options);
    const port = listener.address.port;
    try {
      const requests: [string, string][] = [
        ["two pipelined GETs, the second with Connection: close", "GET /a HTTP/1.1\r\nHost: demo\r\n\r\nGET /b HTTP/1.1\r\nHost: demo\r\nConnection: close\r\n\r\n"],
        ["a POST announcing 5000 bytes", "POST /upload HTTP/1.1\r\nHost: demo\r\nContent-Length: 5000\r\n\r\n"],
      ];
      for (const [what, request] of requests) {
        const before = calls;
        const answer = yield* rawRequest(port, request);
        const statuses = answer.split("\r\n").filter((line) => line.startsWith("HTTP/1.1 "));
        log(`${what} → ${statuses.join(", ")} (handler calls: ${calls - before})`);
      }
    } finally {
      listener.close();
    }
  }),
);

await step("Task 6: fetch pages with our own client, over one kept-alive connection", () =>
  real(function* () {
    const listener = yield* realNetwork.listen({ host: "127.0.0.1", port: 0 });
    spawn(serveHttp, listener, site, {});
    log("client options: { timeout: 2000 }");
    const client = new HttpClient({ network: realNetwork, timeout: 2000 });
    const base = `http://127.0.0.1:${listener.address.port}`;
    try {
      for (const path of ["/", "/again"]) {
        const r = yield* client.get(base + path);
        log(`GET ${path} → ${r.status} ${r.reason}, ${r.headers.get("transfer-encoding") ?? "length " + r.headers.get("content-length")}`);
        for (const line of r.text().trimEnd().split("\n")) log(`   ${line}`);
      }
      log(`connections opened: ${client.stats.connections}, requests that reused one: ${client.stats.reused}`);
    } finally {
      client.close();
      listener.close();
    }
  }),
);

await step("Task 6: eight slow pages fetched four at a time through a GreenPool", () =>
  real(function* () {
    const listener = yield* realNetwork.listen({ host: "127.0.0.1", port: 0 });
    spawn(serveHttp, listener, site, {});
    log("fetchAll concurrency: 4, client options: { timeout: 2000 }; each page takes 50 ms to make");
    const client = new HttpClient({ network: realNetwork, timeout: 2000 });
    const base = `http://127.0.0.1:${listener.address.port}`;
    try {
      const urls = Array.from({ length: 8 }, (_, i) => `${base}/slow/${i + 1}`);
      for (const r of yield* fetchAll(client, urls, 4)) {
        log(r.error ? `failed: ${String(r.error)}` : `${r.status} ${r.body?.toString()}`);
      }
      log(`connections opened: ${client.stats.connections} (the pool's four threads share them)`);
    } finally {
      client.close();
      listener.close();
    }
  }),
);

done();
