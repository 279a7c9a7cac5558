// Instructor-only tests for lab 08-tcp-proxy: edge cases the public tests leave out. Graded by the instructor's
// grader and the Gradescope autograder; never handed out with the student edition. Everything runs on the virtual
// clock and the simulated network.
import { describe, expect, it } from "vitest";
import { sleep } from "@target/02-hub/green";
import { getHub } from "@target/02-hub/hub";
import type { Green } from "@target/02-hub/suspend";
import { spawn } from "@target/03-cancellation/greenthread";
import { SocketClosedError } from "@target/05-green-sockets/errors";
import { SimNetwork, type SimOptions } from "@target/05-green-sockets/sim-network";
import type { Address, Network } from "@target/05-green-sockets/socket";
import type { Backend } from "@target/08-tcp-proxy/balancer";
import { NoBackendError } from "@target/08-tcp-proxy/errors";
import { connectBackend } from "@target/08-tcp-proxy/failover";
import { pump } from "@target/08-tcp-proxy/pipe";
import { Proxy } from "@target/08-tcp-proxy/proxy";
import { RoundRobin } from "@target/08-tcp-proxy/round-robin";
import { statsFor } from "@target/08-tcp-proxy/stats";
import { readAll, simulate as simulateNet, socketPair } from "../support/net";

/** Runs `main` on the virtual clock with a fresh simulated network; an error the hub reports fails the test. */
const simulate = <T>(options: SimOptions, main: (net: SimNetwork) => Green<T>): T => simulateNet(options, main).result;

const backend = (name: string, port = 8080): Backend => ({ name, address: { host: name, port } });
const LB: Address = { host: "lb", port: 80 };

/** A backend server that answers every connection with "<name> got N bytes" after reading it all. */
function* answering(net: SimNetwork, b: Backend): Green<void> {
  const l = yield* net.host(b.name).listen(b.address);
  spawn(function* () {
    for (;;) {
      const s = yield* l.accept();
      spawn(function* () {
        try {
          const request = yield* readAll(s);
          yield* s.sendall(`${b.name} got ${request.length} bytes`);
        } finally {
          s.close();
        }
      });
    }
  });
}

describe("task 1: RoundRobin.pick", () => {
  it("a pick that finds nothing leaves the next start where it was (1 pts)", () => {
    const rr = new RoundRobin([backend("a"), backend("b"), backend("c")]);
    const got = [rr.pick(() => true)?.name, rr.pick(() => false)?.name ?? null, rr.pick(() => true)?.name];
    expect(got).toEqual(["a", null, "b"]);
  });

  it("the search wraps around to backends before the start (1 pts)", () => {
    const rr = new RoundRobin([backend("a"), backend("b"), backend("c")]);
    const onlyA = (b: Backend): boolean => b.name === "a";
    const got = [rr.pick(() => true), rr.pick(() => true), rr.pick(onlyA), rr.pick(() => true)].map((b) => b?.name);
    expect(got).toEqual(["a", "b", "a", "b"]);
  });
});

describe("task 2: the green pipe", () => {
  it("pump forwards to the end of the stream, counts each chunk, then half-closes: the far side can still answer (1 pts)", () => {
    const result = simulate({ latency: 2, mss: 100 }, function* (net) {
      const [client, fromClient] = yield* socketPair(net, "c", "p", 1);
      const [toServer, server] = yield* socketPair(net, "p", "s", 2);
      const counted: number[] = [];
      const failures: unknown[] = [];
      spawn(pump, fromClient, toServer, (n: number) => counted.push(n), (e: unknown) => failures.push(e));
      yield* client.sendall("x".repeat(250));
      client.shutdown();
      const request = yield* readAll(server); // ends: the pump forwarded the half-close
      yield* server.sendall("answer after the end");
      const answer = (yield* toServer.recv()).toString();
      return { request: request.length, total: counted.reduce((a, b) => a + b, 0), chunks: counted.length > 1, failures, answer };
    });
    expect(result).toEqual({ request: 250, total: 250, chunks: true, failures: [], answer: "answer after the end" });
  });

  it("pump never throws: an error on either socket goes to fail, and pump returns (1 pts)", () => {
    const result = simulate({ latency: 2 }, function* (net) {
      const [client, fromClient] = yield* socketPair(net, "c", "p", 1);
      const [toServer] = yield* socketPair(net, "p", "s", 2);
      toServer.close(); // the pump's sendall will find it closed
      const failures: string[] = [];
      const t = spawn(function* () {
        yield* pump(fromClient, toServer, () => {}, (e: unknown) => failures.push((e as Error).name));
        return "returned";
      });
      yield* client.sendall("something");
      const ended = yield* t.wait();
      return { ended, failures };
    });
    expect(result).toEqual({ ended: "returned", failures: [SocketClosedError.name] });
  });
});

