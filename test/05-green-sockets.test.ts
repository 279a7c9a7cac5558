// Grading tests for lab 05-green-sockets: parking with a deadline, the simulated network's sockets, reading
// exactly n bytes and lines, the echo server, real sockets on loopback and serve. Everything but the task 5
// group runs on the virtual clock and a seeded simulated network: instant, and the same every time.
//
// A randomized test prints its seed when it fails. Replay it with, for example:
//   SEED=1234 HUB_TARGET=labs npx vitest run test/05-green-sockets.test.ts   (on the reference: without HUB_TARGET)
import { EventEmitter } from "node:events";
import type { Socket as NetSocket } from "node:net";
import { beforeEach, describe, expect, it } from "vitest";
import { runReal, runVirtual, sleep, spawn } from "@target/02-hub/green";
import { getHub } from "@target/02-hub/hub";
import { GreenPool } from "@target/04-primitives/greenpool";
import type { Green } from "@target/02-hub/suspend";
import { echo, echoServer } from "@target/05-green-sockets/echo";
import {
  ConnectionRefusedError,
  ConnectionResetError,
  EndOfStreamError,
  SocketClosedError,
  SocketError,
  TimedOutError,
} from "@target/05-green-sockets/errors";
import { realNetwork } from "@target/05-green-sockets/node-network";
import { NodeSocket } from "@target/05-green-sockets/node-socket";
import { park } from "@target/05-green-sockets/park";
import { exponential, uniform } from "@target/05-green-sockets/random";
import { serve, StopServe } from "@target/05-green-sockets/serve";
import { SimNetwork } from "@target/05-green-sockets/sim-network";
import type { Listener, Socket } from "@target/05-green-sockets/socket";
import { pair, pattern, readAll, real, refusal, replayWith, SEED, simulate, untilEnded } from "./support/net";

const replay = replayWith("test/05-green-sockets.test.ts");

describe("task 1: park", () => {
  it("parks until resumed, and returns the value the waker sent (1 pts)", () => {
    const { result } = simulate({}, function* () {
      const hub = getHub();
      const me = hub.current!;
      hub.schedule(5, () => hub.resume(me, "ready"));
      const value = yield* park(100, "wait");
      return [value, hub.now()];
    });
    expect(result).toEqual(["ready", 5]);
  });

  it("throws TimedOutError when nobody resumes it in time; a timeout of 0 is a deadline too, not \"no deadline\" (1 pts)", () => {
    const { result } = simulate({}, function* () {
      try {
        yield* park(30, "the answer");
        return "no timeout";
      } catch (e) {
        return [e instanceof TimedOutError, (e as Error).message, getHub().now()];
      }
    });
    expect(result).toEqual([true, "the answer timed out after 30 ms", 30]);
    const { result: zero } = simulate({}, function* () {
      const hub = getHub();
      const me = hub.current!;
      // Only null means "no deadline". (A rescue at 1000 ms, so that a park(0) that waits for ever ends the test.)
      const rescue = hub.schedule(1000, () => hub.resume(me, "still parked at 1000 ms: park(0) waited with no deadline"));
      try {
        return String(yield* park(0, "a zero wait"));
      } catch (e) {
        return `${(e as Error).name}: ${(e as Error).message} at ${hub.now()} ms`;
      } finally {
        rescue.cancel();
      }
    });
    expect(zero, "park(0, \"a zero wait\") that nobody resumes").toBe("TimedOutError: a zero wait timed out after 0 ms at 0 ms");
  });

  it("a wake-up in the same pass as the deadline wins, and no stray timeout follows (1 pts)", () => {
    const { result } = simulate({}, function* () {
      const hub = getHub();
      const me = hub.current!;
      hub.schedule(10, () => hub.resume(me, "just in time")); // due at the same time, scheduled first
      const value = yield* park(10, "race");
      yield* sleep(50); // a timeout that leaked would be thrown here
      return [value, hub.now()];
    });
    expect(result).toEqual(["just in time", 60]);
  });

  it("connect, which waits with your park: refused after a round trip; across a partition, TimedOutError at its deadline, and works once healed (1 pts)", () => {
    const { result } = simulate({ latency: 25 }, function* (net) {
      const l = yield* net.host("server").listen({ host: "server", port: 7 });
      const out: unknown[] = [];
      try {
        yield* net.host("client").connect({ host: "server", port: 8 });
        out.push("connected to a port nobody listens on");
      } catch (e) {
        out.push(e instanceof ConnectionRefusedError, (e as { code?: string }).code, getHub().now());
      }
      net.partition("client", "server");
      const start = getHub().now();
      try {
        yield* net.host("client").connect({ host: "server", port: 7 }, { timeout: 2500 });
        out.push("connected across a partition");
      } catch (e) {
        out.push(e instanceof TimedOutError, (e as Error).message, getHub().now() - start);
      }
      net.heal();
      const s = yield* net.host("client").connect({ host: "server", port: 7 }, { timeout: 2500 });
      out.push(s.remote.port, (yield* l.accept(0)).remote.host);
      return out;
    });
    expect(result).toEqual([true, "ECONNREFUSED", 50, true, "connect to server:7 timed out after 2500 ms", 2500, 7, "client"]);
  });
});

