// The conformance suite of chapter 08's Relay contract (pipe.ts): one set of tests that every byte path of the
// proxy must pass — the green pipe and the splice, on the networks each runs on. A relay that cannot run a test
// says why, in `skip`.
//
// The rules: bytes arrive intact and in order both ways, counted; a half-close is forwarded and the other
// direction goes on; a reset on one side ends both; a reader that stops reading stops the writer at the far end.
import { describe, expect, it } from "vitest";
import { sleep } from "@target/02-hub/green";
import type { Green } from "@target/02-hub/suspend";
import { spawn } from "@target/03-cancellation/greenthread";
import { SocketError } from "@target/05-green-sockets/errors";
import type { SimNetwork } from "@target/05-green-sockets/sim-network";
import type { Address, Network, Socket } from "@target/05-green-sockets/socket";
import type { Relay } from "@target/08-tcp-proxy/pipe";
import { realNetwork } from "@target/05-green-sockets/node-network";
import { chunkOf, CHUNK, pattern, readAll, readChunks, server, untilStalled } from "./net";

/** The three parties of a proxied connection, and where each listens. */
export interface RelayEnv {
  /** Where the client connects from. */
  readonly client: Network;
  /** Where the proxy listens for the client and connects to the backend: its sockets are the relay's. */
  readonly proxy: Network;
  readonly proxyAt: Address;
  /** Where the backend listens. */
  readonly backend: Network;
  readonly backendAt: Address;
}

/** The parties on the simulated network: the client on host c, the proxy on lb:80, the backend on b1:8080. */
export const simulatedEnv = (net: SimNetwork): RelayEnv => ({
  client: net.host("c"),
  proxy: net.host("lb"),
  proxyAt: { host: "lb", port: 80 },
  backend: net.host("b1"),
  backendAt: { host: "b1", port: 8080 },
});

const LOOPBACK: Address = { host: "127.0.0.1", port: 0 };

/** The parties on loopback: client and backend on Node's network, the proxy on `proxy`, all on any free port. */
export const loopbackEnv = (proxy: Network): RelayEnv => ({ client: realNetwork, proxy, proxyAt: LOOPBACK, backend: realNetwork, backendAt: LOOPBACK });

export type RelayTest = "order" | "half-close" | "reset" | "backpressure";

export interface RelaySubject {
  readonly name: string;
  readonly relay: Relay;
  /** Runs `main` on the networks' clock (virtual or real); rejects when it fails. */
  run<T>(main: (env: RelayEnv) => Green<T>): Promise<T>;
  /** Milliseconds one test may take in real time. @default the course's limit */
  readonly timeout?: number;
  /** Bytes sent each way in the order test. */
  readonly size: number;
  /** Milliseconds of the network's clock between two looks at a stalled writer. */
  readonly tick: number;
  /** Most bytes the backend may get ahead of a client that stopped reading: the buffers of both hops. */
  readonly bound: number;
  /** Bytes the backend offers in the backpressure test: well over `bound`. */
  readonly total: number;
  /** Tests this relay cannot run, each with the reason. */
  readonly skip?: Partial<Record<RelayTest, string>>;
}

/** What the relay of one connection did: the bytes it counted each way, and how it ended. */
interface Relayed {
  up: number;
  down: number;
  error: unknown;
  ended: boolean;
}

/**
 * Starts a backend running `handler` and a one-connection proxy in front of it that runs `relay`; returns the
 * proxy's address and what its relay counted, filled in as it goes.
 */
function* proxyOnce(env: RelayEnv, relay: Relay, handler: (s: Socket) => Green<void>, n = 0): Green<{ at: Address; relayed: Relayed }> {
  // The n-th pair of a test listens n ports further (port 0 stays 0: any free port).
  const nth = (a: Address): Address => (a.port === 0 ? a : { host: a.host, port: a.port + n });
  const backendAt = yield* server(env.backend, nth(env.backendAt), handler);
  const l = yield* env.proxy.listen(nth(env.proxyAt));
  const relayed: Relayed = { up: 0, down: 0, error: null, ended: false };
  spawn(function* proxyThread() {
    const client = yield* l.accept();
    l.close();
    const upstream = yield* env.proxy.connect(backendAt);
    try {
      yield* relay(client, upstream, (n) => (relayed.up += n), (n) => (relayed.down += n));
    } catch (e) {
      relayed.error = e;
    } finally {
      relayed.ended = true;
      client.close();
      upstream.close();
    }
  });
  return { at: l.address, relayed };
}

/** Waits (a bounded number of looks, 10 ms apart) until `done()` says so; returns its last word. */
function* until(done: () => boolean): Green<boolean> {
  for (let i = 0; i < 100 && !done(); i++) yield* sleep(10);
  return done();
}

/** Waits (a bounded number of looks) until the relay has ended. */
const ended = (relayed: Relayed): Green<boolean> => until(() => relayed.ended);

const nameOf = (e: unknown): string => (e instanceof SocketError ? e.name : e === null ? "none" : String(e));

