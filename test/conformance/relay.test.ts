// The relay conformance suite (test/support/relay-conformance.ts) run against chapter 08's two byte paths: the
// green pipe on every network, and the splice on the fast network (and on the simulated one, where it falls back
// to the green pipe). Course tests, not graded: the graded tests of the lab are in test/08-tcp-proxy.test.ts.
import { describe, expect, it } from "vitest";
import { sleep } from "@target/02-hub/green";
import { Event } from "@target/04-primitives/event";
import { spawn } from "@target/03-cancellation/greenthread";
import { realNetwork } from "@target/05-green-sockets/node-network";
import type { Network } from "@target/05-green-sockets/socket";
import { fastNetwork } from "@target/08-tcp-proxy/fast-net";
import { greenRelay, type Relay } from "@target/08-tcp-proxy/pipe";
import { spliceRelay } from "@target/08-tcp-proxy/splice";
import { pattern, readAll, real, SEED, server, simulate } from "../support/net";
import { loopbackEnv, relayConformance, simulatedEnv } from "../support/relay-conformance";

const MiB = 1024 * 1024;

for (const [name, relay] of [["the green pipe", greenRelay], ["the splice (the green pipe underneath)", spliceRelay]] as const) {
  relayConformance({
    name: `${name} on the simulated network`,
    relay,
    run: async (main) =>
      simulate({ seed: SEED, latency: 2 }, (net) => main(simulatedEnv(net))).result,
    size: 300_000,
    tick: 50,
    // Two hops, each with a window (64 KiB) and a send buffer (16 KiB), and the chunk in the relay's hands.
    bound: 256 * 1024,
    total: 2 * MiB,
  });
}

const onLoopback: [string, Relay, Network][] = [
  ["the green pipe on realNetwork", greenRelay, realNetwork],
  ["the green pipe on the fast network", greenRelay, fastNetwork],
  ["the splice on the fast network", spliceRelay, fastNetwork],
];
for (const [name, relay, proxy] of onLoopback) {
  relayConformance({
    name,
    relay,
    run: (main) => real(() => main(loopbackEnv(proxy)), 15_000),
    timeout: 20_000,
    size: 2 * MiB,
    tick: 20,
    // Two hops of Node's and the kernel's buffers (about 4 MiB each on Linux's loopback, see network.test.ts).
    bound: 16 * MiB,
    total: 32 * MiB,
  });
}

// The fast network reads every backend socket into one buffer shared by all of them (fast-net.ts). Bytes must never
// be overwritten by another socket's read while a write still holds them: this makes writes hold them. Many
// connections at once, each backend answering with bytes of its own, and clients that do not read at first, so that
// the proxy's writes to them queue in Node and in the kernel; then every client must get its own bytes, exactly.
describe("the splice on the fast network: many connections sharing the read buffer, with writes queued", () => {
  const CONNECTIONS = 8;
  const SIZE = 6 * 1024 * 1024; // per connection: well over what loopback takes in before a reader reads
  const answerOf = (i: number): Buffer => pattern(SIZE, i * 1_000_003); // a different stream for every connection

  it("every client gets its own backend's bytes, exactly", async () => {
    const got = await real(function* () {
      // The backend reads the connection's number, sends that connection's answer and closes.
      const backendAt = yield* server(realNetwork, { host: "127.0.0.1", port: 0 }, function* (s) {
        yield* s.sendall(answerOf(Number((yield* s.recvLine()).toString())));
      });
      const l = yield* fastNetwork.listen({ host: "127.0.0.1", port: 0 });
      const relays = Array.from({ length: CONNECTIONS }, () =>
        spawn(function* proxyConnection() {
          const client = yield* l.accept();
          const upstream = yield* fastNetwork.connect(backendAt);
          try {
            yield* spliceRelay(client, upstream, () => {}, () => {});
          } finally {
            client.close();
            upstream.close();
          }
        }),
      );
      const clients = Array.from({ length: CONNECTIONS }, (_, i) =>
        spawn(function* client() {
          const c = yield* realNetwork.connect(l.address);
          yield* c.sendall(`${i}\n`);
          c.shutdown();
          yield* sleep(200); // not reading yet: the backend's bytes pile up in the proxy's writes to this client
          const answer = yield* readAll(c);
          c.close();
          return answer.equals(answerOf(i)) ? "intact" : `wrong (${answer.length} bytes)`;
        }),
      );
      const results: string[] = [];
      for (const c of clients) results.push(yield* c.wait());
      for (const r of relays) yield* r.wait();
      l.close();
      return results;
    }, 15_000);
    expect(got).toEqual(Array(CONNECTIONS).fill("intact"));
  }, 20_000);
});

// Chapter 05's socket queues what arrives until recv takes it, and pauses itself past 64 KiB queued. The splice takes
// a socket over from it (handOver): what was queued and nobody read must reach the peer first, in order, and a socket
// that the full queue had paused must flow again, or the relay would wait forever for bytes nobody reads.
describe("the splice on the fast network: bytes that came before the splice", () => {
  const BEFORE = 512 * 1024; // far past the queue's high mark: the proxy's client socket is paused when the splice begins
  const AFTER = 256 * 1024;

  it("what the client sent before the splice reaches the backend first, then what it sent after, exactly", async () => {
    const stream = pattern(BEFORE + AFTER, 7);
    const got = await real(function* () {
      const received = new Event<Buffer>();
      const backendAt = yield* server(realNetwork, { host: "127.0.0.1", port: 0 }, function* (s) {
        received.send(yield* readAll(s));
      });
      const l = yield* fastNetwork.listen({ host: "127.0.0.1", port: 0 });
      const splicing = new Event<true>();
      const proxy = spawn(function* proxyConnection() {
        const client = yield* l.accept();
        const upstream = yield* fastNetwork.connect(backendAt);
        yield* sleep(200); // not splicing yet: the client's bytes fill chapter 05's queue, and the socket pauses
        splicing.send(true);
        try {
          yield* spliceRelay(client, upstream, () => {}, () => {});
        } finally {
          client.close();
          upstream.close();
        }
      });
      const c = yield* realNetwork.connect(l.address);
      c.timeout = 5000;
      yield* c.sendall(stream.subarray(0, BEFORE));
      yield* splicing.wait();
      yield* c.sendall(stream.subarray(BEFORE));
      c.shutdown();
      const echoed = yield* readAll(c); // the backend answers nothing: its end comes back once it has read all
      const atBackend = (yield* received.wait()) ?? Buffer.alloc(0);
      c.close();
      yield* proxy.wait();
      l.close();
      return { echoed: echoed.length, intact: atBackend.equals(stream), length: atBackend.length };
    }, 15_000);
    expect(got).toEqual({ echoed: 0, intact: true, length: BEFORE + AFTER });
  }, 20_000);
});
