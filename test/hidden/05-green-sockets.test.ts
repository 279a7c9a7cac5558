// Instructor-only tests for lab 05-green-sockets: edge cases the public tests leave out. Graded by the
// instructor's grader and the Gradescope autograder; never handed out with the student edition. Everything runs
// on the virtual clock and the simulated network.
import { describe, expect, it } from "vitest";
import { runVirtual, sleep, spawn } from "@target/02-hub/green";
import { getHub } from "@target/02-hub/hub";
import type { Green } from "@target/02-hub/suspend";
import { echoServer } from "@target/05-green-sockets/echo";
import { ConnectionResetError, SocketClosedError, TimedOutError } from "@target/05-green-sockets/errors";
import { park } from "@target/05-green-sockets/park";
import { serve, StopServe } from "@target/05-green-sockets/serve";
import { SimNetwork, type SimOptions } from "@target/05-green-sockets/sim-network";
import type { Address, Socket } from "@target/05-green-sockets/socket";
import { BaseSocket, EMPTY } from "@target/05-green-sockets/stream";
import { pair, untilEnded } from "../support/net";

/** Runs `main` on the virtual clock with a fresh simulated network; an error the hub reports fails the test. */
function simulate<T>(options: SimOptions, main: (net: SimNetwork) => Green<T>): { result: T; time: number; reported: unknown[] } {
  const net = new SimNetwork(options);
  const reported: unknown[] = [];
  const { result, time } = runVirtual(() => main(net), { report: (_g, e) => reported.push(e) });
  return { result, time, reported };
}

/**
 * A socket without a network: recv hands out the given chunks one by one (an empty buffer after the last) and
 * writes down how many bytes each call asked for, so a test sees exactly what recvExactly and recvLine ask.
 */
class ScriptedSocket extends BaseSocket {
  readonly local: Address = { host: "here", port: 1 };
  readonly remote: Address = { host: "there", port: 2 };
  readonly bufferedAmount = 0;
  readonly asked: number[] = [];
  readonly #chunks: Buffer[];
  constructor(chunks: string[]) {
    super();
    this.#chunks = chunks.map((c) => Buffer.from(c));
  }
  *recv(n = 65536): Green<Buffer> {
    this.asked.push(n);
    const head = this.#chunks[0];
    if (head === undefined) return EMPTY;
    if (head.length <= n) return this.#chunks.shift()!;
    this.#chunks[0] = head.subarray(n);
    return head.subarray(0, n);
  }
  unread(data: Uint8Array): void {
    if (data.length > 0) this.#chunks.unshift(Buffer.from(data));
  }
  *sendall(): Green<void> {}
  shutdown(): void {}
  close(): void {}
  abort(): void {}
}

/** Runs a generator that never really waits (a ScriptedSocket's) to its end. */
function drive<T>(g: Green<T>): T {
  return runVirtual(() => g).result;
}

describe("task 1: park", () => {
  it("without a timeout it waits as long as it takes, and returns the value it is resumed with (1 pts)", () => {
    const { result } = simulate({}, function* () {
      const hub = getHub();
      const me = hub.current!;
      hub.schedule(1_000_000, () => hub.resume(me, "an hour later"));
      return [yield* park(null, "forever"), hub.now()];
    });
    expect(result).toEqual(["an hour later", 1_000_000]);
  });

  it("a wait ended by another error cancels the deadline: no TimedOutError turns up later (1 pts)", () => {
    const { result } = simulate({}, function* () {
      const hub = getHub();
      const me = hub.current!;
      hub.schedule(10, () => hub.throwInto(me, new Error("someone else's")));
      const out: unknown[] = [];
      try {
        yield* park(100, "wait");
      } catch (e) {
        out.push((e as Error).message, hub.now());
      }
      try {
        yield* sleep(500); // a deadline left armed would throw here, at 100 ms
        out.push("slept in peace");
      } catch (e) {
        out.push(e instanceof TimedOutError ? "a stray TimedOutError" : String(e));
      }
      return out;
    });
    expect(result).toEqual(["someone else's", 10, "slept in peace"]);
  });
});

describe("task 2: SimSocket.recv", () => {
  it("a second thread calling recv while one waits gets the error that says so (1 pts)", () => {
    const { result } = simulate({ latency: 5 }, function* (net) {
      const s = yield* pair(net, function* (server) {
        yield* sleep(100);
        yield* server.sendall("for the first reader");
        server.close();
      });
      const first = spawn(function* () {
        return (yield* s.recv()).toString();
      });
      yield* sleep(10); // the first reader waits now
      let second = "";
      try {
        yield* s.recv();
        second = "a second recv was allowed";
      } catch (e) {
        second = (e as Error).message;
      }
      yield* untilEnded([first], "first reader (does recv answer it once data comes?)", 10_000);
      return [second, first.failed ? String(first.error) : first.result];
    });
    expect(result).toEqual(["two green threads recv on one socket at once", "for the first reader"]);
  });

  it("bytes that arrived before the FIN all come out before the end of the stream (1 pts)", () => {
    const { result } = simulate({ latency: 5 }, function* (net) {
      const s = yield* pair(net, function* (server) {
        yield* server.sendall("abcdefghij");
        server.close();
      });
      yield* sleep(100); // the bytes and the FIN have both arrived
      const got: string[] = [];
      for (let i = 0; i < 6; i++) got.push((yield* s.recv(3)).toString());
      return got;
    });
    expect(result).toEqual(["abc", "def", "ghi", "j", "", ""]);
  });

  it("close() while a thread waits in recv: it gets SocketClosedError, and so does every later recv (1 pts)", () => {
    const { result } = simulate({ latency: 5 }, function* (net) {
      const s = yield* pair(net, function* (server) {
        yield* sleep(1000);
        yield* server.sendall("too late");
      });
      const waiter = spawn(function* () {
        try {
          yield* s.recv();
          return "returned";
        } catch (e) {
          return e instanceof SocketClosedError ? `SocketClosedError at ${getHub().now()}` : String(e);
        }
      });
      yield* sleep(50);
      s.close();
      yield* untilEnded([waiter], "reader waiting when the socket was closed (does close() wake it?)", 10_000, 1);
      let later = "";
      try {
        yield* s.recv();
        later = "returned";
      } catch (e) {
        later = e instanceof SocketClosedError ? "SocketClosedError" : String(e);
      }
      return [waiter.result, later];
    });
    expect(result).toEqual(["SocketClosedError at 60", "SocketClosedError"]);
  });
});

