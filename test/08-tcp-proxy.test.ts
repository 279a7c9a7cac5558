// Grading tests for lab 08-tcp-proxy: round robin, the green pipe (half-close, backpressure, resets), connecting
// with failover, the life of a proxied connection, limits and graceful shutdown. Everything but the loopback tests
// runs on the virtual clock and a seeded simulated network: instant, and the same every time.
//
// A randomized test prints its seed when it fails. Replay it with, for example:
//   SEED=1234 HUB_TARGET=labs npx vitest run test/08-tcp-proxy.test.ts   (on the reference: without HUB_TARGET)
import { describe, expect, it } from "vitest";
import { runReal, runVirtual, sleep } from "@target/02-hub/green";
import { getHub } from "@target/02-hub/hub";
import type { Green } from "@target/02-hub/suspend";
import { spawn } from "@target/03-cancellation/greenthread";
import { ConnectionRefusedError } from "@target/05-green-sockets/errors";
import { realNetwork } from "@target/05-green-sockets/node-network";
import { exponential } from "@target/05-green-sockets/random";
import type { SimNetwork } from "@target/05-green-sockets/sim-network";
import type { Address, Socket } from "@target/05-green-sockets/socket";
import type { Backend } from "@target/08-tcp-proxy/balancer";
import { NoBackendError } from "@target/08-tcp-proxy/errors";
import { connectBackend } from "@target/08-tcp-proxy/failover";
import { fastNetwork } from "@target/08-tcp-proxy/fast-net";
import { greenRelay } from "@target/08-tcp-proxy/pipe";
import { Proxy, type ProxyOptions } from "@target/08-tcp-proxy/proxy";
import { RoundRobin } from "@target/08-tcp-proxy/round-robin";
import { spliceRelay } from "@target/08-tcp-proxy/splice";
import { statsFor } from "@target/08-tcp-proxy/stats";
import { pattern, readAll, replayWith, request, SEED, server, simulate } from "./support/net";
import { needsLab } from "./support/prerequisites";

const replay = replayWith("test/08-tcp-proxy.test.ts");

const backend = (name: string, port = 8080): Backend => ({ name, address: { host: name, port } });
const LB: Address = { host: "lb", port: 80 };

/** A backend that reads the whole request (until the client's half-close) and answers "<name> got N bytes". */
const answers = (name: string) =>
  function* (s: Socket): Green<void> {
    const request = yield* readAll(s);
    yield* s.sendall(`${name} got ${request.length} bytes`);
  };

/** A backend that echoes every chunk until the end of the stream, then closes. */
function* echoChunks(s: Socket): Green<void> {
  for (let b = yield* s.recv(); b.length > 0; b = yield* s.recv()) yield* s.sendall(b);
}

/** Starts backends b1..bN on the simulated network with `handler`, and a proxy on host "lb" in front of them. */
function* proxyFor(net: SimNetwork, n: number, handler: (name: string) => (s: Socket) => Green<void>, options: Partial<ProxyOptions> = {}): Green<Proxy> {
  const backends = Array.from({ length: n }, (_, i) => backend(`b${i + 1}`));
  for (const b of backends) yield* server(net.host(b.name), b.address, handler(b.name));
  return yield* Proxy.start({ network: net.host("lb"), listen: LB, balancer: new RoundRobin(backends), ...options });
}

/** The stats as plain rows, for comparing. */
const rows = (p: Proxy): Record<string, number | string>[] =>
  [...p.stats].map(([b, s]) => ({ backend: b.name, active: s.active, total: s.total, up: s.bytesUp, down: s.bytesDown, failures: s.connectFailures }));

/**
 * The proxy stands on lab 05's sockets. Before the tests that use them, this checks what the proxy relies on —
 * connect, recv until the end of the stream, sendall, a half-close answered, a reset seen as ConnectionResetError —
 * so that a socket that breaks it fails here with a message that says so, not with a timeout in lab 08.
 */