describe("task 3: connecting with failover", () => {
  it("attempts limits how many backends one client tries (1 pts)", () => {
    const result = simulate({ latency: 5 }, function* (net) {
      const bs = [backend("b1"), backend("b2"), backend("b3")];
      for (const b of bs) net.host(b.name); // up, nothing listening
      const stats = statsFor(bs);
      try {
        yield* connectBackend(net.host("lb"), new RoundRobin(bs), stats, { attempts: 2 });
        return "connected";
      } catch (e) {
        return [e instanceof NoBackendError, [...stats.values()].map((s) => s.connectFailures)];
      }
    });
    expect(result).toEqual([true, [1, 1, 0]]);
  });

  it("with every backend cooling down it throws NoBackendError at once, without a connect (1 pts)", () => {
    const result = simulate({ latency: 5 }, function* (net) {
      const bs = [backend("b1"), backend("b2")];
      for (const b of bs) yield* answering(net, b);
      const stats = statsFor(bs);
      for (const s of stats.values()) s.skipUntil = 1000;
      const start = getHub().now();
      try {
        yield* connectBackend(net.host("lb"), new RoundRobin(bs), stats);
        return "connected";
      } catch (e) {
        return [e instanceof NoBackendError, getHub().now() - start, [...stats.values()].map((s) => s.connectFailures)];
      }
    });
    expect(result).toEqual([true, 0, [0, 0]]);
  });

  it("an error that is not a SocketError is not the backend's fault: rethrown, nothing counted (1 pts)", () => {
    const broken: Network = {
      *listen() {
        throw new Error("not used");
      },
      *connect() {
        throw new TypeError("a bug in the network layer");
      },
    };
    const result = simulate({}, function* () {
      const bs = [backend("b1"), backend("b2")];
      const stats = statsFor(bs);
      try {
        yield* connectBackend(broken, new RoundRobin(bs), stats);
        return "connected";
      } catch (e) {
        return [(e as Error).name, (e as Error).message, [...stats.values()].map((s) => [s.connectFailures, s.failStreak])];
      }
    });
    expect(result).toEqual(["TypeError", "a bug in the network layer", [[0, 0], [0, 0]]]);
  });
});

describe("task 4: the life of a proxied connection", () => {
  it("with idleTimeout null a silent connection is never cut (1 pts)", () => {
    const result = simulate({ latency: 1 }, function* (net) {
      const b = backend("b1");
      yield* answering(net, b);
      const proxy = yield* Proxy.start({ network: net.host("lb"), listen: LB, balancer: new RoundRobin([b]), idleTimeout: null });
      const c = yield* net.host("c").connect(LB);
      yield* sleep(200_000); // far past the default of 60 s
      const during = [proxy.clients.active, proxy.stats.get(b)!.active];
      yield* c.sendall("late but fine");
      c.shutdown();
      const answer = (yield* readAll(c)).toString();
      yield* sleep(10);
      return { during, answer, idle: proxy.clients.idleTimeouts, after: proxy.clients.active };
    });
    expect(result).toEqual({ during: [1, 1], answer: "b1 got 13 bytes", idle: 0, after: 0 });
  });
});

describe("task 5: limits and graceful shutdown", () => {
  it("shutdown with nothing open returns at once: nothing finished, nothing cut, the acceptor ended (1 pts)", () => {
    const result = simulate({ latency: 1 }, function* (net) {
      const b = backend("b1");
      yield* answering(net, b);
      const proxy = yield* Proxy.start({ network: net.host("lb"), listen: LB, balancer: new RoundRobin([b]) });
      yield* sleep(10);
      const start = getHub().now();
      const report = yield* proxy.shutdown(5000);
      return { report, took: getHub().now() - start, acceptorDead: proxy.acceptor?.dead ?? null };
    });
    expect(result).toEqual({ report: { finished: 0, cut: 0 }, took: 0, acceptorDead: true });
  });

  it("shutdown returns as soon as the last connection ends, well before the deadline, having cut nothing (1 pts)", () => {
    const result = simulate({ latency: 1 }, function* (net) {
      const b = backend("b1");
      yield* answering(net, b);
      const proxy = yield* Proxy.start({ network: net.host("lb"), listen: LB, balancer: new RoundRobin([b]) });
      const clients = [100, 300].map((ms) =>
        spawn(function* () {
          const c = yield* net.host("c").connect(LB);
          yield* sleep(ms);
          yield* c.sendall("done");
          c.shutdown();
          const answer = (yield* readAll(c)).toString();
          c.close();
          return answer;
        }),
      );
      yield* sleep(10);
      const start = getHub().now();
      const report = yield* proxy.shutdown(10_000);
      const took = getHub().now() - start;
      const answers: string[] = [];
      for (const t of clients) answers.push(yield* t.wait());
      return { report, quick: took < 1000, answers, cut: proxy.clients.cutAtShutdown };
    });
    expect(result).toEqual({ report: { finished: 2, cut: 0 }, quick: true, answers: ["b1 got 4 bytes", "b1 got 4 bytes"], cut: 0 });
  });
});