describe("task 2: SimSocket.recv", () => {
  it("bytes sent one way come out the other, in order, after the link's latency (1 pts)", () => {
    const { result } = simulate({ latency: 20 }, function* (net) {
      const s = yield* pair(net, function* (server) {
        const got = yield* server.recv(100);
        yield* server.sendall(Buffer.concat([Buffer.from("echo: "), got]));
      });
      const connectedAt = getHub().now();
      yield* s.sendall("ping");
      const reply = (yield* s.recv()).toString();
      return [connectedAt, reply, getHub().now()];
    });
    expect(result).toEqual([40, "echo: ping", 80]);
  });

  it("recv(n) returns at most n bytes, and the rest on the next calls; after close() it throws SocketClosedError, even with bytes buffered (1 pts)", () => {
    const { result } = simulate({}, function* (net) {
      const s = yield* pair(net, function* (server) {
        yield* server.sendall("abcdefghij");
      });
      yield* sleep(10); // everything has arrived
      const got = [(yield* s.recv(4)).toString(), (yield* s.recv(4)).toString(), (yield* s.recv(4)).toString()];
      // The socket's own program closes it with bytes still buffered: they are not handed out any more.
      const t = yield* pair2(net, "unread bytes");
      yield* sleep(10);
      t.close();
      try {
        got.push(`recv returned ${JSON.stringify((yield* t.recv()).toString())}`);
      } catch (e) {
        got.push(e instanceof SocketClosedError ? "SocketClosedError" : String(e));
      }
      return got;
    });
    expect(result.slice(0, 3)).toEqual(["abcd", "efgh", "ij"]);
    expect(result[3], "recv after the socket's own close(), with 12 bytes buffered").toBe("SocketClosedError");
  });

  it("recv returns an empty buffer at the end of the stream, every time it is asked (1 pts)", () => {
    const { result } = simulate({ latency: 5 }, function* (net) {
      const s = yield* pair(net, function* (server) {
        yield* server.sendall("last words");
        server.close();
      });
      return [(yield* readAll(s)).toString(), (yield* s.recv()).length, (yield* s.recv()).length];
    });
    expect(result).toEqual(["last words", 0, 0]);
  });

  it("recv waits at most sock.timeout ms, then throws TimedOutError, and the socket still works (1 pts)", () => {
    // Lab 07's HTTP server relies on this: its sockets' timeout is how it drops a client that went quiet.
    const { result } = simulate({ latency: 5 }, function* (net) {
      const s = yield* pair(net, function* (server) {
        yield* sleep(300);
        yield* server.sendall("late");
        server.close();
      });
      s.timeout = 100;
      const start = getHub().now();
      const out: unknown[] = [];
      try {
        yield* s.recv();
        out.push("no timeout");
      } catch (e) {
        out.push(e instanceof TimedOutError, (e as Error).message, getHub().now() - start);
      }
      s.timeout = null;
      out.push((yield* readAll(s)).toString());
      return out;
    });
    expect(result).toEqual([true, "recv timed out after 100 ms", 100, "late"]);
  });

  it("shutdown half-closes: the peer sees the end, and can still answer (1 pts)", () => {
    const { result } = simulate({ latency: 5 }, function* (net) {
      const s = yield* pair(net, function* (server) {
        const request = yield* readAll(server); // until the client's shutdown
        yield* server.sendall(`got ${request.length} bytes`);
        server.close();
      });
      yield* s.sendall("twelve bytes");
      s.shutdown();
      let late: unknown = null;
      try {
        yield* s.sendall("more");
      } catch (e) {
        late = e instanceof SocketClosedError;
      }
      return [late, (yield* readAll(s)).toString()];
    });
    expect(result).toEqual([true, "got 12 bytes"]);
  });

  it("a reset mid-stream: the bytes before it, then ConnectionResetError (1 pts)", () => {
    const { result } = simulate({ latency: 5 }, function* (net) {
      const s = yield* pair(net, function* (server) {
        yield* server.sendall("partial answ");
        yield* sleep(100);
        server.abort();
      });
      const first = (yield* s.recv()).toString();
      try {
        yield* s.recv();
        return "no reset";
      } catch (e) {
        return [first, e instanceof ConnectionResetError, (e as { code?: string }).code];
      }
    });
    expect(result).toEqual(["partial answ", true, "ECONNRESET"]);
  });

  it("a slow reader bounds what the writer has buffered, and everything still arrives (1 pts)", () => {
    const sendBuffer = 16384;
    const window = 32768;
    const { result } = simulate({ latency: 2, window, sendBuffer, mss: 1000 }, function* (net) {
      const data = pattern(400_000);
      let accepted = 0; // bytes the writer's sendall calls have returned for
      let received = 0;
      let peakBuffered = 0;
      let peakUnread = 0;
      const s = yield* pair(net, function* (server) {
        for (let at = 0; at < data.length; at += 1000) {
          yield* server.sendall(data.subarray(at, at + 1000));
          accepted += 1000;
          peakBuffered = Math.max(peakBuffered, server.bufferedAmount);
        }
        server.close();
      });
      const parts: Buffer[] = [];
      for (let b = yield* s.recv(500); b.length > 0; b = yield* s.recv(500)) {
        parts.push(b);
        received += b.length;
        peakUnread = Math.max(peakUnread, accepted - received);
        yield* sleep(1); // a slow reader: 500 bytes a millisecond
      }
      return { ok: Buffer.concat(parts).equals(data), peakBuffered, peakUnread, time: getHub().now() };
    });
    expect(result.ok).toBe(true);
    expect(result.peakBuffered).toBeLessThanOrEqual(sendBuffer);
    // What the writer got rid of but the reader has not read fits in the send buffer plus the window.
    expect(result.peakUnread).toBeLessThanOrEqual(sendBuffer + window + 1000);
    expect(result.peakUnread).toBeGreaterThan(window / 2); // (and the writer did run ahead of the reader)
  });

  it("during a partition bytes wait; after heal they arrive intact and in order (1 pts)", () => {
    const { result } = simulate({ latency: 10, rto: 100 }, function* (net) {
      const s = yield* pair(net, function* (server) {
        yield* server.sendall("before ");
        yield* sleep(50);
        net.partition("server", "client");
        yield* server.sendall("during ");
        yield* server.sendall("the cut");
        server.close();
      });
      const seen: [string, number][] = [];
      spawn(function* () {
        yield* sleep(1000);
        net.heal();
      });
      for (let b = yield* s.recv(); b.length > 0; b = yield* s.recv()) seen.push([b.toString(), getHub().now()]);
      return seen;
    });
    expect(result.map(([text]) => text).join("")).toBe("before during the cut");
    expect(result[0][1]).toBeLessThan(100);
    expect(result[1][1]).toBeGreaterThan(1000); // held back by the partition until the next retry after heal
  });

  it("a link's bandwidth paces a transfer: 100 kB at 1 MB/s take about 100 ms (1 pts)", () => {
    const { result } = simulate({ latency: 5, bandwidth: 1_000_000, mss: 1000 }, function* (net) {
      const data = pattern(100_000);
      const s = yield* pair(net, function* (server) {
        yield* server.sendall(data);
        server.close();
      });
      const start = getHub().now();
      const ok = (yield* readAll(s)).equals(data);
      return [ok, getHub().now() - start];
    });
    expect(result[0]).toBe(true);
    // 100 segments of 1,040 bytes on the wire (headers included) at 1,000 bytes per ms, plus latency.
    expect(result[1]).toBeGreaterThanOrEqual(100);
    expect(result[1]).toBeLessThan(140);
  });

  it(`with loss, data arrives intact and in order, only later (1 pts)`, ({ onTestFailed }) => {
    onTestFailed(() => console.log(replay(SEED)));
    const run = (loss: number) =>
      simulate({ seed: SEED, latency: uniform(5, 15), loss }, function* (net) {
        const data = pattern(200_000);
        const s = yield* pair(net, function* (server) {
          yield* server.sendall(data);
          server.close();
        });
        return (yield* readAll(s)).equals(data);
      });
    const clean = run(0);
    const lossy = run(0.1);
    expect([clean.result, lossy.result]).toEqual([true, true]);
    expect(lossy.net.stats.lost).toBeGreaterThan(0);
    expect(lossy.time).toBeGreaterThan(clean.time);
  });
});

