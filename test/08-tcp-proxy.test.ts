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
import type { Address, Listener, Network, Socket } from "@target/05-green-sockets/socket";
import type { Backend } from "@target/08-tcp-proxy/balancer";
import { NoBackendError } from "@target/08-tcp-proxy/errors";
import { connectBackend } from "@target/08-tcp-proxy/failover";
import { fastNetwork } from "@target/08-tcp-proxy/fast-net";
import { greenRelay, pump } from "@target/08-tcp-proxy/pipe";
import { Proxy, type ProxyOptions } from "@target/08-tcp-proxy/proxy";
import { RoundRobin } from "@target/08-tcp-proxy/round-robin";
import { spliceRelay } from "@target/08-tcp-proxy/splice";
import { statsFor } from "@target/08-tcp-proxy/stats";
import { pattern, readAll, replayWith, request, SEED, server, simulate, socketPair } from "./support/net";
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

  it("takes the backends in turn and wraps around, a single backend every time (1 pts)", () => {
    const rr = new RoundRobin(bs);
    expect(Array.from({ length: 7 }, () => rr.pick(() => true)!.name)).toEqual(["a", "b", "c", "a", "b", "c", "a"]);
    const one = new RoundRobin([backend("solo")]);
    expect(
      Array.from({ length: 3 }, () => one.pick(() => true)?.name ?? null),
      "a RoundRobin of one backend must pick it every time: a search looks at all n backends, not n - 1",
    ).toEqual(["solo", "solo", "solo"]);
  });

  it("skips backends it may not use, looking at every one, and the next turn starts after the one chosen (1 pts)", () => {
    const rr = new RoundRobin(bs);
    const notB = (x: Backend): boolean => x.name !== "b";
    expect([rr.pick(() => true), rr.pick(notB), rr.pick(() => true), rr.pick(notB)].map((x) => x!.name)).toEqual(["a", "c", "a", "c"]);
    const onlyA = (x: Backend): boolean => x.name === "a";
    const rr2 = new RoundRobin(bs);
    expect(
      [rr2.pick(() => true), rr2.pick(onlyA)].map((x) => x?.name ?? null),
      "after a, the search starts at b and must wrap around to a, the last of the n backends it looks at",
    ).toEqual(["a", "a"]);
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

  it("a half-close either way: the client still gets the whole answer, the backend the whole request (2 pts)", () => {
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

    // The other way round: the backend answers at once and half-closes, then reads a request that is still coming.
    // The relay's own pump (backend → client) is done first; the relay must still wait for the spawned one.
    const other = simulate({ latency: 3, seed: SEED }, function* (net) {
      let backendGot = -1;
      const counted = yield* relayOnce(net, function* (s) {
        yield* s.sendall("ready");
        s.shutdown();
        backendGot = (yield* readAll(s)).length;
      });
      const c = yield* net.host("c").connect(LB);
      const greeting = (yield* readAll(c)).toString();
      yield* sleep(20);
      let sent = "sent";
      try {
        yield* c.sendall(pattern(200_000));
        c.shutdown();
      } catch (e) {
        sent = (e as Error).name;
      }
      yield* sleep(500);
      return { greeting, sent, backendGot, up: counted.up, relayEnded: counted.ended, relayThrew: (counted.error as Error | null)?.name ?? null };
    }).result;
    expect(
      other,
      "after the backend's half-close, greenRelay must go on relaying the client's request: it returns only once the spawned pump has ended too",
    ).toEqual({ greeting: "ready", sent: "sent", backendGot: 200_000, up: 200_000, relayEnded: true, relayThrew: null });
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

  it("a reset on either side reaches the other, and the relay throws that first failure; pump never throws (2 pts)", () => {
    // pump alone: a reset on the socket it reads goes to fail, once, and pump returns normally.
    const alone = simulate({ latency: 2 }, function* (net) {
      const [client, fromClient] = yield* socketPair(net, "c", "p", 1);
      const [toServer] = yield* socketPair(net, "p", "s", 2);
      const failures: string[] = [];
      const t = spawn(function* () {
        try {
          yield* pump(fromClient, toServer, () => {}, (e: unknown) => failures.push((e as Error).name));
          return "returned";
        } catch (e) {
          return `threw ${(e as Error).name}`;
        }
      });
      yield* client.sendall("some");
      yield* sleep(10);
      client.abort();
      return { pump: yield* t.wait(), failures };
    }).result;
    expect(alone, "pump hands every error to fail and returns: a pump never throws").toEqual({ pump: "returned", failures: ["ConnectionResetError"] });

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

    // A client that resets while both pumps wait: its pump fails first; the abort that follows makes the other pump
    // fail too (SocketClosedError), and that second failure is only the echo of the first.
    const clientReset = simulate({ latency: 5, seed: SEED }, function* (net) {
      let backendSaw = "";
      const counted = yield* relayOnce(net, function* (s) {
        try {
          yield* readAll(s);
          backendSaw = "end of stream";
        } catch (e) {
          backendSaw = (e as Error).name;
        }
      });
      const c = yield* net.host("c").connect(LB);
      yield* c.sendall("half a requ");
      yield* sleep(50);
      c.abort();
      yield* sleep(100);
      return { backendSaw, relayThrew: (counted.error as Error | null)?.name, ended: counted.ended };
    }).result;
    expect(
      clientReset,
      "the relay throws the first failure (the client's reset), not a later one such as the SocketClosedError of its own abort",
    ).toEqual({ backendSaw: "ConnectionResetError", relayThrew: "ConnectionResetError", ended: true });
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
      const first = [up.backend.name, stats.get(bs[0])!.connectFailures, getHub().now()];
      const start = getHub().now();
      const again = yield* connectBackend(net.host("lb"), new RoundRobin(bs), statsFor(bs));
      again.sock.close();
      return { first, byDefault: [again.backend.name, getHub().now() - start] };
    });
    expect(result.first).toEqual(["b2", 1, 260]);
    expect(result.byDefault, "without connectTimeout, a connect attempt times out after 1000 ms (then b2 connects in 10)").toEqual(["b2", 1010]);
  });

  it("a backend failing maxFails times in a row is skipped for the cool-down, then tried again; only a success resets the streak (1 pts)", () => {
    const { result } = simulate({ latency: 5 }, function* (net) {
      const bs = [backend("b1"), backend("b2")];
      net.host("b1"); // up, but refusing
      yield* server(net.host("b2"), bs[1].address, answers("b2"));
      const stats = statsFor(bs);
      const b1 = stats.get(bs[0])!;
      const rr = new RoundRobin(bs);
      function* connectOnce(): Green<void> {
        const up = yield* connectBackend(net.host("lb"), rr, stats, { maxFails: 2, cooldown: 1000 });
        up.sock.close();
      }
      yield* sleep(5000); // the clock is not at 0: skipUntil is a time, not a duration
      const failures: number[] = [];
      let cooling = "";
      for (let i = 0; i < 6; i++) {
        const before = getHub().now();
        yield* connectOnce();
        failures.push(b1.connectFailures);
        if (i === 1) cooling = `skipUntil ${b1.skipUntil - before} ms after the start of the connect that failed`;
      }
      yield* sleep(1000);
      yield* connectOnce(); // the cool-down is over: b1 is tried again, fails, and cools down again at once
      failures.push(b1.connectFailures);
      yield* connectOnce();
      failures.push(b1.connectFailures);
      const streakAfterFailures = b1.failStreak;
      yield* server(net.host("b1"), bs[0].address, answers("b1")); // b1 comes back
      yield* sleep(1000);
      yield* connectOnce();
      yield* connectOnce(); // one of the two goes to b1
      // The defaults: maxFails 3, cooldown 10 000 ms. A fresh backend b3 that refuses, alone with b2.
      const bs2 = [backend("b3"), backend("b2")];
      net.host("b3");
      const stats2 = statsFor(bs2);
      const rr2 = new RoundRobin(bs2);
      const b3 = stats2.get(bs2[0])!;
      const defaults: string[] = [];
      const before = getHub().now();
      for (let i = 0; i < 4; i++) {
        const up = yield* connectBackend(net.host("lb"), rr2, stats2);
        up.sock.close();
        defaults.push(`${b3.connectFailures} ${b3.skipUntil > 0 ? b3.skipUntil - before : "not cooling"}`);
      }
      return { failures, cooling, streakAfterFailures, streakAfterSuccess: b1.failStreak, defaults };
    });
    // b1 fails on the first two connects (each time b2 takes over), is then left alone, and tried again after the
    // cool-down; still failing, it goes straight back to cooling down.
    expect(result.cooling, "once the streak reaches maxFails, skipUntil = now + cooldown (the hub's now)").toBe(
      "skipUntil 1010 ms after the start of the connect that failed",
    );
    expect(result.failures, "b1's connectFailures after each connect").toEqual([1, 2, 2, 2, 2, 2, 3, 3]);
    expect(result.streakAfterFailures, "b1's failStreak after three failures in a row: the cool-down does not reset it").toBe(3);
    expect(result.streakAfterSuccess, "b1's failStreak after a successful connect: a success resets it to 0").toBe(0);
    expect(result.defaults, "by default a backend cools down after 3 failures in a row (maxFails), for 10 000 ms (cooldown)").toEqual([
      "1 not cooling",
      "2 not cooling",
      "3 10050", // each connect takes 20 ms (b3 refuses, b2 connects): the third fails at 50, skipped until 50 + 10 000
      "3 10050",
    ]);
  });

  it("throws NoBackendError when every backend fails, each tried at most once and at most attempts in all (1 pts)", () => {
    const { result } = simulate({ latency: 5 }, function* (net) {
      const bs = [backend("b1"), backend("b2"), backend("b3")];
      for (const b of bs) net.host(b.name); // hosts up, nothing listening
      function* failures(options: { attempts?: number }): Green<unknown> {
        const stats = statsFor(bs);
        try {
          yield* connectBackend(net.host("lb"), new RoundRobin(bs), stats, { maxFails: 100, ...options });
          return "connected";
        } catch (e) {
          return [e instanceof NoBackendError, [...stats.values()].map((s) => s.connectFailures)];
        }
      }
      return { byDefault: yield* failures({}), two: yield* failures({ attempts: 2 }), five: yield* failures({ attempts: 5 }) };
    });
    expect(result.byDefault).toEqual([true, [1, 1, 1]]);
    expect(result.two, "with attempts 2, only two backends are tried").toEqual([true, [1, 1, 0]]);
    expect(result.five, "with attempts 5 and 3 backends, each backend is still tried at most once for one client").toEqual([true, [1, 1, 1]]);
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

    // The accept loop ends quietly only when accept throws SocketClosedError (the listener closed); any other error
    // is thrown on, so the hub reports it. Here the listener's second accept throws a TypeError.
    const acceptor = simulate({ latency: 2 }, function* (net) {
      yield* server(net.host("b1"), backend("b1").address, answers("b1"));
      const lb = net.host("lb");
      let accepts = 0;
      const flaky: Network = {
        *listen(addr, backlog) {
          const l = yield* lb.listen(addr, backlog);
          return {
            get address() {
              return l.address;
            },
            get closed() {
              return l.closed;
            },
            close: () => l.close(),
            *accept(timeout) {
              if (++accepts === 2) throw new TypeError("a bug in accept");
              return yield* l.accept(timeout);
            },
          } satisfies Listener;
        },
        connect: (addr, options) => lb.connect(addr, options),
      };
      const proxy = yield* Proxy.start({ network: flaky, listen: LB, balancer: new RoundRobin([backend("b1")]) });
      spawn(function* () {
        yield* request(net.host("c"), LB, "one client");
      });
      try {
        yield* proxy.acceptor!.wait();
        return "the acceptor returned";
      } catch (e) {
        return `the acceptor failed with ${(e as Error).name}: ${(e as Error).message}`;
      }
    }).result;
    expect(acceptor, "an error from accept other than SocketClosedError must end the accept loop by being thrown on").toBe(
      "the acceptor failed with TypeError: a bug in accept",
    );
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

  it("a client that resets mid-stream tears down its backend connection too; an error other than a peer gone is thrown on (1 pts)", () => {
    let watchdogFired = 0;
    const { result } = simulate({ latency: 5, seed: SEED }, function* (net) {
      // Counts the idle watchdog's timers (777 ms here) that fire: a watchdog stopped in a finally never does. The
      // watchdog is the given watchIdle, which sets its timer with hub.schedule(idleTimeout, …): no code of the lab's.
      const hub = getHub();
      const schedule = hub.schedule.bind(hub);
      hub.schedule = ((ms: number, callback: (arg: unknown) => void, arg?: unknown) =>
        schedule(ms, ms === 777 ? (x: unknown) => (watchdogFired++, callback(x)) : callback, arg)) as typeof hub.schedule;
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
        { idleTimeout: 777 },
      );
      const c = yield* net.host("c").connect(LB);
      yield* c.sendall("half a requ");
      yield* sleep(50);
      c.abort();
      yield* sleep(2000);
      return [backendSaw, proxy.clients.active, rows(proxy)[0].active, proxy.connections.size];
    });
    expect(result).toEqual(["ConnectionResetError", 0, 0, 0]);
    expect(watchdogFired, "the idle watchdog of a connection that ended by an error fired later: stop it in a finally").toBe(0);
    const backendTotal = simulate({ latency: 5 }, function* (net) {
      const proxy = yield* proxyFor(net, 1, () =>
        function* (s) {
          yield* readAll(s);
        },
      );
      const c = yield* net.host("c").connect(LB);
      yield* sleep(50);
      c.abort();
      yield* sleep(50);
      return rows(proxy)[0].total;
    }).result;
    expect(backendTotal, "a backend's total counts every connection made to it, however it ended (here by a reset)").toBe(1);

    // A relay that fails with an error that is not a peer going away (a bug): serveClient counts nothing and throws
    // it on, so the hub reports it, which makes simulate() throw it here.
    const buggy = (): unknown =>
      simulate({ latency: 5 }, function* (net) {
        yield* proxyFor(net, 1, answers, {
          *relay() {
            throw new TypeError("a bug in the relay");
          },
        });
        try {
          return yield* request(net.host("c"), LB, "hello", 1000);
        } catch (e) {
          return (e as Error).name;
        }
      });
    expect(buggy, "serveClient must rethrow an error other than a peer gone (isPeerGone) or SocketClosedError").toThrow("a bug in the relay");
  });

  it("a client no backend will take is reset and counted; so is one whose thread never started (1 pts)", () => {
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

    // A connection thread killed before it ever ran (here cancelled as soon as the acceptor registers it): its
    // serveClient never runs, so acceptLoop's exit listener must abort the client socket.
    const neverStarted = simulate({ latency: 5 }, function* (net) {
      const proxy = yield* proxyFor(net, 1, answers);
      const add = proxy.connections.add.bind(proxy.connections);
      proxy.connections.add = (t) => {
        add(t);
        t.cancel();
        return proxy.connections;
      };
      try {
        const c = yield* net.host("c").connect(LB, { timeout: 1000 });
        c.timeout = 1000;
        yield* c.recv();
        return "an answer";
      } catch (e) {
        return `${(e as Error).name}; active ${proxy.clients.active}`;
      }
    }).result;
    expect(neverStarted, "the client of a connection thread that never started must be aborted (acceptLoop's exit listener)").toBe(
      "ConnectionResetError; active 0",
    );
  });

  it("on loopback, the green pipe and the spliced fast path both proxy with half-close, and a cut connection is reset (1 pts)", async () => {
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

    // A connection the proxy cuts (here by the idle timeout) is aborted, so its client sees a reset, not an end of stream.
    const cut = await runReal(function* () {
      const a = yield* server(realNetwork, { host: "127.0.0.1", port: 0 }, function* (s) {
        yield* readAll(s); // silent until the end of the stream
      });
      const proxy = yield* Proxy.start({
        network: fastNetwork,
        relay: spliceRelay,
        idleTimeout: 100,
        listen: { host: "127.0.0.1", port: 0 },
        balancer: new RoundRobin([{ name: "A", address: a }]),
      });
      const c = yield* realNetwork.connect(proxy.address, { timeout: 2000 });
      c.timeout = 2000;
      let saw: string;
      try {
        yield* c.sendall("anyone?");
        saw = (yield* c.recv()).length === 0 ? "end of stream" : "an answer";
      } catch (e) {
        saw = (e as Error).name;
      } finally {
        c.close();
        proxy.listener.close();
      }
      return `${saw}; idle ${proxy.clients.idleTimeouts}`;
    });
    expect(cut, "a connection cut by the idle timeout (spliceRelay) must be aborted: its client sees a reset").toBe("ConnectionResetError; idle 1");
  });
});

describe("task 5: limits and graceful shutdown", () => {
  needsLab05();

  it("past maxConnections the proxy stops accepting: the next client waits for a slot, and shutdown ends the wait (2 pts)", () => {
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

    // A full proxy whose acceptor waits for a slot: shutdown wakes it, it sees the listener closed and ends at once.
    // And an acceptor killed while it waits leaves waitingForSlot false (cleared in a finally).
    const full = simulate({ latency: 1 }, function* (net) {
      const q = backend("q");
      yield* server(net.host("q"), q.address, function* (s) {
        yield* readAll(s); // silent until the end of the stream
      });
      const start = (host: string) =>
        Proxy.start({ network: net.host(host), listen: { host, port: 80 }, balancer: new RoundRobin([q]), maxConnections: 1 });
      const proxy = yield* start("lb-full");
      yield* net.host("c").connect({ host: "lb-full", port: 80 });
      yield* sleep(10);
      const waiting = proxy.waitingForSlot;
      const shutdown = spawn(function* () {
        return yield* proxy.shutdown(1000);
      });
      yield* sleep(1);
      const acceptorEnded = proxy.acceptor!.dead;
      yield* sleep(3000); // a bound: the shutdown must be over by now
      const report = shutdown.dead ? yield* shutdown.wait() : "still running 3 s after shutdown(1000) began";
      const killed = yield* start("lb-kill");
      yield* net.host("c").connect({ host: "lb-kill", port: 80 });
      yield* sleep(10);
      const waitingBefore = killed.waitingForSlot;
      yield* killed.acceptor!.kill();
      return { waiting, acceptorEnded, report, waitingAfterKill: [waitingBefore, killed.waitingForSlot] };
    }).result;
    expect(full.waiting, "at maxConnections the acceptor waits for a slot, with waitingForSlot set").toBe(true);
    expect(full.acceptorEnded, "shutdown wakes an acceptor waiting for a slot, and waitForSlot returns once the listener is closed").toBe(true);
    expect(full.report, "a shutdown of a full proxy returns at its deadline, the open connection cut").toEqual({ finished: 0, cut: 1 });
    expect(full.waitingAfterKill, "waitingForSlot after the waiting acceptor was killed: clear it in a finally").toEqual([true, false]);
  });

  it("the idle timeout (60 s unless given, none if null) cuts a silent connection, not one busy in a single direction (2 pts)", () => {
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

    // idleTimeout left out: 60 000 ms (cut between 60 and 120 s of silence); null: no watchdog at all.
    const defaults = simulate({ latency: 1 }, function* (net) {
      const q = backend("q");
      yield* server(net.host("q"), q.address, function* (s) {
        yield* readAll(s); // silent until the end of the stream
      });
      const silence = (host: string, idleTimeout?: null) =>
        spawn(function* () {
          const proxy = yield* Proxy.start({ network: net.host(host), listen: { host, port: 80 }, balancer: new RoundRobin([q]), idleTimeout });
          const c = yield* net.host("c").connect({ host, port: 80 });
          yield* sleep(10_000); // so that the last byte is not at the watchdog's start
          yield* c.sendall("x");
          const start = getHub().now();
          c.timeout = 200_000;
          try {
            yield* c.recv();
            return "an answer";
          } catch (e) {
            const s = (getHub().now() - start) / 1000; // a silence of ms is noticed between ms and 2 × ms
            return `${(e as Error).name}${(e as Error).name === "TimedOutError" ? "" : ` after ${s < 60 ? "under 60" : s <= 120 ? "60 to 120" : "over 120"} s`}; idle ${proxy.clients.idleTimeouts}`;
          }
        });
      const byDefault = silence("lb-default");
      const none = silence("lb-null", null);
      return { byDefault: yield* byDefault.wait(), none: yield* none.wait() };
    }).result;
    expect(defaults.byDefault, "with idleTimeout left out, a silent connection is cut after 60 000 ms").toBe("ConnectionResetError after 60 to 120 s; idle 1");
    expect(defaults.none, "with idleTimeout null there is no watchdog: 200 s of silence, and nothing cut").toBe("TimedOutError; idle 0");
  });

  it("shutdown refuses new clients, lets open ones finish (returning once they have), and cuts the rest at the deadline (2 pts)", () => {
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

    // When every connection ends before the deadline, shutdown returns then, not at the deadline.
    const quick = simulate({ latency: 2 }, function* (net) {
      const proxy = yield* proxyFor(net, 1, answers);
      const client = spawn(function* () {
        const c = yield* net.host("c").connect(LB);
        yield* sleep(100);
        yield* c.sendall("done");
        c.shutdown();
        yield* readAll(c);
        c.close();
      });
      yield* sleep(10);
      const start = getHub().now();
      const report = yield* proxy.shutdown(10_000);
      const took = getHub().now() - start;
      yield* client.wait();
      return { report, took: took < 1000 ? "under a second" : `${took} ms` };
    }).result;
    expect(quick, "shutdown(10000) returns as soon as the last connection ends (about 100 ms here), not at the deadline").toEqual({
      report: { finished: 1, cut: 0 },
      took: "under a second",
    });
  });
});