function lab05Sockets(): void {
  const steps: string[] = [];
  let got: string[];
  try {
    got = simulate({ latency: 5, mss: 1000 }, function* (net) {
      const l = yield* net.host("s").listen({ host: "s", port: 1 });
      spawn(function* () {
        const s = yield* l.accept();
        const request = yield* readAll(s);
        yield* s.sendall(`got ${request.length}`);
        s.close();
        const t = yield* l.accept();
        yield* sleep(10);
        t.abort();
      });
      steps.push("connect");
      const c = yield* net.host("c").connect({ host: "s", port: 1 });
      steps.push("sendall of 100 kB");
      yield* c.sendall(pattern(100_000));
      c.shutdown();
      steps.push("recv of the answer sent after the half-close, up to the end of the stream");
      const answer = (yield* readAll(c)).toString();
      c.close();
      const d = yield* net.host("c").connect({ host: "s", port: 1 });
      steps.push("recv when the peer resets the connection");
      let reset = "no error";
      try {
        yield* d.recv();
      } catch (e) {
        reset = (e as Error).name;
      }
      return [answer, reset];
    }).result;
  } catch (e) {
    throw new Error(`it failed at "${steps[steps.length - 1] ?? "the start"}": ${(e as Error).name}: ${(e as Error).message}`);
  }
  const want = ["got 100000", "ConnectionResetError"];
  if (got[0] !== want[0] || got[1] !== want[1]) throw new Error(`got ${JSON.stringify(got)}, not ${JSON.stringify(want)}`);
}

/** Fails every test of a group at once, with lab 05's problem, when lab 05's sockets break what the proxy relies on. */
const needsLab05 = (): void => needsLab("05", "its sockets", lab05Sockets);

describe("task 1: RoundRobin.pick", () => {
  const bs = [backend("a"), backend("b"), backend("c")];

  it("takes the backends in turn and wraps around (1 pts)", () => {
    const rr = new RoundRobin(bs);
    expect(Array.from({ length: 7 }, () => rr.pick(() => true)!.name)).toEqual(["a", "b", "c", "a", "b", "c", "a"]);
  });

  it("skips backends it may not use, and the next turn starts after the one chosen (1 pts)", () => {
    const rr = new RoundRobin(bs);
    const notB = (x: Backend): boolean => x.name !== "b";
    expect([rr.pick(() => true), rr.pick(notB), rr.pick(() => true), rr.pick(notB)].map((x) => x!.name)).toEqual(["a", "c", "a", "c"]);
  });

  it("returns null when no backend may be used (1 pts)", () => {
    const rr = new RoundRobin(bs);
    expect(rr.pick(() => false)).toBeNull();
    expect(rr.pick(() => true)!.name).toBe("a");
  });
});

/**
 * A relay under test without the rest of the proxy: the test's "proxy" thread accepts one client on host "lb",
 * connects to host "b1", and runs greenRelay between them. Resolves to what the relay counted and how it ended.
 */
function* relayOnce(net: SimNetwork, backendHandler: (s: Socket) => Green<void>) {
  yield* server(net.host("b1"), backend("b1").address, backendHandler);
  const l = yield* net.host("lb").listen(LB);
  const counted = { up: 0, down: 0, error: null as unknown, ended: false };
  spawn(function* proxyThread() {
    const client = yield* l.accept();
    const upstream = yield* net.host("lb").connect(backend("b1").address);
    try {
      yield* greenRelay(client, upstream, (n) => (counted.up += n), (n) => (counted.down += n));
    } catch (e) {
      counted.error = e;
    } finally {
      counted.ended = true;
      client.close();
      upstream.close();
    }
  });
  return counted;
}