describe("task 3: recvExactly and recvLine", () => {
  it("recvExactly gathers exactly n bytes across many small segments (1 pts)", () => {
    const { result } = simulate({ mss: 100, latency: uniform(1, 3), seed: 3 }, function* (net) {
      const data = pattern(5000);
      const s = yield* pair(net, function* (server) {
        yield* server.sendall(data);
      });
      const a = yield* s.recvExactly(1234);
      const b = yield* s.recvExactly(3766);
      return [a.length, b.length, Buffer.concat([a, b]).equals(data)];
    });
    expect(result).toEqual([1234, 3766, true]);
  });

  it("recvExactly at an early end of stream throws EndOfStreamError with the partial bytes (1 pts)", () => {
    const { result } = simulate({ mss: 4 }, function* (net) {
      const s = yield* pair(net, function* (server) {
        yield* server.sendall("only ten b");
        server.close();
      });
      try {
        yield* s.recvExactly(16);
        return "no error";
      } catch (e) {
        return [e instanceof EndOfStreamError, Buffer.from((e as EndOfStreamError).partial).toString()];
      }
    });
    expect(result).toEqual([true, "only ten b"]);
  });

  it("recvLine returns one line at a time, whatever the segments, keeping what follows; a last line without newline, then empty (1 pts)", () => {
    const { result } = simulate({ mss: 7, latency: 2 }, function* (net) {
      const s = yield* pair(net, function* (server) {
        yield* server.sendall("first line\nsecond\nthird line is longer\nno newline");
        server.close();
      });
      const lines: string[] = [];
      for (let i = 0; i < 6; i++) lines.push((yield* s.recvLine()).toString());
      return lines;
    });
    expect(result).toEqual(["first line\n", "second\n", "third line is longer\n", "no newline", "", ""]);
  });

  it("past the limit, recvLine throws a RangeError, and the rest of the long line stays in the stream for the next call (1 pts)", () => {
    // Lab 06 relies on this: its readLine skips an over-long line by calling recvLine again until the newline.
    const { result } = simulate({ mss: 16 }, function* (net) {
      const t = yield* pair2(net, "x".repeat(100) + "\nnext\n");
      const out: unknown[] = [];
      try {
        yield* t.recvLine(64);
        out.push("no RangeError after 64 bytes without a newline");
      } catch (e) {
        out.push(e instanceof RangeError ? "RangeError" : String(e));
      }
      out.push((yield* t.recvLine(64)).toString(), (yield* t.recvLine(64)).toString());
      return out;
    });
    expect(result[0], "recvLine(64) on 100 bytes without a newline").toBe("RangeError");
    expect(result[1], "the next recvLine returns the rest of the long line: the 64 bytes read before the RangeError are gone, the other 36 are not").toBe("x".repeat(36) + "\n");
    expect(result[2], "and then the line after it").toBe("next\n");
  });
});

