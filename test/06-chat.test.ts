// Grading tests for lab 06-chat: nicknames and clean text, the room, the outbox and its full-queue policy,
// reading lines with a limit, and the whole server with dozens of clients. Everything but the last two tests
// runs on the virtual clock and a seeded simulated network: instant, the same every time, and every claim
// about time ("a stalled client does not delay the others") is checked in virtual milliseconds.
//
// A randomized test prints its seed when it fails. Replay it with, for example:
//   SEED=1234 HUB_TARGET=labs npx vitest run test/06-chat.test.ts   (on the reference: without HUB_TARGET)
import { beforeEach, describe, expect, it } from "vitest";
import { runReal, runVirtual, sleep } from "@target/02-hub/green";
import { getHub } from "@target/02-hub/hub";
import type { Green } from "@target/02-hub/suspend";
import { spawn } from "@target/03-cancellation/greenthread";
import { ConnectionResetError } from "@target/05-green-sockets/errors";
import { realNetwork } from "@target/05-green-sockets/node-network";
import { exponential, mulberry32, uniform } from "@target/05-green-sockets/random";
import { SimNetwork } from "@target/05-green-sockets/sim-network";
import type { Address, Listener, Network, Socket } from "@target/05-green-sockets/socket";
import { chatServer } from "@target/06-chat/chat";
import { readLine, type Line } from "@target/06-chat/lines";
import type { ChatOptions } from "@target/06-chat/options";
import { Outbox } from "@target/06-chat/outbox";
import { Room } from "@target/06-chat/room";
import { Box } from "./support/chat";
import { cleanLine, validateNick } from "@target/06-chat/text";
import { real, replayWith, SEED, simulate } from "./support/net";

const replay = replayWith("test/06-chat.test.ts");

const now = (): number => getHub().now();

// ---------------------------------------------------------------------------------------------------------
// A test client: a socket, a reader thread that writes down every line heard and when, and ways to wait.

interface Heard {
  readonly at: number;
  readonly line: string;
}

class Client {
  readonly heard: Heard[] = [];
  /** How the stream from the server ended: "eof", the error's name, or null while it is open. */
  end: string | null = null;
  constructor(
    readonly name: string,
    readonly sock: Socket,
  ) {}

  lines(): string[] {
    return this.heard.map((h) => h.line);
  }

  *say(text: string): Green<void> {
    yield* this.sock.sendall(`${text}\n`);
  }

  /** Waits until `done()` holds, looking every 5 virtual (or real) milliseconds; fails after `ms`. */
  *until(done: () => boolean, what: string, ms = 20_000): Green<void> {
    const deadline = now() + ms;
    while (!done()) {
      if (now() >= deadline) throw new Error(`${this.name} waited ${ms} ms for ${what}; heard: ${JSON.stringify(this.lines())}`);
      yield* sleep(5);
    }
  }

  *hears(line: string): Green<void> {
    yield* this.until(() => this.lines().includes(line), JSON.stringify(line));
  }
}

function* reader(c: Client): Green<void> {
  try {
    for (;;) {
      const raw = yield* c.sock.recvLine();
      if (raw.length === 0) {
        c.end = "eof";
        return;
      }
      c.heard.push({ at: now(), line: raw.toString().replace(/\n$/, "") });
    }
  } catch (e) {
    c.end = (e as Error).name;
  }
}

const SERVER: Address = { host: "server", port: 6667 };

/** Connects `name` (a host of the simulated network, or a label on a real one); reads unless told not to. */
function* connect(net: SimNetwork | Network, name: string, to: Address = SERVER, read = true): Green<Client> {
  const from = net instanceof SimNetwork ? net.host(name) : net;
  const c = new Client(name, yield* from.connect(to, { timeout: 5000 }));
  if (read) spawn(reader, c);
  return c;
}

/** Connects and joins as `nick`, and waits for the welcome. */
function* join(net: SimNetwork | Network, name: string, to: Address = SERVER): Green<Client> {
  const c = yield* connect(net, name, to);
  yield* c.say(name);
  yield* c.until(() => c.lines().some((l) => l.startsWith(`* hello ${name}:`)), "its welcome");
  return c;
}

/** A chat server on server:6667; the room is returned so a test can look inside. */
function* startRoom(net: SimNetwork, options: ChatOptions = {}): Green<{ room: Room; listener: Listener }> {
  const listener = yield* net.host("server").listen(SERVER);
  const room = new Room();
  spawn(chatServer, listener, options, room);
  return { room, listener };
}

const welcome = (nick: string, here: string[]): string => `* hello ${nick}: ${here.length} here (${here.join(", ")}). /who, /nick NAME, /quit`;
const PROMPT = "* welcome! what is your nickname?";

// ---------------------------------------------------------------------------------------------------------