describe("task 2: the green pipe", () => {
  needsLab05();

  it("forwards a request and its answer, counting the payload bytes each way (2 pts)", () => {
    const { result } = simulate({ latency: 5, seed: SEED }, function* (net) {
      const counted = yield* relayOnce(net, answers("b1"));
      const answer = yield* request(net.host("c"), LB, pattern(100_000));
      yield* sleep(100);
      return { answer, ...counted };
    });
    expect(result).toEqual({ answer: "b1 got 100000 bytes", up: 100_000, down: 19, error: null, ended: true });
  });

  it("a client that half-closes still gets the whole answer, sent after its half-close (2 pts)", () => {
    const { result } = simulate({ latency: 3, seed: SEED }, function* (net) {
      yield* relayOnce(net, function* (s) {
        const got = yield* readAll(s); // the answer starts only after the client's end of stream
        yield* sleep(50);
        yield* s.sendall(Buffer.concat([Buffer.from(`${got.length}:`), pattern(300_000)]));
      });
      const c = yield* net.host("c").connect(LB);
      yield* c.sendall("tell me everything");
      c.shutdown();
      const answer = yield* readAll(c);
      return [answer.subarray(0, 3).toString(), answer.subarray(3).equals(pattern(300_000))];
    });
    expect(result).toEqual(["18:", true]);
  });

  it("a slow client holds the backend back: the relay buffers a bounded amount (2 pts)", () => {
    const { result } = simulate({ latency: 2, seed: SEED }, function* (net) {
      let sent = 0;
      const counted = yield* relayOnce(net, function* (s) {
        for (let i = 0; i < 64; i++) {
          yield* s.sendall(pattern(16_384)); // 1 MiB in all
          sent += 16_384;
        }
      });
      const c = yield* net.host("c").connect(LB);
      c.shutdown();
      yield* sleep(1000); // the client reads nothing for a second
      const stalled = { sent, relayed: counted.down };
      const rest = yield* readAll(c);
      return { stalled, total: rest.length, intact: rest.equals(Buffer.concat(Array.from({ length: 64 }, () => pattern(16_384)))) };
    });
    // Windows and send buffers of 64 KiB + 16 KiB on each hop hold a few hundred KiB at most, not the megabyte.
    expect(result.stalled.sent).toBeLessThan(400_000);
    expect(result.stalled.relayed).toBeLessThan(300_000);
    expect(result.total).toBe(1_048_576);
    expect(result.intact).toBe(true);
  });

  it("a backend that resets mid-stream: the client gets a reset, the relay throws it (2 pts)", () => {
    const { result } = simulate({ latency: 5, seed: SEED }, function* (net) {
      const counted = yield* relayOnce(net, function* (s) {
        yield* s.sendall("partial answ");
        yield* sleep(20);
        s.abort();
      });
      const c = yield* net.host("c").connect(LB);
      c.shutdown();
      const first = (yield* c.recv()).toString();
      let clientSaw = "";
      try {
        yield* c.recv();
      } catch (e) {
        clientSaw = (e as Error).name;
      }
      yield* sleep(50);
      return { first, clientSaw, relayThrew: (counted.error as Error | null)?.name, ended: counted.ended };
    });
    expect(result).toEqual({ first: "partial answ", clientSaw: "ConnectionResetError", relayThrew: "ConnectionResetError", ended: true });
  });
});

