// The conformance suite of chapter 05's Network, Listener and Socket contract (socket.ts): one set of tests that
// every network must pass — the simulated one, Node's real one (realNetwork) and chapter 08's fast one. A network
// that cannot run a test says why, in `skip`.
//
// Each test states a rule of the contract: a reader that stops reading stops the writer within a bounded buffer;
// half-close; reset; a client beyond the backlog waits and is never reset; a close wakes a blocked thread; every
// failure has its own error type.
import { describe, expect, it } from "vitest";
import { sleep } from "@target/02-hub/green";
import type { Green } from "@target/02-hub/suspend";
import { spawn } from "@target/03-cancellation/greenthread";
import { Event } from "@target/04-primitives/event";
import {
  ConnectionRefusedError,
  ConnectionResetError,
  EndOfStreamError,
  SocketClosedError,
  SocketError,
  TimedOutError,
} from "@target/05-green-sockets/errors";
import type { Address, Listener, Network, Socket } from "@target/05-green-sockets/socket";
import { CHUNK, chunkOf, clientsOneByOne, readAll, readChunks, refusal, untilStalled } from "./net";

/** What a test gets: where servers listen and from where clients connect. */
export interface NetworkEnv {
  /** The network servers listen on. */
  readonly server: Network;
  /** The network clients connect from. */
  readonly client: Network;
  /** Where a server listens (port 0 on a real network: a free port). */
  readonly at: Address;
  /** Makes the server unreachable from the client (segments are lost), when the network can. */
  readonly cut?: () => void;
}

export type NetworkTest = "order" | "backpressure" | "half-close" | "unread" | "addresses" | "reset" | "backlog" | "close-while-blocked" | "errors" | "connect-timeout";

export interface NetworkSubject {
  readonly name: string;
  /** Runs `main` on the network's clock (virtual or real); rejects when it fails. */
  run<T>(main: (env: NetworkEnv) => Green<T>): Promise<T>;
  /** Milliseconds one test may take in real time. @default the course's limit */
  readonly timeout?: number;
  /** Milliseconds of the network's clock between two looks at a stalled writer. */
  readonly tick: number;
  /** Most bytes a writer may get ahead of a reader that stopped reading: the buffers between them. */
  readonly bound: number;
  /** Bytes the writer offers in the backpressure test: well over `bound`. */
  readonly total: number;
  /** Tests this network cannot run, each with the reason. */
  readonly skip?: Partial<Record<NetworkTest, string>>;
}

/** A listener on `at` and one connection through it: the client's socket and the one the listener accepted. */
function* connection(server: Network, client: Network, at: Address): Green<{ l: Listener; c: Socket; s: Socket }> {
  const l = yield* server.listen(at);
  const accepted = spawn(function* () {
    return yield* l.accept();
  });
  const c = yield* client.connect(l.address);
  return { l, c, s: yield* accepted.wait() };
}