describe("task 1: nicknames and clean text", () => {
  it("validateNick accepts a letter, then letters, digits, - or _, up to 16 characters (1 pts)", () => {
    for (const nick of ["ann", "A", "bob_2", "x-y-z", "Abcdefghijklmnop"]) expect(validateNick(nick), nick).toBeNull();
  });

  it("validateNick says why it refuses: empty, too long, a bad first or later character, a look-alike letter (1 pts)", () => {
    expect(validateNick("")).toBe("a nickname cannot be empty");
    expect(validateNick("Abcdefghijklmnopq")).toBe("a nickname has at most 16 characters");
    for (const nick of ["9lives", "_ann", "ann bob", "ann!", "\u0430nn", "ann\u0000"]) {
      expect(validateNick(nick), JSON.stringify(nick)).toBe("a nickname is a letter, then letters, digits, - or _");
    }
  });

  it("cleanLine drops the line end and control characters, keeps spaces and UTF-8, and marks bad bytes (1 pts)", () => {
    expect(cleanLine(Buffer.from("hello\n"))).toBe("hello");
    expect(cleanLine(Buffer.from("dos\r\n"))).toBe("dos");
    expect(cleanLine(Buffer.from("no end"))).toBe("no end");
    expect(cleanLine(Buffer.from("\u001b[2J\u001b[31mred\u0007\n"))).toBe("[2J[31mred");
    expect(cleanLine(Buffer.from("a\tb\u007f\u009bc\n"))).toBe("a bc");
    expect(cleanLine(Buffer.from("héllo wörld ✓\n"))).toBe("héllo wörld ✓");
    expect(cleanLine(Buffer.from([0x61, 0xff, 0x62, 0x0a]))).toBe("a\ufffdb");
    expect(cleanLine(Buffer.from("  two  spaces  \n")), "spaces stay, at the ends too: cleanLine does not trim").toBe("  two  spaces  ");
    expect(cleanLine(Buffer.from("\tindented\t\r\n")), "tabs at the ends become spaces, and stay").toBe(" indented ");
  });
});

describe("task 2: Room", () => {
  it("join welcomes the newcomer with who is here, tells the others, and keeps nicknames unique in any case (1 pts)", () => {
    const room = new Room();
    const [a, b, c] = [new Box(), new Box(), new Box()];
    const ann = room.join("ann", a);
    expect(ann?.nick).toBe("ann");
    expect(room.join("bob", b)?.nick).toBe("bob");
    expect(room.join("ANN", c)).toBeNull();
    expect(room.join("Bob", c)).toBeNull();
    expect(a.lines).toEqual([welcome("ann", ["ann"]), "* bob joined"]);
    expect(b.lines).toEqual([welcome("bob", ["ann", "bob"])]);
    expect(c.lines).toEqual([]); // a refused join changes nothing
    expect([room.nicks(), room.size, room.find("BOB")?.nick]).toEqual([["ann", "bob"], 2, "bob"]);
  });

  it("a message reaches everyone but its sender, and everyone gets the messages in the same order (1 pts)", () => {
    const room = new Room();
    const boxes = ["ann", "bob", "cyd", "dee"].map(() => new Box());
    const members = ["ann", "bob", "cyd", "dee"].map((n, i) => room.join(n, boxes[i])!);
    for (const b of boxes) b.lines.length = 0;
    room.message(members[0], "one");
    room.message(members[2], "two");
    room.message(members[0], "three");
    expect(boxes.map((b) => b.lines)).toEqual([
      ["<cyd> two"],
      ["<ann> one", "<cyd> two", "<ann> three"],
      ["<ann> one", "<ann> three"],
      ["<ann> one", "<cyd> two", "<ann> three"],
    ]);
  });

  it("leave tells the others once, and a member who left says nothing more; rename tells everyone and frees the old nickname (1 pts)", () => {
    const room = new Room();
    const [a, b, c] = [new Box(), new Box(), new Box()];
    const ann = room.join("ann", a)!;
    const bob = room.join("bob", b)!;
    const cyd = room.join("cyd", c)!;
    expect(room.rename(bob, "Ann")).toBe(false);
    expect(room.rename(bob, "bobby")).toBe(true);
    expect(room.rename(cyd, "CYD")).toBe(true); // a new case of one's own nickname is allowed
    expect(room.leave(ann, "quit")).toBe(true);
    expect(room.leave(ann, "quit")).toBe(false);
    room.message(ann, "from beyond");
    expect(room.join("ann", new Box())?.nick).toBe("ann"); // the nickname is free again
    expect(a.lines.slice(1)).toEqual(["* bob joined", "* cyd joined", "* bob is now bobby", "* cyd is now CYD"]);
    expect(b.lines.slice(1)).toEqual(["* cyd joined", "* bob is now bobby", "* cyd is now CYD", "* ann left (quit)", "* ann joined"]);
    expect(room.nicks()).toEqual(["bobby", "CYD", "ann"]);
    expect(room.find("BOBBY")?.nick, 'find("BOBBY") after bob became bobby').toBe("bobby");
    expect(room.find("bob")?.nick, 'find("bob") after bob became bobby: nobody is called bob any more').toBeUndefined();
    expect(room.join("Bob", new Box())?.nick, 'join("Bob") after bob became bobby: the old nickname is free').toBe("Bob");
  });

  it("a mailbox that refuses a line makes its member leave, 'too slow', even in the middle of a broadcast (1 pts)", () => {
    const room = new Room();
    const a = new Box();
    const slow1 = new Box(3); // welcome, sl2's and cyd's join notices: then full
    const slow2 = new Box(3); // welcome, cyd's join notice, and room for one more
    const c = new Box();
    const ann = room.join("ann", a)!;
    room.join("sl1", slow1);
    room.join("sl2", slow2);
    room.join("cyd", c);
    room.message(ann, "hello");
    expect(room.nicks()).toEqual(["ann", "cyd"]);
    expect(a.lines.slice(1)).toEqual(["* sl1 joined", "* sl2 joined", "* cyd joined", "* sl1 left (too slow)", "* sl2 left (too slow)"]);
    // sl1 refuses the message; sl2 takes it and refuses the news that sl1 left. Nobody hears a "left" in the
    // middle of a broadcast: everyone still hears one order.
    expect(c.lines).toEqual([welcome("cyd", ["ann", "sl1", "sl2", "cyd"]), "<ann> hello", "* sl1 left (too slow)", "* sl2 left (too slow)"]);
    expect(slow2.lines).toEqual([welcome("sl2", ["ann", "sl1", "sl2"]), "* cyd joined", "<ann> hello"]);
  });
});