describe("task 3: connecting with failover", () => {
  needsLab05();

  it("a refused backend is skipped for the next one, and its failure counted (2 pts)", () => {
    const { result } = simulate({ latency: 5 }, function* (net) {
      const bs = [backend("b1"), backend("b2")];
      net.host("b1"); // the host is up, nothing listens on the port
      yield* server(net.host("b2"), bs[1].address, answers("b2"));
      const stats = statsFor(bs);
      const up = yield* connectBackend(net.host("lb"), new RoundRobin(bs), stats);
      up.sock.close();
      return [up.backend.name, stats.get(bs[0])!.connectFailures, stats.get(bs[1])!.connectFailures, getHub().now()];
    });
    expect(result).toEqual(["b2", 1, 0, 20]); // a refused round trip (10 ms), then a connect (10 ms)
  });

  it("a backend that does not answer times out after connectTimeout, then the next is tried (2 pts)", () => {
    const { result } = simulate({ latency: 5 }, function* (net) {
      const bs = [backend("b1"), backend("b2")];
      for (const b of bs) yield* server(net.host(b.name), b.address, answers(b.name));
      net.partition("lb", "b1");
      const stats = statsFor(bs);
      const up = yield* connectBackend(net.host("lb"), new RoundRobin(bs), stats, { connectTimeout: 250 });
      up.sock.close();
      return [up.backend.name, stats.get(bs[0])!.connectFailures, getHub().now()];
    });
    expect(result).toEqual(["b2", 1, 260]);
  });

  it("a backend failing maxFails times in a row is skipped for the cool-down, then tried again (1 pts)", () => {
    const { result } = simulate({ latency: 5 }, function* (net) {
      const bs = [backend("b1"), backend("b2")];
      net.host("b1"); // up, but refusing
      yield* server(net.host("b2"), bs[1].address, answers("b2"));
      const stats = statsFor(bs);
      const rr = new RoundRobin(bs);
      const failures: number[] = [];
      for (let i = 0; i < 6; i++) {
        const up = yield* connectBackend(net.host("lb"), rr, stats, { maxFails: 2, cooldown: 1000 });
        up.sock.close();
        failures.push(stats.get(bs[0])!.connectFailures);
      }
      yield* sleep(1000);
      const up = yield* connectBackend(net.host("lb"), rr, stats, { maxFails: 2, cooldown: 1000 });
      up.sock.close();
      failures.push(stats.get(bs[0])!.connectFailures);
      return failures;
    });
    // b1 fails on the first two connects (each time b2 takes over), is then left alone, and tried after the cool-down.
    expect(result).toEqual([1, 2, 2, 2, 2, 2, 3]);
  });

  it("throws NoBackendError when every backend fails (1 pts)", () => {
    const { result } = simulate({ latency: 5 }, function* (net) {
      const bs = [backend("b1"), backend("b2"), backend("b3")];
      for (const b of bs) net.host(b.name); // hosts up, nothing listening
      const stats = statsFor(bs);
      try {
        yield* connectBackend(net.host("lb"), new RoundRobin(bs), stats);
        return "connected";
      } catch (e) {
        return [e instanceof NoBackendError, [...stats.values()].map((s) => s.connectFailures)];
      }
    });
    expect(result).toEqual([true, [1, 1, 1]]);
  });
});