/** A second server (host "server2") that sends `text` to its one client. */
function* pair2(net: SimNetwork, text: string): Green<Socket> {
  const l = yield* net.host("server2").listen({ host: "server2", port: 9 });
  spawn(function* () {
    const s = yield* l.accept();
    yield* s.sendall(text);
  });
  return yield* net.host("client").connect({ host: "server2", port: 9 });
}

/** Connects to the echo server, sends `lines` one at a time, and returns the replies. */
function* echoClient(net: SimNetwork, name: string, lines: string[]): Green<string[]> {
  const s = yield* net.host(name).connect({ host: "server", port: 7 });
  const replies: string[] = [];
  for (const line of lines) {
    yield* s.sendall(line + "\n");
    replies.push((yield* s.recvLine()).toString().trimEnd());
  }
  s.shutdown();
  const rest = yield* s.recv();
  s.close();
  return rest.length === 0 ? replies : [...replies, "unexpected bytes after the end"];
}

describe("task 4: echo", () => {
  it("the echo server sends each line back, and ends the connection when the client does (1 pts)", () => {
    const { result } = simulate({ latency: 10 }, function* (net) {
      const l = yield* net.host("server").listen({ host: "server", port: 7 });
      spawn(echoServer, l);
      const replies = yield* echoClient(net, "alice", ["hello", "world"]);
      l.close();
      return replies;
    });
    expect(result).toEqual(["hello", "world"]);
  });

  it("a hundred concurrent clients each get their own lines back (1 pts)", () => {
    const { result, time } = simulate({ latency: exponential(5, 10), seed: 42, mss: 8 }, function* (net) {
      const l = yield* net.host("server").listen({ host: "server", port: 7 });
      spawn(echoServer, l);
      const clients = Array.from({ length: 100 }, (_, i) =>
        spawn(echoClient, net, `client${i}`, [`line 1 from client ${i}`, `line 2 from client ${i}`, "x".repeat(i)]),
      );
      const results: string[][] = [];
      yield* untilEnded(clients, "echo clients (is the echo server written? does it answer each line?)");
      for (const c of clients) {
        if (c.failed) throw c.error;
        results.push(c.result!);
      }
      l.close();
      return results;
    });
    expect(result).toEqual(
      Array.from({ length: 100 }, (_, i) => [`line 1 from client ${i}`, `line 2 from client ${i}`, "x".repeat(i)]),
    );
    expect(time).toBeLessThan(1000); // concurrent: a hundred clients one after the other would take far longer
  });

  it("under random latency and loss every client is served, and a seed replays the same run (1 pts)", ({ onTestFailed }) => {
    const seeds = [SEED, SEED + 1, SEED + 2];
    let current = SEED;
    onTestFailed(() => console.log(replay(current)));
    for (const seed of seeds) {
      current = seed;
      const run = () =>
        simulate({ seed, latency: uniform(1, 40), loss: 0.05, mss: 16 }, function* (net) {
          const l = yield* net.host("server").listen({ host: "server", port: 7 });
          spawn(echoServer, l);
          const clients = Array.from({ length: 10 }, (_, i) => spawn(echoClient, net, `c${i}`, [`a${i}`, `b${i}`.repeat(20)]));
          yield* untilEnded(clients, "echo clients on a lossy network", 60_000, 50);
          return clients.map((c) => (c.failed ? String(c.error) : c.result!.join(",")));
        });
      const a = run();
      const b = run();
      expect(a.result).toEqual(Array.from({ length: 10 }, (_, i) => `a${i},${`b${i}`.repeat(20)}`));
      expect([b.time, b.net.stats]).toEqual([a.time, a.net.stats]);
    }
  });
});