/**
 * An outbox on the server's end of a fresh connection, and the client's end; `aborts()` counts the outbox's calls of
 * its socket's abort().
 */
function* outboxPair(net: SimNetwork, queueSize: number, linger: number): Green<{ outbox: Outbox; client: Socket; aborts: () => number }> {
  const l = yield* net.host("server").listen({ host: "server", port: 7 });
  const connecting = spawn(function* () {
    return yield* net.host("client").connect({ host: "server", port: 7 });
  });
  const s = yield* l.accept();
  l.close();
  const client = yield* connecting.wait();
  let aborts = 0;
  // The socket itself, but for abort(), which is counted first. (Methods are called on the socket, for its # fields.)
  const counted = new Proxy(s, {
    get(target, key) {
      if (key === "abort") {
        return () => {
          aborts++;
          target.abort();
        };
      }
      const value: unknown = Reflect.get(target, key, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
    set: (target, key, value) => Reflect.set(target, key, value, target),
  });
  return { outbox: new Outbox(counted, { queueSize, linger }), client, aborts: () => aborts };
}

/** Every line the client reads until the end of the stream, with when it read it. */
function* readLines(sock: Socket): Green<Heard[]> {
  const out: Heard[] = [];
  for (let raw = yield* sock.recvLine(); raw.length > 0; raw = yield* sock.recvLine()) out.push({ at: now(), line: raw.toString().trimEnd() });
  return out;
}

describe("task 3: Outbox", () => {
  needsLab05();

  it("send queues a line at once, without waiting, and the writer thread sends the lines in order (1 pts)", () => {
    const { result } = simulate({ latency: 5 }, function* (net) {
      const { outbox, client } = yield* outboxPair(net, 10, 1000);
      const t0 = now();
      const accepted = [outbox.send("one"), outbox.send("two"), outbox.send("three")];
      const queued = outbox.pending; // nothing has run yet: send never switches
      outbox.close();
      const heard = yield* readLines(client);
      return { accepted, queued, heard: heard.map((h) => [h.line, h.at - t0]), writerFailed: outbox.writer.failed };
    });
    expect(result).toEqual({ accepted: [true, true, true], queued: 3, heard: [["one", 5], ["two", 5], ["three", 5]], writerFailed: false });
  });

  it("close delivers what is queued, then the farewell, then the end of the stream; later lines are dropped; the writer's end cancels the linger timer (1 pts)", () => {
    const { result } = simulate({ latency: 5 }, function* (net) {
      const { outbox, client, aborts } = yield* outboxPair(net, 10, 1000);
      outbox.send("a");
      outbox.send("b");
      outbox.close("* bye");
      const late = outbox.send("too late");
      outbox.close("* twice");
      const heard = yield* readLines(client);
      yield* outbox.writer.wait();
      yield* sleep(2000); // past the linger (1000 ms): a timer the writer left armed would abort the socket now
      return { late, heard: heard.map((h) => h.line), evicted: outbox.evicted, aborts: aborts() };
    });
    expect(result.aborts, "sock.abort() calls after a writer that delivered everything ended (its finally cancels the linger timer)").toBe(0);
    expect(result).toEqual({ late: true, heard: ["a", "b", "* bye"], evicted: false, aborts: 0 });
  });

  it("full-queue policy: a client that stopped reading is disconnected, its waiting lines dropped and counted in the farewell (2 pts)", () => {
    const { result } = simulate({ latency: 5, window: 64, sendBuffer: 64 }, function* (net) {
      const { outbox, client } = yield* outboxPair(net, 5, 60_000);
      let refusedAt = -1;
      const answers: boolean[] = [];
      for (let i = 0; i < 100; i++) {
        const ok = outbox.send(`line ${String(i).padStart(2, "0")}`);
        answers.push(ok);
        if (!ok && refusedAt < 0) refusedAt = i;
        yield* sleep(1);
      }
      const heard = (yield* readLines(client)).map((h) => h.line); // the client wakes up and reads
      return { refusedAt, answers, heard, evicted: outbox.evicted };
    });
    const { refusedAt, answers, heard, evicted } = result;
    expect(evicted).toBe(true);
    expect(refusedAt, "the window (64) and send buffer (64) hold a few lines, then the queue (5) fills").toBeGreaterThan(5);
    expect(refusedAt).toBeLessThan(40);
    expect(answers.indexOf(true, refusedAt), "once disconnected, every send says so: the first later send that returned true").toBe(-1);
    const farewell = heard[heard.length - 1];
    const delivered = heard.slice(0, -1);
    expect(delivered).toEqual(delivered.map((_, i) => `line ${String(i).padStart(2, "0")}`)); // no holes: a prefix
    const behind = Number(/^\* you fell (\d+) messages behind: disconnected$/.exec(farewell)?.[1]);
    expect(behind, farewell).toBe(6); // the 5 queued lines and the one that did not fit
    expect(delivered.length + behind, "every line was either delivered or counted as dropped").toBe(refusedAt + 1);
  });

  it("linger: a client that never reads is reset `linger` ms after close, and the writer ends (1 pts)", () => {
    const { result } = simulate({ latency: 5, window: 64, sendBuffer: 64 }, function* (net) {
      const { outbox, client } = yield* outboxPair(net, 1000, 3000);
      for (let i = 0; i < 50; i++) outbox.send(`line ${i}`);
      yield* sleep(100);
      const closedAt = now();
      outbox.close("* bye");
      yield* outbox.writer.wait();
      const endedAfter = now() - closedAt;
      yield* sleep(10); // the reset reaches the client
      try {
        yield* client.recv();
        return { endedAfter, client: "no reset" };
      } catch (e) {
        return { endedAfter, client: e instanceof ConnectionResetError ? "reset" : String(e) };
      }
    });
    expect(result).toEqual({ endedAfter: 3000, client: "reset" });
  });

  it("the writer ends quietly when the client resets the connection, and lines after that are dropped (1 pts)", () => {
    const { result } = simulate({ latency: 5 }, function* (net) {
      const { outbox, client } = yield* outboxPair(net, 3, 1000);
      outbox.send("hello");
      const first = (yield* client.recvLine()).toString();
      client.abort();
      yield* sleep(20);
      outbox.send("anyone?"); // the writer learns of the reset here, or already knew
      yield* sleep(20);
      const later = [1, 2, 3, 4, 5, 6].map((i) => outbox.send(`more ${i}`)); // over the queue's size: still not "too slow"
      yield* sleep(20);
      return { first, later, dead: outbox.writer.dead, failed: outbox.writer.failed, evicted: outbox.evicted };
    });
    expect(result).toEqual({ first: "hello\n", later: [true, true, true, true, true, true], dead: true, failed: false, evicted: false });
  });
});

/**
 * readLine stands on lab 05's recvLine. Before a test of readLine, this checks the two rules of recvLine it relies
 * on, so that a recvLine that breaks them fails here with a message that says so, not with a timeout in lab 06.
 */
let recvLineChecked: string | null | undefined;
function lab05RecvLineProblem(): string | null {
  if (recvLineChecked !== undefined) return recvLineChecked;
  const got: string[] = [];
  try {
    simulate({ latency: 5, mss: 8 }, function* (net) {
      const l = yield* net.host("server").listen({ host: "server", port: 9 });
      spawn(function* () {
        const s = yield* l.accept();
        yield* s.sendall("x".repeat(30) + "\nnext\nno end");
        s.close();
      });
      const s = yield* net.host("client").connect({ host: "server", port: 9 });
      try {
        yield* s.recvLine(16);
        got.push("no RangeError");
      } catch (e) {
        got.push(e instanceof RangeError ? "RangeError" : `${(e as Error).name}: ${(e as Error).message}`);
      }
      for (let i = 0; i < 4; i++) got.push((yield* s.recvLine(16)).toString());
    });
  } catch (e) {
    got.push(`${(e as Error).name}: ${(e as Error).message}`);
  }
  const want = ["RangeError", "x".repeat(14) + "\n", "next\n", "no end", ""];
  const at = want.findIndex((w, i) => got[i] !== w);
  recvLineChecked =
    at < 0
      ? null
      : "your recvLine from lab 05 breaks a rule readLine relies on (see lab 05's README, task 3). On 30 bytes without a " +
        'newline, then "next\\n", then "no end" and the end of the stream, recvLine(16) should throw a RangeError, then ' +
        `return the other 14 bytes of the long line, "next\\n", "no end" and an empty buffer. Call ${at + 1} gave ` +
        `${JSON.stringify(got[at] ?? "nothing")}, not ${JSON.stringify(want[at])}. Fix lab 05 first (npm run grade 05).`;
  return recvLineChecked;
}

/**
 * The room stands on lab 05's sockets: connect, sendall, recvLine, a half-close and a reset. This checks them once,
 * so that a socket that breaks them fails lab 06's tests with a message that says so, not with a timeout here.
 */
let socketsChecked: string | null | undefined;
function lab05SocketProblem(): string | null {
  if (socketsChecked !== undefined) return socketsChecked;
  const steps: string[] = [];
  try {
    const got = simulate({ latency: 5, mss: 4 }, function* (net) {
      const l = yield* net.host("server").listen({ host: "server", port: 9 });
      spawn(function* () {
        const s = yield* l.accept();
        for (let line = yield* s.recvLine(); line.length > 0; line = yield* s.recvLine()) yield* s.sendall(`> ${line.toString()}`);
        s.close();
        const t = yield* l.accept();
        yield* sleep(10);
        t.abort();
      });
      steps.push("connect");
      const c = yield* net.host("client").connect({ host: "server", port: 9 });
      steps.push("sendall");
      yield* c.sendall("one\ntwo\n");
      c.shutdown();
      steps.push("recvLine up to the end of the stream");
      const lines: string[] = [];
      for (let line = yield* c.recvLine(); line.length > 0; line = yield* c.recvLine()) lines.push(line.toString());
      c.close();
      const d = yield* net.host("client").connect({ host: "server", port: 9 });
      steps.push("recv when the peer resets the connection");
      try {
        yield* d.recv();
        lines.push("no error");
      } catch (e) {
        lines.push((e as Error).name);
      }
      return lines;
    }).result;
    const want = ["> one\n", "> two\n", "ConnectionResetError"];
    socketsChecked =
      JSON.stringify(got) === JSON.stringify(want)
        ? null
        : `your sockets from lab 05 do not behave as the room relies on: got ${JSON.stringify(got)}, not ${JSON.stringify(want)}. ` +
          "Fix lab 05 first (npm run grade 05).";
  } catch (e) {
    socketsChecked =
      `your sockets from lab 05 failed at "${steps[steps.length - 1] ?? "the start"}": ${(e as Error).name}: ${(e as Error).message}. ` +
      "The room's tests need lab 05 finished first (npm run grade 05).";
  }
  return socketsChecked;
}

/** Fails each test of a group, with lab 05's problem, when lab 05's sockets break what the room relies on. */
function needsLab05(): void {
  beforeEach(() => {
    const problem = lab05SocketProblem() ?? lab05RecvLineProblem();
    if (problem !== null) throw new Error(problem);
  });
}

/** Runs readLine(max) on the server side while `client` sends; returns what readLine returned, up to the end. */
function lineTest(max: number, client: (s: Socket) => Green<void>): Line[] {
  return simulate({ latency: 5 }, function* (net) {
    const l = yield* net.host("server").listen({ host: "server", port: 7 });
    const clientThread = spawn(function* () {
      const s = yield* net.host("client").connect({ host: "server", port: 7 });
      yield* client(s);
    });
    const s = yield* l.accept();
    const out: Line[] = [];
    for (;;) {
      const line = yield* readLine(s, max);
      out.push(line);
      if (line.kind === "end") break;
    }
    yield* clientThread.wait();
    return out;
  }).result;
}

describe("task 4: readLine", () => {
  needsLab05();

  it("reads whole lines however the bytes arrive: several in a segment, one split across segments, CRLF (1 pts)", () => {
    const lines = lineTest(40, function* (s) {
      yield* s.sendall("one\ntwo\r\nthree\n");
      yield* s.sendall("split ");
      yield* sleep(10);
      yield* s.sendall("across\n");
      const utf8 = Buffer.from("héllo ✓\n");
      yield* s.sendall(utf8.subarray(0, 2)); // the middle of "é"
      yield* sleep(10);
      yield* s.sendall(utf8.subarray(2));
      yield* s.sendall("\u001b[1mbold\n\n");
      s.close();
    });
    expect(lines).toEqual([
      { kind: "line", text: "one" },
      { kind: "line", text: "two" },
      { kind: "line", text: "three" },
      { kind: "line", text: "split across" },
      { kind: "line", text: "héllo ✓" },
      { kind: "line", text: "[1mbold" },
      { kind: "line", text: "" },
      { kind: "end", cut: false },
    ]);
  });

  it("a line over the limit is dropped whole, even across segments, and the next line is read as usual (1 pts)", () => {
    const lines = lineTest(10, function* (s) {
      yield* s.sendall("0123456789\n"); // exactly the limit
      yield* s.sendall("0123456789\r\n"); // the limit, and a CRLF
      yield* s.sendall("0123456789A\n"); // one byte over
      for (let i = 0; i < 5; i++) {
        yield* s.sendall("x".repeat(7)); // 35 bytes in pieces: the newline comes late
        yield* sleep(10);
      }
      yield* s.sendall("\nnext\n");
      s.close();
    });
    expect(lines).toEqual([
      { kind: "line", text: "0123456789" },
      { kind: "line", text: "0123456789" },
      { kind: "too-long" },
      { kind: "too-long" },
      { kind: "line", text: "next" },
      { kind: "end", cut: false },
    ]);
  });

  it("the end of the stream in the middle of a line, even a too-long one, is an end that says the line was cut, never a line (1 pts)", () => {
    const cut = lineTest(10, function* (s) {
      yield* s.sendall("whole\nhalf a sen");
      s.close();
    });
    expect(cut).toEqual([{ kind: "line", text: "whole" }, { kind: "end", cut: true }]);
    const longAndCut = lineTest(10, function* (s) {
      yield* s.sendall("far too long to be a line");
      s.close();
    });
    expect(longAndCut).toEqual([{ kind: "end", cut: true }]);
    // 24 bytes and the end: two RangeErrors of recvLine(12) take them all, and recvLine then returns empty. The line
    // was still cut (and too long): an end with cut true.
    const longToTheEnd = lineTest(10, function* (s) {
      yield* s.sendall("x".repeat(24));
      s.close();
    });
    expect(longToTheEnd, "24 bytes without a newline, then the end of the stream, read with max 10").toEqual([{ kind: "end", cut: true }]);
  });
});

describe("task 5: the chat server", () => {
  needsLab05();

  it("a conversation: join, talk, /who, /nick, an unknown command, /quit and a hang-up (2 pts)", () => {
    const { result } = simulate({ latency: 5 }, function* (net) {
      yield* startRoom(net);
      const ann = yield* join(net, "ann");
      const bob = yield* join(net, "bob");
      yield* ann.hears("* bob joined");
      const cyd = yield* connect(net, "cyd");
      yield* cyd.say("Ann");
      yield* cyd.hears("* Ann is taken; try another");
      yield* cyd.say("cyd");
      yield* bob.hears("* cyd joined");
      yield* ann.say("hi all");
      yield* cyd.hears("<ann> hi all");
      yield* bob.say("/nick bobby");
      yield* cyd.hears("* bob is now bobby");
      yield* cyd.say("/who");
      yield* cyd.say("/dance now");
      yield* cyd.say("/quit");
      yield* cyd.until(() => cyd.end !== null, "the end of the stream");
      yield* ann.hears("* cyd left (quit)");
      bob.sock.close(); // bob hangs up without a word
      yield* ann.hears("* bobby left (connection closed)");
      return [ann.lines(), bob.lines(), cyd.lines(), cyd.end];
    });
    expect(result).toEqual([
      [PROMPT, welcome("ann", ["ann"]), "* bob joined", "* cyd joined", "* bob is now bobby", "* cyd left (quit)", "* bobby left (connection closed)"],
      [PROMPT, welcome("bob", ["ann", "bob"]), "* cyd joined", "<ann> hi all", "* bob is now bobby", "* cyd left (quit)"],
      [
        PROMPT,
        "* Ann is taken; try another",
        welcome("cyd", ["ann", "bob", "cyd"]),
        "<ann> hi all",
        "* bob is now bobby",
        "* 3 here: ann, bobby, cyd",
        "* unknown command /dance; try /who, /nick NAME or /quit", // for "/dance now": the command, not the line
        "* bye",
      ],
      "eof",
    ]);
  });

  it("a bad nickname is refused with the reason and asked again; /nick checks the same rules (1 pts)", () => {
    const { result } = simulate({ latency: 5 }, function* (net) {
      yield* startRoom(net, { maxLine: 32 });
      const ann = yield* join(net, "ann");
      const c = yield* connect(net, "client");
      for (const nick of ["", "9lives", "a-very-long-nickname", "x".repeat(40), "  dee  "]) yield* c.say(nick);
      yield* c.until(() => c.lines().some((l) => l.startsWith("* hello")), "a welcome");
      yield* c.say("/nick ann");
      yield* c.say("/nick no way");
      yield* c.say("/nick");
      yield* c.say("/who");
      yield* c.hears("* 2 here: ann, dee");
      return [c.lines(), ann.lines()];
    });
    expect(result).toEqual([
      [
        PROMPT,
        "* a nickname cannot be empty; try another",
        "* a nickname is a letter, then letters, digits, - or _; try another",
        "* a nickname has at most 16 characters; try another",
        "* that is far too long; try another",
        welcome("dee", ["ann", "dee"]),
        "* ann is taken; try another",
        "* a nickname is a letter, then letters, digits, - or _; try another",
        "* a nickname cannot be empty; try another",
        "* 2 here: ann, dee",
      ],
      [PROMPT, welcome("ann", ["ann"]), "* dee joined"],
    ]);
  });

  it("a client that never gives a nickname is told so and disconnected at nickTimeout (1 pts)", () => {
    const { result } = simulate({ latency: 5 }, function* (net) {
      const { room } = yield* startRoom(net, { nickTimeout: 3000 });
      const t0 = now();
      const c = yield* connect(net, "mute");
      yield* c.until(() => c.end !== null, "the end of the stream", 10_000);
      return { heard: c.heard.map((h) => [h.line, h.at - t0]), end: c.end, members: room.size };
    });
    // The server accepts at 5 ms and prompts at once (heard at 10); it gives up at 5 + 3000 (heard at 3010).
    expect(result).toEqual({ heard: [[PROMPT, 10], ["* no nickname in time: bye", 3010]], end: "eof", members: 0 });
  });

  it(`40 clients on a network with random latency all hear every message, in one same order (seed ${SEED}) (2 pts)`, () => {
    const random = mulberry32(SEED);
    const names = Array.from({ length: 40 }, (_, i) => `c${String(i).padStart(2, "0")}`);
    try {
      const { result: clients } = simulate({ seed: SEED, latency: exponential(2, 8) }, function* (net) {
        yield* startRoom(net);
        const joining = names.map((n) =>
          spawn(function* () {
            yield* sleep(uniform(0, 500)(random));
            return yield* join(net, n);
          }),
        );
        const clients: Client[] = [];
        for (const t of joining) clients.push(yield* t.wait());
        const talking = clients.map((c) =>
          spawn(function* () {
            for (let k = 0; k < 5; k++) {
              yield* sleep(uniform(0, 400)(random));
              yield* c.say(`m ${c.name} ${k}`);
            }
          }),
        );
        for (const t of talking) yield* t.wait();
        const heardAll = (c: Client): boolean => c.lines().filter((l) => l.startsWith("<")).length === 39 * 5;
        for (const c of clients) yield* c.until(() => heardAll(c), "every message");
        return clients;
      });
      const orders = clients.map((c) => c.lines().filter((l) => l.startsWith("<")));
      for (const [i, order] of orders.entries()) {
        expect(order.some((l) => l.startsWith(`<${names[i]}>`)), "nobody hears their own messages").toBe(false);
        expect(new Set(order).size).toBe(39 * 5);
      }
      // One order for everyone: any two clients hear the messages they both hear in the same relative order.
      const indexes = orders.map((b) => new Map(b.map((l, i) => [l, i])));
      for (const a of orders) {
        for (const inB of indexes) {
          const common = a.filter((l) => inB.has(l));
          const swapped = common.findIndex((l, i) => i > 0 && inB.get(common[i - 1])! > inB.get(l)!);
          expect(swapped < 0 ? null : [common[swapped - 1], common[swapped]], "two messages one client heard in the other order").toBeNull();
        }
      }
    } catch (e) {
      throw new Error(`${(e as Error).message}\n${replay(SEED)}`);
    }
  });

  it("a stalled client does not delay anyone: 30 others hear every message 10 ms after it was said, and it is dropped 'too slow' (2 pts)", () => {
    const { result } = simulate({ latency: 5, window: 2048, sendBuffer: 512 }, function* (net) {
      const { room } = yield* startRoom(net, { queueSize: 20 });
      const fast: Client[] = [];
      for (let i = 0; i < 30; i++) fast.push(yield* join(net, `f${String(i).padStart(2, "0")}`));
      const zed = yield* connect(net, "zed", SERVER, false); // connects, gives its name, never reads again
      yield* zed.say("zed");
      yield* fast[0].hears("* zed joined");
      const said = new Map<string, number>();
      const talkers = fast.slice(0, 10).map((c, i) =>
        spawn(function* () {
          yield* sleep(i);
          for (let k = 0; k < 30; k++) {
            const text = `m ${c.name} ${k}`;
            said.set(`<${c.name}> ${text}`, now());
            yield* c.say(text);
            yield* sleep(20);
          }
        }),
      );
      for (const t of talkers) yield* t.wait();
      for (const c of fast) yield* c.until(() => c.lines().filter((l) => l.startsWith("<")).length === (c.name < "f10" ? 270 : 300), "every message");
      const lags = new Set(fast.flatMap((c) => c.heard.filter((h) => h.line.startsWith("<")).map((h) => h.at - said.get(h.line)!)));
      const zedLeft = fast[29].heard.find((h) => h.line === "* zed left (too slow)");
      const start = Math.min(...said.values());
      return { lags: [...lags], zedLeftDuringTalk: zedLeft !== undefined && zedLeft.at > start + 100, members: room.size };
    });
    expect(result).toEqual({ lags: [10], zedLeftDuringTalk: true, members: 30 });
  });

  it("a client that vanishes mid-line, by a reset or a close, leaves; nobody ever sees its half line (1 pts)", () => {
    const { result } = simulate({ latency: 5 }, function* (net) {
      const { room } = yield* startRoom(net);
      const ann = yield* join(net, "ann");
      const eve = yield* join(net, "eve");
      const fay = yield* join(net, "fay");
      yield* eve.sock.sendall("I was about to say");
      yield* sleep(20);
      eve.sock.abort();
      yield* ann.hears("* eve left (connection lost)");
      yield* fay.sock.sendall("half a sen");
      yield* sleep(20);
      fay.sock.close();
      yield* ann.hears("* fay left (connection closed)");
      yield* ann.say("still here");
      yield* sleep(50);
      return [ann.lines().slice(2), room.nicks()];
    });
    expect(result).toEqual([["* eve joined", "* fay joined", "* eve left (connection lost)", "* fay left (connection closed)"], ["ann"]]);
  });

  it("a line over maxLine is dropped with a notice to its sender, who goes on talking (1 pts)", () => {
    const { result } = simulate({ latency: 5 }, function* (net) {
      yield* startRoom(net, { maxLine: 32 });
      const ann = yield* join(net, "ann");
      const bob = yield* join(net, "bob");
      yield* ann.say("y".repeat(5000));
      yield* ann.say("short");
      yield* bob.hears("<ann> short");
      return [ann.lines().slice(2), bob.lines().slice(2)];
    });
    expect(result).toEqual([["* bob joined", "* that line was longer than 32 bytes; nobody saw it"], ["<ann> short"]]);
  });

  it("partitions: others are not delayed; a short one heals and loses nothing, a long one ends in 'connection lost' (2 pts)", () => {
    const { result } = simulate({ latency: 5, retries: 4 }, function* (net) {
      const { room } = yield* startRoom(net);
      const ann = yield* join(net, "ann");
      const bob = yield* join(net, "bob");
      const pat = yield* join(net, "pat");
      const said = new Map<string, number>();
      function* talk(from: string, count: number, every: number): Green<void> {
        for (let k = 0; k < count; k++) {
          said.set(`<ann> ${from} ${k}`, now());
          yield* ann.say(`${from} ${k}`);
          yield* sleep(every);
        }
      }
      net.partition("pat", "server");
      spawn(function* () {
        yield* sleep(1000);
        net.heal();
      });
      yield* talk("short", 5, 100);
      yield* pat.until(() => pat.lines().filter((l) => l.startsWith("<ann> short")).length === 5, "the messages of the partition", 10_000);
      net.partition("pat", "server"); // this one never heals
      yield* talk("long", 100, 100);
      yield* bob.hears("* pat left (connection lost)");
      const lags = new Set(bob.heard.filter((h) => h.line.startsWith("<")).map((h) => h.at - said.get(h.line)!));
      const patShort = pat.heard.filter((h) => h.line.startsWith("<ann> short"));
      return {
        bobLags: [...lags],
        bobHeard: bob.lines().filter((l) => l.startsWith("<")).length,
        patShort: patShort.map((h) => h.line),
        patLate: patShort[0].at - said.get(patShort[0].line)! > 500,
        members: room.nicks(),
      };
    });
    expect(result).toEqual({
      bobLags: [10],
      bobHeard: 105,
      patShort: [0, 1, 2, 3, 4].map((k) => `<ann> short ${k}`),
      patLate: true,
      members: ["ann", "bob"],
    });
  });

  it("on 127.0.0.1: clients join, talk and quit over Node's real sockets (1 pts)", async () => {
    const result = await real(function* () {
      const l = yield* realNetwork.listen({ host: "127.0.0.1", port: 0 });
      spawn(chatServer, l, {});
      const ann = yield* join(realNetwork, "ann", l.address);
      const bob = yield* join(realNetwork, "bob", l.address);
      yield* ann.hears("* bob joined");
      yield* bob.say("hello over loopback");
      yield* ann.hears("<bob> hello over loopback");
      yield* bob.say("/quit");
      yield* ann.hears("* bob left (quit)");
      yield* bob.until(() => bob.end !== null, "the end of the stream", 2000);
      ann.sock.close();
      l.close();
      return [ann.lines(), bob.lines().slice(-1), bob.end];
    });
    expect(result).toEqual([
      [PROMPT, welcome("ann", ["ann"]), "* bob joined", "<bob> hello over loopback", "* bob left (quit)"],
      ["* bye"],
      "eof",
    ]);
  });

  it("on 127.0.0.1: a client reset in the middle of a line leaves, and its half line is never shown (1 pts)", async () => {
    const result = await real(function* () {
      const l = yield* realNetwork.listen({ host: "127.0.0.1", port: 0 });
      spawn(chatServer, l, {});
      const ann = yield* join(realNetwork, "ann", l.address);
      const eve = yield* join(realNetwork, "eve", l.address);
      yield* eve.sock.sendall("a secret never fin");
      yield* sleep(20);
      eve.sock.abort();
      yield* ann.hears("* eve left (connection lost)");
      ann.sock.close();
      l.close();
      return ann.lines().slice(2);
    });
    expect(result).toEqual(["* eve joined", "* eve left (connection lost)"]);
  });
});