describe("task 4: the life of a proxied connection", () => {
  needsLab05();

  it("spreads clients over the backends in turn, and counts connections and bytes per backend (2 pts)", () => {
    const { result } = simulate({ latency: 2, seed: SEED }, function* (net) {
      const proxy = yield* proxyFor(net, 3, answers);
      const answers_: string[] = [];
      for (let i = 0; i < 6; i++) answers_.push(yield* request(net.host("c"), LB, "x".repeat(10 * (i + 1))));
      yield* sleep(10);
      return { answers: answers_, stats: rows(proxy), clients: { ...proxy.clients } };
    });
    expect(result.answers).toEqual(["b1 got 10 bytes", "b2 got 20 bytes", "b3 got 30 bytes", "b1 got 40 bytes", "b2 got 50 bytes", "b3 got 60 bytes"]);
    expect(result.stats).toEqual([
      { backend: "b1", active: 0, total: 2, up: 50, down: 30, failures: 0 },
      { backend: "b2", active: 0, total: 2, up: 70, down: 30, failures: 0 },
      { backend: "b3", active: 0, total: 2, up: 90, down: 30, failures: 0 },
    ]);
    expect(result.clients).toEqual({ active: 0, total: 6, noBackend: 0, idleTimeouts: 0, cutAtShutdown: 0 });
  });

  it("200 concurrent clients on a lossy network each get their own bytes back, and nothing leaks (2 pts)", () => {
    const seed = SEED;
    const { result } = simulate({ latency: exponential(1, 5), loss: 0.01, seed }, function* (net) {
      const proxy = yield* proxyFor(net, 3, () => echoChunks);
      const threads = Array.from({ length: 200 }, (_, i) =>
        spawn(function* client() {
          yield* sleep(i % 17);
          const body = Buffer.concat([Buffer.from(`client ${i}:`), pattern(1000 + 37 * i)]);
          return (yield* request(net.host(`c${i % 10}`), LB, body)) === body.toString();
        }),
      );
      const wrong: number[] = [];
      for (const [i, t] of threads.entries()) if (!(yield* t.wait())) wrong.push(i);
      yield* sleep(1000);
      return {
        wrong,
        totals: rows(proxy).map((r) => r.total),
        active: [proxy.clients.active, proxy.connections.size, ...rows(proxy).map((r) => r.active)],
      };
    });
    expect(result.wrong, `the clients whose answer differed from what they sent; ${replay(seed)}`).toEqual([]);
    expect(result.totals, replay(seed)).toEqual([67, 67, 66]);
    expect(result.active, replay(seed)).toEqual([0, 0, 0, 0, 0]);
  });

  it("a client that resets mid-stream tears down its backend connection too (1 pts)", () => {
    const { result } = simulate({ latency: 5, seed: SEED }, function* (net) {
      let backendSaw = "";
      const proxy = yield* proxyFor(net, 1, () =>
        function* (s) {
          try {
            yield* readAll(s);
            backendSaw = "end of stream";
          } catch (e) {
            backendSaw = (e as Error).name;
          }
        },
      );
      const c = yield* net.host("c").connect(LB);
      yield* c.sendall("half a requ");
      yield* sleep(50);
      c.abort();
      yield* sleep(100);
      return [backendSaw, proxy.clients.active, rows(proxy)[0].active, proxy.connections.size];
    });
    expect(result).toEqual(["ConnectionResetError", 0, 0, 0]);
  });

  it("a client no backend will take is reset and counted (1 pts)", () => {
    const { result } = simulate({ latency: 5 }, function* (net) {
      net.host("b1");
      net.host("b2");
      const proxy = yield* Proxy.start({ network: net.host("lb"), listen: LB, balancer: new RoundRobin([backend("b1"), backend("b2")]) });
      let saw = "";
      try {
        const c = yield* net.host("c").connect(LB);
        yield* c.recv();
      } catch (e) {
        saw = (e as Error).name;
      }
      return [saw, proxy.clients.noBackend, proxy.clients.active];
    });
    expect(result).toEqual(["ConnectionResetError", 1, 0]);
  });

  it("on loopback, the green pipe and the spliced fast path both proxy with half-close (1 pts)", async () => {
    const out = await runReal(function* () {
      const results: string[] = [];
      for (const [name, network, relay] of [["green", realNetwork, greenRelay], ["splice", fastNetwork, spliceRelay]] as const) {
        const a = yield* server(realNetwork, { host: "127.0.0.1", port: 0 }, answers("A"));
        const b = yield* server(realNetwork, { host: "127.0.0.1", port: 0 }, answers("B"));
        const proxy = yield* Proxy.start({
          network,
          relay,
          listen: { host: "127.0.0.1", port: 0 },
          balancer: new RoundRobin([{ name: "A", address: a }, { name: "B", address: b }]),
        });
        const got = [
          yield* request(realNetwork, proxy.address, pattern(200_000), 2000),
          yield* request(realNetwork, proxy.address, "hello", 2000),
        ];
        proxy.listener.close();
        results.push(`${name}: ${got.join(", ")}; up ${rows(proxy).map((r) => r.up).join("+")}; active ${proxy.clients.active}`);
      }
      return results;
    });
    expect(out).toEqual(["green: A got 200000 bytes, B got 5 bytes; up 200000+5; active 0", "splice: A got 200000 bytes, B got 5 bytes; up 200000+5; active 0"]);
  });
});