/** Runs `main` on the real clock with a bound on real time; a failing thread fails the test. */
/** A loopback echo server on a port the OS picks. */
function* loopbackEcho(): Green<Listener> {
  const l = yield* realNetwork.listen({ host: "127.0.0.1", port: 0 });
  spawn(echoServer, l);
  return l;
}

/**
 * A stand-in for Node's `net.Socket` under a NodeSocket, driven by the test on the virtual clock: it writes down
 * pause() and resume(), counts write() calls, and says "full" (write() returns false, writableNeedDrain) while
 * `full` is set. The test emits its events ('data', 'drain', 'error', 'close') itself, so what recv and sendall
 * do with them is exact, whatever the machine.
 */
class FakeNetSocket extends EventEmitter {
  readonly calls: string[] = [];
  writes = 0;
  full = false;
  destroyed = false;
  #paused = false;
  readonly remoteAddress = "10.0.0.2";
  readonly remotePort = 4000;
  readonly localAddress = "10.0.0.1";
  readonly localPort = 5000;
  get writableNeedDrain(): boolean {
    return this.full;
  }
  get writableLength(): number {
    return this.full ? 256 * 1024 : 0;
  }
  isPaused(): boolean {
    return this.#paused;
  }
  pause(): this {
    this.calls.push("pause");
    this.#paused = true;
    return this;
  }
  resume(): this {
    this.calls.push("resume");
    this.#paused = false;
    return this;
  }
  write(): boolean {
    this.writes++;
    return !this.full;
  }
  // Node's own state, kept true to the stand-in's, for a recv or sendall that reads it instead of the given fields.
  get writable(): boolean {
    return !this.destroyed;
  }
  get readable(): boolean {
    return !this.destroyed;
  }
  end(): this {
    return this;
  }
  destroySoon(): void {
    this.destroyed = true;
  }
  destroy(): this {
    this.destroyed = true;
    return this;
  }
  resetAndDestroy(): this {
    this.destroyed = true;
    return this;
  }
}

/** A NodeSocket over a FakeNetSocket, made on the running hub. */
const fakeNodeSocket = (fake: FakeNetSocket): NodeSocket => new NodeSocket(getHub(), fake as unknown as NetSocket);

/** A reset as Node reports it: an 'error' with code ECONNRESET, then 'close'. */
function resetBy(fake: FakeNetSocket): void {
  fake.destroyed = true;
  fake.emit("error", Object.assign(new Error("read ECONNRESET"), { code: "ECONNRESET" }));
  fake.emit("close", true);
}

/** Records, under `what`, what a sendall on `s` ended with and how many times it called `fake.write()`. */
const recordSendall =
  (out: Record<string, string>) =>
  function* (what: string, s: Socket, fake: FakeNetSocket): Green<void> {
    out[what] = `${yield* sendallOutcome(s)}, ${fake.writes} write() calls`;
  };

/** What a sendall ended with: "returned", or the error's class name (its message too for any other error). */
function* sendallOutcome(s: Socket): Green<string> {
  try {
    yield* s.sendall("data");
    return "returned";
  } catch (e) {
    if (e instanceof SocketClosedError || e instanceof ConnectionResetError) return e.name;
    return String(e);
  }
}