/** Registers the suite for `subject`. */
export function networkConformance(subject: NetworkSubject): void {
  const test = (key: NetworkTest, name: string, body: () => Promise<void>): void => {
    const reason = subject.skip?.[key];
    if (reason !== undefined) it.skip(`${name} (skipped: ${reason})`, body);
    else it(name, body, subject.timeout);
  };

  describe(`network conformance: ${subject.name}`, () => {
    test("order", "bytes arrive intact and in order both ways", async () => {
      const size = 300_000;
      const sent = Buffer.alloc(size);
      for (let i = 0; i < size; i++) sent[i] = (i * 7 + (i >> 8)) & 0xff;
      const result = await subject.run(function* ({ server, client, at }) {
        const l = yield* server.listen(at);
        spawn(function* echo() {
          const s = yield* l.accept();
          for (let b = yield* s.recv(); b.length > 0; b = yield* s.recv()) yield* s.sendall(b);
          s.close();
        });
        const c = yield* client.connect(l.address);
        // Writing and reading in two threads: an echo of this size does not fit in the buffers between them.
        const writer = spawn(function* () {
          for (let at = 0; at < size; at += 10_000) yield* c.sendall(sent.subarray(at, at + 10_000));
          c.shutdown();
        });
        const back = yield* readAll(c);
        yield* writer.wait();
        c.close();
        l.close();
        return back;
      });
      expect(result.length).toBe(size);
      expect(result.equals(sent)).toBe(true);
    });

    for (const who of ["client", "server"] as const) {
      test("backpressure", `a ${who} that stops reading stops the writer within a bounded buffer, and then gets every byte`, async () => {
        const result = await subject.run(function* ({ server, client, at }) {
          const { l, c, s } = yield* connection(server, client, at);
          const [writer, reader] = who === "client" ? [s, c] : [c, s];
          let sent = 0;
          const writing = spawn(function* () {
            for (let i = 0; sent < subject.total; i++) {
              yield* writer.sendall(chunkOf(i));
              sent += CHUNK;
            }
            writer.shutdown();
          });
          // Nobody reads: the writer must stop.
          const stopped = yield* untilStalled(() => sent, () => writing.dead, subject.tick);
          const stalled = { sent, stopped };
          // Now read everything: backpressure lost nothing.
          const { read, wrong } = yield* readChunks(reader);
          yield* writing.wait();
          c.close();
          s.close();
          l.close();
          return { ...stalled, read, wrong };
        });
        expect(result.stopped, `the writer never stopped (${result.sent} bytes sent)`).toBe(true);
        expect(result.sent).toBeLessThanOrEqual(subject.bound);
        expect(result.read).toBe(Math.ceil(subject.total / CHUNK) * CHUNK);
        expect(result.wrong, "the first byte out of place").toBe(-1);
      });
    }

    test("half-close", "shutdown half-closes: the peer reads to the end, then answers, and the answer arrives", async () => {
      const result = await subject.run(function* ({ server, client, at }) {
        const l = yield* server.listen(at);
        spawn(function* () {
          const s = yield* l.accept();
          const request = yield* readAll(s); // ends at the client's shutdown
          yield* s.sendall(`got ${request.length} bytes: ${request.toString()}`);
          s.close();
        });
        const c = yield* client.connect(l.address);
        yield* c.sendall("a\nb\n");
        c.shutdown();
        let late = "";
        try {
          yield* c.sendall("too late");
        } catch (e) {
          late = e instanceof SocketClosedError ? (e as SocketClosedError).code : String(e);
        }
        const answer = (yield* readAll(c)).toString();
        const again = (yield* c.recv()).length;
        c.close();
        l.close();
        return { late, answer, again };
      });
      expect(result).toEqual({ late: "EBADF", answer: "got 4 bytes: a\nb\n", again: 0 });
    });

    test("unread", "unread puts bytes back before the rest, a Buffer or another Uint8Array's view, and recv hands them out as Buffers", async () => {
      const result = await subject.run(function* ({ server, client, at }) {
        const l = yield* server.listen(at);
        spawn(function* () {
          const s = yield* l.accept();
          yield* s.sendall("world\n");
          s.close();
        });
        const c = yield* client.connect(l.address);
        const wo = yield* c.recvExactly(2);
        c.unread(wo); // a Buffer: what recvLine gives back
        const memory = Uint8Array.from([0x2a, 0x68, 0x69, 0x2a]); // "*hi*": not a Buffer
        c.unread(memory.subarray(1, 3)); // a view from its second byte: "hi"
        const first = yield* c.recv();
        const rest = (yield* readAll(c)).toString();
        c.close();
        l.close();
        return { first: first.toString(), buffer: Buffer.isBuffer(first), rest };
      });
      expect(result).toEqual({ first: "hi", buffer: true, rest: "world\n" });
    });

    test("addresses", "both ends name both addresses: the client's peer is the listener's address, the server's peer the client's own, known even when first asked for after the connection failed", async () => {
      const result = await subject.run(function* ({ server, client, at }) {
        const { l, c, s } = yield* connection(server, client, at);
        const [serverLocal, clientLocal] = [s.local, c.local];
        // The peers' addresses are first asked for after the connection failed: errors name the peer, so a socket
        // must know it from the start (a local address, which no error names, may be read when first asked for).
        s.abort();
        const serverRemote = s.remote;
        let failure = "no error";
        try {
          yield* readAll(c);
        } catch (e) {
          failure = (e as Error).name;
        }
        const seen = { listener: l.address, serverLocal, serverRemote, clientRemote: c.remote, clientLocal, failure };
        c.close();
        l.close();
        return seen;
      });
      expect(result.failure, "the abort reaches the client").toBe("ConnectionResetError");
      expect(result.clientRemote, "the client's remote").toEqual(result.listener);
      expect(result.serverLocal, "the accepted socket's local").toEqual(result.listener);
      expect(result.serverRemote, "the accepted socket's remote").toEqual(result.clientLocal);
      expect(result.clientLocal.port, "the client's own port").toBeGreaterThan(0);
    });

    test("reset", "a peer's abort reaches recv as ConnectionResetError (ECONNRESET)", async () => {
      const result = await subject.run(function* ({ server, client, at }) {
        const l = yield* server.listen(at);
        spawn(function* () {
          const s = yield* l.accept();
          yield* s.sendall("bye\n");
          yield* s.recvLine(); // the client has read it and answered
          s.abort();
        });
        const c = yield* client.connect(l.address);
        const line = (yield* c.recvLine()).toString();
        yield* c.sendall("ok\n");
        let saw = "";
        try {
          yield* c.recv();
          saw = "no reset";
        } catch (e) {
          saw = e instanceof ConnectionResetError ? e.code : String(e);
        }
        c.close();
        l.close();
        return [line, saw];
      });
      expect(result).toEqual(["bye\n", "ECONNRESET"]);
    });

    test("backlog", "a server that stops accepting leaves the clients beyond its backlog waiting, none reset, each served in turn", async () => {
      const result = await subject.run(function* ({ server, client, at }) {
        const l = yield* server.listen(at, 2);
        let open = 0;
        let peak = 0;
        // One client at a time: while it serves one, the server does not call accept (it is full).
        spawn(function* oneAtATime() {
          for (let i = 0; i < 6; i++) {
            const s = yield* l.accept();
            open++;
            peak = Math.max(peak, open);
            const line = yield* s.recvLine();
            yield* sleep(50);
            yield* s.sendall(line);
            s.close();
            open--;
          }
        });
        // They arrive one by one while the first is being served: on a real network each finds room in the
        // kernel's queue, which Node empties at once, so only the listener can make them wait.
        const answers = yield* clientsOneByOne(client, l.address, 6);
        l.close();
        return { answers, peak };
      });
      expect(result.answers).toEqual(Array.from({ length: 6 }, (_, i) => `hi ${i}`));
      expect(result.peak).toBe(1);
    });

    test("close-while-blocked", "closing a socket or a listener wakes the thread blocked on it with SocketClosedError", async () => {
      const result = await subject.run(function* ({ server, client, at }) {
        const l = yield* server.listen(at);
        const pairs = spawn(function* () {
          return [yield* l.accept(), yield* l.accept()];
        });
        const c = yield* client.connect(l.address); // the server never writes to this one
        const c2 = yield* client.connect(l.address); // nor reads from this one
        const [s, s2] = yield* pairs.wait();
        /** A thread that runs `body` and returns how it ended (a failure nobody waits for would be reported). */
        const blocked = (body: () => Green<unknown>) =>
          spawn(function* () {
            try {
              yield* body();
              return "returned";
            } catch (e) {
              return e instanceof SocketClosedError ? "SocketClosedError" : String(e);
            }
          });
        // A reader with nothing to read, a writer whose peer never reads, a thread in accept.
        const reader = blocked(() => c.recv());
        const writer = blocked(function* () {
          const big = Buffer.alloc(8 * 1024 * 1024); // far more than the buffers between the two ends hold
          for (;;) yield* c2.sendall(big);
        });
        const acceptor = blocked(() => l.accept());
        yield* sleep(20);
        c.close();
        c2.close();
        l.close();
        const ended = [yield* reader.wait(), yield* writer.wait(), yield* acceptor.wait()];
        s.close();
        s2.close();
        return ended;
      });
      expect(result).toEqual(["SocketClosedError", "SocketClosedError", "SocketClosedError"]);
    });

    test("errors", "each failure has its type and code: refused, timed out, closed, end of stream", async () => {
      const result = await subject.run(function* ({ server, client, at }) {
        const out: Record<string, string> = {};
        const name = (e: unknown): string => (e instanceof SocketError ? `${e.name} ${e.code}` : String(e));
        // A port where nothing listens any more.
        const gone = yield* server.listen(at);
        const port = gone.address;
        gone.close();
        try {
          yield* gone.accept();
        } catch (e) {
          out.acceptClosed = name(e);
        }
        const e = yield* refusal(client, port);
        out.refused = e === null ? "connected every time" : name(e) + (e instanceof ConnectionRefusedError ? "" : " (not ConnectionRefusedError)");
        const l = yield* server.listen(at);
        // Silent until the client's recv has timed out, then the end of the stream: an event, not a sleep, so that a
        // loaded machine that runs the client late cannot see the end before its timeout.
        const timedOut = new Event();
        spawn(function* () {
          const s = yield* l.accept();
          yield* s.sendall("abc");
          yield* timedOut.wait();
          s.close();
        });
        const c = yield* client.connect(l.address);
        c.timeout = 50;
        yield* c.recvExactly(3);
        try {
          yield* c.recv();
        } catch (e) {
          out.recvTimeout = name(e) + (e instanceof TimedOutError ? "" : " (not TimedOutError)");
        } finally {
          timedOut.send();
        }
        c.timeout = null;
        try {
          yield* c.recvExactly(10);
        } catch (e) {
          out.early = e instanceof EndOfStreamError ? `${name(e)} ${e.partial.length}` : name(e);
        }
        c.close();
        try {
          yield* c.recv();
        } catch (e) {
          out.recvClosed = name(e);
        }
        try {
          yield* c.sendall("x");
        } catch (e) {
          out.sendClosed = name(e);
        }
        l.close();
        return out;
      });
      expect(result).toEqual({
        acceptClosed: "SocketClosedError EBADF",
        refused: "ConnectionRefusedError ECONNREFUSED",
        recvTimeout: "TimedOutError ETIMEDOUT",
        early: "EndOfStreamError EOF 0",
        recvClosed: "SocketClosedError EBADF",
        sendClosed: "SocketClosedError EBADF",
      });
    });

    test("connect-timeout", "a connect nobody answers throws TimedOutError at its timeout", async () => {
      const result = await subject.run(function* ({ server, client, at, cut }) {
        const l = yield* server.listen(at);
        cut!();
        try {
          yield* client.connect(l.address, { timeout: 300 });
          return "connected";
        } catch (e) {
          return e instanceof TimedOutError ? e.code : String(e);
        } finally {
          l.close();
        }
      });
      expect(result).toBe("ETIMEDOUT");
    });
  });
}
