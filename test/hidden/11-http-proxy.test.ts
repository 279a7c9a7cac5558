// Instructor-only tests for lab 11-http-proxy: edge cases the public tests leave out. Graded by the instructor's
// grader and the Gradescope autograder; never handed out with the student edition.
import { describe, expect, it } from "vitest";
// imports: forwarding

// /imports: forwarding
// imports: policies

// /imports: policies
// imports: core
import { getHub } from "@target/02-hub/hub";
import type { Green } from "@target/02-hub/suspend";
import type { Socket } from "@target/05-green-sockets/socket";
import { sleep, spawn } from "@target/03-cancellation/greenthread";
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

// /tasks 1–2

// tasks 3–4: routing and rate limiting

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
      const p = yield* startHttpProxy({ network: realNetwork, listen: { host: "127.0.0.1", port: 0 }, backends: [{ name: "b", address: bl.address }], outlier: null, limits: { headerTimeout: 5000 } });
      const t0 = Date.now();
      const heap0 = process.memoryUsage().heapUsed;
      // They arrive a hundred at a time, so the listen backlog never overflows (a dropped SYN is retried after 1 s).
      const slow = Array.from({ length: N }, (_, i) =>
        spawn(function* () {
          yield* sleep(Math.floor(i / 100) * 20);
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
        }),
      );
      for (let i = 0; i < 300 && p.connections.size < N; i++) yield* sleep(10);
      const allOpenAfter = Date.now() - t0;
      const served = yield* request(realNetwork, p.address, "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 1000);
      const during = p.connections.size;
      const heapDuring = process.memoryUsage().heapUsed - heap0;
      const answers: string[] = [];
      for (const t of slow) answers.push(yield* t.wait());
      yield* p.shutdown(0);
      bl.close();
      return { served, during, heapDuring, answers, allOpenAfter };
    }, 14_000);
    console.log(`slowloris: ${N} slow clients, ${out.during} connections open (after ${out.allOpenAfter} ms) while one more was served, heap +${(out.heapDuring / 1e6).toFixed(1)} MB`);
    expect(out.served).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(out.during, "the slow clients were all accepted and still open").toBeGreaterThanOrEqual(N);
    expect(out.answers.filter((a) => a.startsWith("HTTP/1.1 408")).length, "each slow client got its 408").toBe(N);
    expect(out.heapDuring, "a slow client costs kilobytes, not its head's worth of buffers").toBeLessThan(64e6);
  }, 20_000);
});

// /tasks 5–6