describe("task 5: NodeSocket on loopback", () => {
  it("the same echo server runs on Node's network, on 127.0.0.1; a recv that timed out leaves the socket working (1 pts)", async () => {
    const result = await real(function* () {
      const l = yield* loopbackEcho();
      const s = yield* realNetwork.connect(l.address, { timeout: 2000 });
      // Nothing comes before the first line is sent: this recv times out, and must leave no reader behind, or every
      // later recv that waits throws "two green threads recv on one socket at once".
      s.timeout = 20;
      let early: string;
      try {
        early = `returned ${JSON.stringify((yield* s.recv()).toString())}`;
      } catch (e) {
        early = e instanceof TimedOutError ? e.message : String(e);
      }
      s.timeout = 2000;
      const out: string[] = [];
      for (const line of ["one", "two", "three"]) {
        yield* s.sendall(line + "\n");
        try {
          out.push((yield* s.recvLine()).toString());
        } catch (e) {
          // (a recv that timed out earlier must have cleared its reader on the way out, however the wait ended)
          out.push(`recvLine after a recv that timed out threw ${String(e)}`);
        }
      }
      // Each end's addresses, as the kernel reports them (the client's own is read when first asked for).
      const ends = [s.remote.port === l.address.port, s.remote.host, s.local.host, s.local.port > 0 && s.local.port !== l.address.port];
      s.close();
      l.close();
      return { early, replies: [l.address.port > 0, ...out, ...ends] };
    });
    expect(result.early, "a recv with sock.timeout = 20 and nothing to read").toBe("recv timed out after 20 ms");
    expect(result.replies).toEqual([true, "one\n", "two\n", "three\n", true, "127.0.0.1", "127.0.0.1", true]);
  });

  it("half-close on loopback: the echo server sees the end, answers, and recv then returns empty; recv(n) takes at most n bytes (1 pts)", async () => {
    const result = await real(function* () {
      const l = yield* loopbackEcho();
      const s = yield* realNetwork.connect(l.address, { timeout: 2000 });
      s.timeout = 2000;
      yield* s.sendall("a\nb\nc\n");
      s.shutdown();
      // One byte of what came back, then the rest of it, in order: a chunk longer than n is split, not lost.
      const first = yield* s.recv(1);
      const rest = yield* readAll(s);
      const again = yield* s.recv();
      s.close();
      l.close();
      return [first.toString(), rest.toString(), again.length];
    });
    expect(result).toEqual(["a", "\nb\nc\n", 0]);
  });

  it("a peer's abort reaches recv as ConnectionResetError; a closed port refuses; sendall throws on a socket closed, shut down or reset, before it writes and after it waits (1 pts)", async () => {
    const result = await real(function* () {
      const l = yield* realNetwork.listen({ host: "127.0.0.1", port: 0 });
      spawn(function* () {
        const s = yield* l.accept();
        yield* s.sendall("bye\n");
        yield* s.recvLine(); // wait for the client to read it and answer
        s.abort();
      });
      const s = yield* realNetwork.connect(l.address, { timeout: 2000 });
      s.timeout = 2000;
      const out: unknown[] = [(yield* s.recvLine()).toString()];
      yield* s.sendall("ok\n");
      try {
        yield* s.recv();
        out.push("no reset");
      } catch (e) {
        out.push(e instanceof ConnectionResetError);
      }
      s.close();
      const port = l.address.port;
      l.close();
      // Tried again while a connect lands: another test file's fork can hold the closed listener's descriptor for a
      // few milliseconds (support/net.ts, refusal). An implementation whose connect never fails connects every time.
      const e = yield* refusal(realNetwork, { host: "127.0.0.1", port });
      out.push(e === null ? "connected every time" : e instanceof ConnectionRefusedError || String(e));
      return out;
    });
    expect(result).toEqual(["bye\n", true, true]);

    // sendall looks at the socket before it writes, and again after it waited for 'drain' (on a stand-in for Node's
    // socket, so that each case is exact): a socket closed, shut down or reset never takes bytes, and a wait that a
    // failure ended is not a success.
    const { result: sendalls } = simulate({}, function* () {
      const hub = getHub();
      const out: Record<string, string> = {};
      const before = recordSendall(out);
      const shut = new FakeNetSocket();
      const s1 = fakeNodeSocket(shut);
      s1.shutdown();
      yield* before("after shutdown()", s1, shut);
      const closed = new FakeNetSocket();
      const s2 = fakeNodeSocket(closed);
      s2.close();
      yield* before("after close()", s2, closed);
      const reset = new FakeNetSocket();
      const s3 = fakeNodeSocket(reset);
      resetBy(reset);
      yield* before("after a reset", s3, reset);
      // Node's buffer is full: write() returns false and sendall waits for 'drain' (at most 1000 ms).
      const waits = (what: string, then: (s: NodeSocket, fake: FakeNetSocket) => void): Green<void> =>
        (function* () {
          const fake = new FakeNetSocket();
          fake.full = true;
          const s = fakeNodeSocket(fake);
          s.timeout = 1000;
          const start = hub.now();
          hub.schedule(10, () => then(s, fake));
          const outcome = yield* sendallOutcome(s);
          out[what] = `${outcome} at ${hub.now() - start} ms`;
        })();
      yield* waits("'drain' while it waits", (_s, fake) => {
        fake.full = false;
        fake.emit("drain");
      });
      yield* waits("a reset while it waits", (_s, fake) => resetBy(fake));
      yield* waits("close() while it waits", (s) => s.close());
      return out;
    });
    expect(sendalls, "what NodeSocket.sendall did, case by case (and how many times it called write())").toEqual({
      "after shutdown()": "SocketClosedError, 0 write() calls",
      "after close()": "SocketClosedError, 0 write() calls",
      "after a reset": "ConnectionResetError, 0 write() calls",
      "'drain' while it waits": "returned at 10 ms",
      "a reset while it waits": "ConnectionResetError at 10 ms",
      "close() while it waits": "SocketClosedError at 10 ms",
    });
  });

  it("a reader that does not read stops the writer; Node's buffer stays bounded; recv lets a paused socket read again only below 16 KiB queued (2 pts)", async () => {
    const result = await real(function* () {
      const l = yield* realNetwork.listen({ host: "127.0.0.1", port: 0 });
      const total = 64 * 1024 * 1024; // far more than the kernel's socket buffers hold
      const chunk = Buffer.alloc(256 * 1024, 0x61);
      let sent = 0;
      let peak = 0;
      const writer = spawn(function* () {
        const s = yield* l.accept();
        while (sent < total) {
          yield* s.sendall(chunk);
          sent += chunk.length;
          peak = Math.max(peak, s.bufferedAmount);
        }
        s.close();
      });
      const s = yield* realNetwork.connect(l.address, { timeout: 2000 });
      s.timeout = 5000;
      // Let the writer run as far as it can while nobody reads (bounded: a few hundred milliseconds).
      let before = -1;
      for (let i = 0; i < 50 && sent !== before; i++) {
        before = sent;
        yield* sleep(20);
      }
      const stalled = sent < total && !writer.dead;
      let read = 0;
      for (let b = yield* s.recv(1 << 20); b.length > 0; b = yield* s.recv(1 << 20)) read += b.length;
      s.close();
      l.close();
      return { stalled, read, peak };
    }, 15_000);
    expect(result.stalled).toBe(true);
    expect(result.read).toBe(64 * 1024 * 1024);
    // sendall returns only below Node's high-water mark (16 KiB on Node 20, 64 KiB on Node 22).
    expect(result.peak).toBeLessThan(64 * 1024);

    // The two marks, on a stand-in for Node's socket: the 'data' listener pauses it past HIGH_WATER (64 KiB queued);
    // recv resumes it only once the queue is below LOW_WATER (16 KiB), not as soon as it is below HIGH_WATER.
    const { result: marks } = simulate({}, function* () {
      const fake = new FakeNetSocket();
      const s = fakeNodeSocket(fake);
      fake.emit("data", Buffer.alloc(40 * 1024, 1));
      fake.emit("data", Buffer.alloc(30 * 1024, 2));
      const seen = [`70 KiB queued: [${fake.calls.join(", ")}]`];
      const a = yield* s.recv(64 * 1024);
      seen.push(`recv took ${a.length / 1024} KiB, 30 KiB left: [${fake.calls.join(", ")}]`);
      const b = yield* s.recv(20 * 1024);
      seen.push(`recv took ${b.length / 1024} KiB, 10 KiB left: [${fake.calls.join(", ")}]`);
      return seen;
    });
    expect(marks, "the socket's pause() and resume() calls as recv empties the queue").toEqual([
      "70 KiB queued: [pause]",
      "recv took 40 KiB, 30 KiB left: [pause]",
      "recv took 20 KiB, 10 KiB left: [pause, resume]",
    ]);
  }, 20_000);
});