/** Registers the suite for `subject`. */
export function relayConformance(subject: RelaySubject): void {
  const test = (key: RelayTest, name: string, body: () => Promise<void>): void => {
    const reason = subject.skip?.[key];
    if (reason !== undefined) it.skip(`${name} (skipped: ${reason})`, body);
    else it(name, body, subject.timeout);
  };

  describe(`relay conformance: ${subject.name}`, () => {
    test("order", "bytes arrive intact and in order both ways, and are counted each way", async () => {
      const { size } = subject;
      const result = await subject.run(function* (env) {
        const { at, relayed } = yield* proxyOnce(env, subject.relay, function* echo(s) {
          for (let b = yield* s.recv(); b.length > 0; b = yield* s.recv()) yield* s.sendall(b);
        });
        const c = yield* env.client.connect(at);
        const sent = pattern(size);
        const writer = spawn(function* () {
          for (let i = 0; i < size; i += 50_000) yield* c.sendall(sent.subarray(i, i + 50_000));
          c.shutdown();
        });
        const back = yield* readAll(c);
        yield* writer.wait();
        c.close();
        return { intact: back.equals(sent), length: back.length, ended: yield* ended(relayed), up: relayed.up, down: relayed.down, error: nameOf(relayed.error) };
      });
      expect(result).toEqual({ intact: true, length: size, ended: true, up: size, down: size, error: "none" });
    });

    test("half-close", "a half-close is forwarded each way, and the other direction goes on", async () => {
      const result = await subject.run(function* (env) {
        let heard: string | null = null;
        // The backend says its piece and half-closes first; then it still reads what the client says.
        const { at, relayed } = yield* proxyOnce(env, subject.relay, function* (s) {
          yield* s.sendall("hello, ");
          s.shutdown();
          heard = (yield* readAll(s)).toString();
        });
        const c = yield* env.client.connect(at);
        const greeting = (yield* readAll(c)).toString(); // ends at the backend's half-close
        yield* c.sendall("thanks");
        yield* c.sendall(pattern(200_000));
        c.shutdown();
        const rest = (yield* c.recv()).length;
        c.close();
        const relayEnded = yield* ended(relayed);
        // The relay's end reaches the backend as its end of stream; its thread may still be reading the last bytes.
        yield* until(() => heard !== null);
        const all: string = heard ?? "";
        return { greeting, rest, ended: relayEnded, heard: all.slice(0, 6), heardBytes: all.length, error: nameOf(relayed.error) };
      });
      expect(result).toEqual({ greeting: "hello, ", rest: 0, ended: true, heard: "thanks", heardBytes: 200_006, error: "none" });
    });

    test("reset", "a reset on either side ends both: the other side is reset too, and the relay throws", async () => {
      const result = await subject.run(function* (env) {
        // The backend resets mid-answer.
        const one = yield* proxyOnce(env, subject.relay, function* (s) {
          yield* s.sendall("partial answ");
          yield* s.recvLine();
          s.abort();
        });
        const c1 = yield* env.client.connect(one.at);
        const first = (yield* c1.recvExactly(12)).toString();
        yield* c1.sendall("ok\n");
        let clientSaw = "";
        try {
          yield* readAll(c1);
          clientSaw = "end of stream";
        } catch (e) {
          clientSaw = nameOf(e);
        }
        c1.close();
        // The client resets while the backend waits for more.
        let backendSaw = "";
        const two = yield* proxyOnce(env, subject.relay, function* (s) {
          try {
            yield* readAll(s);
            backendSaw = "end of stream";
          } catch (e) {
            backendSaw = nameOf(e);
          }
        }, 1);
        const c2 = yield* env.client.connect(two.at);
        yield* c2.sendall("half a requ");
        yield* sleep(20);
        c2.abort();
        const bothEnded = (yield* ended(one.relayed)) && (yield* ended(two.relayed));
        for (let i = 0; i < 100 && backendSaw === ""; i++) yield* sleep(10);
        return { first, clientSaw, backendSaw, bothEnded, threw: [nameOf(one.relayed.error), nameOf(two.relayed.error)] };
      });
      expect(result).toEqual({
        first: "partial answ",
        clientSaw: "ConnectionResetError",
        backendSaw: "ConnectionResetError",
        bothEnded: true,
        threw: ["ConnectionResetError", "ConnectionResetError"],
      });
    });

    test("backpressure", "a client that stops reading stops the backend within a bounded buffer, and then gets every byte", async () => {
      const result = await subject.run(function* (env) {
        let sent = 0;
        let done = false;
        const { at, relayed } = yield* proxyOnce(env, subject.relay, function* (s) {
          for (let i = 0; sent < subject.total; i++) {
            yield* s.sendall(chunkOf(i));
            sent += CHUNK;
          }
          done = true;
        });
        const c = yield* env.client.connect(at);
        c.shutdown();
        const stopped = yield* untilStalled(() => sent, () => done, subject.tick);
        const stalled = { sent, relayed: relayed.down, stopped };
        const { read, wrong } = yield* readChunks(c);
        c.close();
        return { ...stalled, read, wrong, error: nameOf(relayed.error) };
      });
      expect(result.stopped, `the backend never stopped (${result.sent} bytes sent)`).toBe(true);
      expect(result.sent).toBeLessThanOrEqual(subject.bound);
      expect(result.relayed).toBeLessThanOrEqual(subject.bound);
      expect(result).toMatchObject({ read: Math.ceil(subject.total / CHUNK) * CHUNK, wrong: -1, error: "none" });
    });
  });
}