describe("task 3: recvExactly and recvLine", () => {
  it("recvExactly never asks recv for more than it still needs; recvExactly(0) reads nothing (1 pts)", () => {
    const s = new ScriptedSocket(["abcd", "efgh", "ijkl", "mnop"]);
    const zero = drive(s.recvExactly(0));
    expect([zero.length, s.asked], "recvExactly(0) returns an empty buffer without calling recv").toEqual([0, []]);
    const got = drive(s.recvExactly(10)).toString();
    expect(got).toBe("abcdefghij");
    expect(s.asked, "what recvExactly(10) asked recv for, call by call").toEqual([10, 6, 2]);
    expect(drive(s.recv()).toString(), "what recvExactly left in the stream").toBe("kl");
  });

  it("recvLine asks recv for at most what the limit still allows; a line that fills the limit exactly is a line (1 pts)", () => {
    const s = new ScriptedSocket(["0123456", "78\nrest"]);
    const line = drive(s.recvLine(10)).toString();
    expect(line).toBe("012345678\n");
    expect(s.asked, "what recvLine(10) asked recv for, call by call").toEqual([10, 3]);
    expect(drive(s.recv()).toString(), "what recvLine left in the stream").toBe("rest");
    const alone = new ScriptedSocket(["\n", "x"]);
    expect(drive(alone.recvLine()).toString(), "a newline alone is an (empty) line, not the end").toBe("\n");
  });
});

describe("task 4: echo", () => {
  it("a last line without a newline is echoed too, then the connection ends (1 pts)", () => {
    const { result, reported } = simulate({ latency: 5, mss: 3 }, function* (net) {
      const l = yield* net.host("server").listen({ host: "server", port: 7 });
      spawn(echoServer, l);
      const s = yield* net.host("client").connect({ host: "server", port: 7 });
      yield* s.sendall("one\ntwo\nno end");
      s.shutdown();
      const parts: Buffer[] = [];
      for (let b = yield* s.recv(); b.length > 0; b = yield* s.recv()) parts.push(b);
      l.close();
      return Buffer.concat(parts).toString();
    });
    expect(reported).toEqual([]);
    expect(result).toBe("one\ntwo\nno end");
  });
});

describe("task 6: serve", () => {
  it("a handler that fails only because its client went away is not reported (1 pts)", () => {
    const { result, reported } = simulate({ latency: 1 }, function* (net) {
      const l = yield* net.host("server").listen({ host: "server", port: 7 });
      const ended: string[] = [];
      spawn(serve, l, function* (s: Socket) {
        try {
          yield* s.recvLine();
          yield* sleep(20);
          yield* s.recv(); // the client reset meanwhile: ConnectionResetError
        } catch (e) {
          ended.push((e as Error).name);
          throw e;
        }
      });
      for (let i = 0; i < 2; i++) {
        const c = yield* net.host(`c${i}`).connect({ host: "server", port: 7 });
        yield* c.sendall("hi\n");
        yield* sleep(5);
        c.abort();
      }
      yield* sleep(100);
      l.close();
      return ended;
    });
    expect(result).toEqual([ConnectionResetError.name, ConnectionResetError.name]);
    expect(reported, "errors reported to the hub").toEqual([]);
  });

  it("StopServe closes the listener, and a handler still running goes on to its end (1 pts)", () => {
    const { result, reported } = simulate({ latency: 1 }, function* (net) {
      const l = yield* net.host("server").listen({ host: "server", port: 7 });
      const server = spawn(serve, l, function* (s: Socket) {
        const line = (yield* s.recvLine()).toString().trim();
        if (line === "stop") throw new StopServe();
        yield* sleep(200); // still working when the other handler stops the server
        yield* s.sendall(`done ${line}\n`);
      });
      const slow = yield* net.host("a").connect({ host: "server", port: 7 });
      yield* slow.sendall("work\n");
      yield* sleep(10);
      const stopper = yield* net.host("b").connect({ host: "server", port: 7 });
      yield* stopper.sendall("stop\n");
      yield* sleep(20);
      const stopped = [server.dead, l.closed];
      const answer = (yield* slow.recvLine()).toString();
      return [...stopped, answer];
    });
    expect(reported).toEqual([]);
    expect(result).toEqual([true, true, "done work\n"]);
  });
});