/**
 * serve stands on lab 04's GreenPool. Checked once before serve's tests, so that a pool that does not make the next
 * spawn wait for a free slot fails here with a message that says so, not as a serve that runs too many handlers.
 */
let poolChecked: string | null | undefined;
function lab04PoolProblem(): string | null {
  if (poolChecked !== undefined) return poolChecked;
  try {
    const { result } = simulate({}, function* () {
      const pool = new GreenPool(2);
      const started: number[] = [];
      for (let i = 0; i < 3; i++) {
        yield* pool.spawn(function* () {
          started.push(getHub().now());
          yield* sleep(100);
        });
      }
      yield* sleep(1); // the third thread starts
      return started;
    });
    poolChecked =
      JSON.stringify(result) === JSON.stringify([0, 0, 100])
        ? null
        : `your GreenPool from lab 04 does not make a spawn wait for a free slot: a pool of 2 started three 100 ms threads at ${JSON.stringify(result)} ms, not [0,0,100]. Fix lab 04 first (npm run grade 04).`;
  } catch (e) {
    poolChecked = `your GreenPool from lab 04 failed: ${(e as Error).name}: ${(e as Error).message}. serve needs lab 04 finished first (npm run grade 04).`;
  }
  return poolChecked;
}

describe("task 6: serve", () => {
  beforeEach(() => {
    const problem = lab04PoolProblem();
    if (problem !== null) throw new Error(problem);
  });

  it("runs at most `concurrency` handlers at once (1000 without options); the others wait their turn (2 pts)", () => {
    const { result } = simulate({ latency: 1 }, function* (net) {
      const l = yield* net.host("server").listen({ host: "server", port: 7 });
      let running = 0;
      let peak = 0;
      spawn(serve, l, function* (s: Socket) {
        running++;
        peak = Math.max(peak, running);
        yield* sleep(100);
        yield* echo(s);
        running--;
      }, { concurrency: 3 });
      const clients = Array.from({ length: 9 }, (_, i) => spawn(echoClient, net, `c${i}`, [`hi ${i}`]));
      yield* untilEnded(clients, "clients of serve (is serve written? does it run each handler?)");
      l.close();
      return { peak, replies: clients.map((c) => c.result?.[0]), time: getHub().now() };
    });
    expect(result.peak).toBe(3);
    expect(result.replies).toEqual(Array.from({ length: 9 }, (_, i) => `hi ${i}`));
    expect(result.time).toBeGreaterThanOrEqual(300); // three rounds of three

    // Without options, the limit is 1000: 1002 clients at once (a backlog that holds them all), each handler holding
    // its client 100 ms.
    const { result: byDefault } = simulate({ latency: 1 }, function* (net) {
      const l = yield* net.host("server").listen({ host: "server", port: 7 }, 2000);
      let running = 0;
      let peak = 0;
      spawn(serve, l, function* () {
        running++;
        peak = Math.max(peak, running);
        yield* sleep(100);
        running--;
      });
      const clients = Array.from({ length: 1002 }, () =>
        spawn(function* () {
          yield* readAll(yield* net.host("many").connect({ host: "server", port: 7 }));
        }),
      );
      yield* untilEnded(clients, "clients of serve without options");
      l.close();
      return peak;
    });
    expect(byDefault, "handlers running at once under serve(listener, handler) without options, for 1002 clients").toBe(1000);
  });

  it("closing the listener stops serve; a new client is then refused; another error from accept ends serve with that error (1 pts)", () => {
    const { result } = simulate({ latency: 1 }, function* (net) {
      const l = yield* net.host("server").listen({ host: "server", port: 7 });
      const server = spawn(serve, l, echo, { concurrency: 10 });
      const replies = yield* echoClient(net, "a", ["before stop"]);
      l.close();
      yield* sleep(10);
      const out: unknown[] = [...replies, server.dead && !server.failed];
      try {
        yield* net.host("b").connect({ host: "server", port: 7 });
      } catch (e) {
        out.push(e instanceof ConnectionRefusedError);
      }
      return out;
    });
    expect(result).toEqual(["before stop", true, true]);

    // Any other error from accept is not a stop: serve ends with it (rethrows it), and does not go on accepting.
    const { result: failed } = simulate({}, function* () {
      let calls = 0;
      let closed = false;
      const failing: Listener = {
        address: { host: "server", port: 9 },
        get closed() {
          return closed;
        },
        *accept(): Green<Socket> {
          calls++;
          yield* sleep(1);
          if (closed) throw new SocketClosedError("accept on a closed listener");
          throw new SocketError("accept: too many open files", "EMFILE");
        },
        close() {
          closed = true;
        },
      };
      const server = spawn(serve, failing, echo);
      let ended: string | null = null;
      server.onExit((g) => (ended = g.failed ? `serve failed with ${String(g.error)}` : "serve returned")); // (observes it)
      yield* sleep(50);
      const outcome = ended ?? `serve still running after accept threw EMFILE ${calls} times`;
      failing.close(); // (a serve that went on accepting stops now)
      yield* untilEnded([server], "serve after its listener closed", 1000);
      return outcome;
    });
    expect(failed, "serve on a listener whose accept throws SocketError EMFILE").toBe("serve failed with SocketError: accept: too many open files");
  });

  it("a failing handler is reported and serve goes on, but not one that failed with SocketClosedError; StopServe stops it (1 pts)", () => {
    const reported: string[] = [];
    const net = new SimNetwork({ latency: 1 });
    const { result } = runVirtual(
      function* () {
        const l = yield* net.host("server").listen({ host: "server", port: 7 });
        const server = spawn(serve, l, function* (s: Socket) {
          const line = (yield* s.recvLine()).toString().trim();
          if (line === "boom") throw new Error("handler bug");
          if (line === "stop") throw new StopServe();
          if (line === "closed") {
            s.close();
            yield* s.recv(); // SocketClosedError: the handler's own socket is closed, nothing to report
          }
          yield* s.sendall(`ok ${line}\n`);
        });
        const out: unknown[] = [];
        for (const word of ["boom", "closed", "fine", "stop"]) {
          const s = yield* net.host("c").connect({ host: "server", port: 7 });
          yield* s.sendall(word + "\n");
          out.push((yield* readAll(s)).toString());
          s.close();
        }
        yield* sleep(10);
        out.push(server.dead, l.closed);
        return out;
      },
      { report: (_g, e) => reported.push(String(e)) },
    );
    expect(result).toEqual(["", "", "ok fine\n", "", true, true]);
    expect(reported, "what serve reported to the hub (not a SocketClosedError, nor StopServe)").toEqual(["Error: handler bug"]);
  });
});