describe("task 5: limits and graceful shutdown", () => {
  needsLab05();

  it("past maxConnections the proxy stops accepting: the next client waits for a slot (2 pts)", () => {
    const { result } = simulate({ latency: 1 }, function* (net) {
      const proxy = yield* proxyFor(net, 1, () => echoChunks, { maxConnections: 2 });
      const log: string[] = [];
      const hub = getHub();
      const clients = [0, 1, 2].map((i) =>
        spawn(function* client() {
          yield* sleep(i); // they arrive in order
          const c = yield* net.host("c").connect(LB);
          yield* c.sendall(`hi from ${i}`);
          const echoed = (yield* c.recv()).toString();
          log.push(`${hub.now()} ms: ${echoed}`);
          yield* sleep(100 * (i + 1));
          c.close();
        }),
      );
      for (const t of clients) yield* t.wait();
      return [log, proxy.clients.total];
    });
    // Client 2 is answered only once client 0 has left (at about 100 ms), not at once.
    const [log, total] = result as [string[], number];
    expect(log.slice(0, 2)).toEqual(["6 ms: hi from 0", "7 ms: hi from 1"]);
    expect(Number(log[2]!.split(" ")[0])).toBeGreaterThan(100);
    expect(log[2]).toMatch(/: hi from 2$/);
    expect(total).toBe(3);
  });

  it("the idle timeout cuts a silent connection, not one busy in a single direction (2 pts)", () => {
    const { result } = simulate({ latency: 1 }, function* (net) {
      const proxy = yield* proxyFor(net, 1, () =>
        function* (s) {
          const what = (yield* s.recv()).toString();
          if (what === "stream") {
            // 3 s of answer, a chunk every 100 ms, while the client says nothing more.
            for (let i = 0; i < 30; i++) {
              yield* s.sendall("tick ");
              yield* sleep(100);
            }
            return;
          }
          yield* sleep(60_000); // silent
        },
        { idleTimeout: 500 },
      );
      const watcher = spawn(function* silentClient() {
        const silent = yield* net.host("c").connect(LB);
        yield* silent.sendall("wait");
        try {
          yield* silent.recv();
          return "an answer";
        } catch (e) {
          return `${(e as Error).name} ${getHub().now() < 1500 ? "under 1.5 s" : "too late"}`;
        }
      });
      const busy = yield* net.host("c").connect(LB);
      yield* busy.sendall("stream");
      const streamed = (yield* readAll(busy)).toString();
      return [streamed.length, yield* watcher.wait(), proxy.clients.idleTimeouts];
    });
    expect(result).toEqual([150, "ConnectionResetError under 1.5 s", 1]);
  });

  it("shutdown refuses new clients, lets open ones finish, and cuts the rest at the deadline (2 pts)", () => {
    const { result } = simulate({ latency: 2 }, function* (net) {
      const proxy = yield* proxyFor(net, 2, (name) =>
        function* (s) {
          const ms = Number((yield* s.recv()).toString());
          yield* sleep(ms);
          yield* s.sendall(`${name} slept ${ms}`);
        },
      );
      const outcome: string[] = [];
      const clients = [100, 5000].map((ms) =>
        spawn(function* client() {
          const c = yield* net.host("c").connect(LB);
          yield* c.sendall(String(ms));
          try {
            outcome.push((yield* readAll(c)).toString() || "end of stream");
          } catch (e) {
            outcome.push(`${(e as Error).name} at ${getHub().now()} ms`);
          } finally {
            c.close(); // done with it: the proxy sees this side end too
          }
        }),
      );
      yield* sleep(20);
      const shutdown = spawn(function* () {
        return yield* proxy.shutdown(1000);
      });
      yield* sleep(5);
      let late = "";
      try {
        yield* net.host("c").connect(LB);
      } catch (e) {
        late = e instanceof ConnectionRefusedError ? "refused" : String(e);
      }
      const report = yield* shutdown.wait();
      for (const t of clients) yield* t.wait();
      return { late, outcome, report, clients: { ...proxy.clients } };
    });
    expect(result.late).toBe("refused");
    expect(result.outcome).toEqual(["b1 slept 100", "ConnectionResetError at 1022 ms"]);
    expect(result.report).toEqual({ finished: 1, cut: 1 });
    expect(result.clients).toMatchObject({ active: 0, total: 2, cutAtShutdown: 1 });
  });
});
