// Instructor-only tests for lab 06-chat: edge cases the public tests leave out. Graded by the instructor's grader
// and the Gradescope autograder; never handed out with the student edition. Everything runs on the virtual clock
// and the simulated network.
import { describe, expect, it } from "vitest";
import { sleep } from "@target/02-hub/green";
import { getHub } from "@target/02-hub/hub";
import type { Green } from "@target/02-hub/suspend";
import { spawn } from "@target/03-cancellation/greenthread";
import { SimNetwork, type SimOptions } from "@target/05-green-sockets/sim-network";
import type { Address, Socket } from "@target/05-green-sockets/socket";
import { chatServer } from "@target/06-chat/chat";
import { readLine, type Line } from "@target/06-chat/lines";
import type { ChatOptions } from "@target/06-chat/options";
import { Outbox } from "@target/06-chat/outbox";
import { Room } from "@target/06-chat/room";
import { Box } from "../support/chat";
import { simulate as simulateNet } from "../support/net";
import { cleanLine, validateNick } from "@target/06-chat/text";

const now = (): number => getHub().now();

/** Runs `main` on the virtual clock with a fresh simulated network; an error the hub reports fails the test. */
const simulate = <T>(options: SimOptions, main: (net: SimNetwork) => Green<T>): T => simulateNet(options, main).result;

/** A test client: its socket, and every line it heard (read by a thread of its own). */
class Client {
  readonly heard: string[] = [];
  end: string | null = null;
  constructor(readonly sock: Socket) {}
  *say(text: string): Green<void> {
    yield* this.sock.sendall(`${text}\n`);
  }
  *until(done: () => boolean, what: string, ms = 20_000): Green<void> {
    const deadline = now() + ms;
    while (!done()) {
      if (now() >= deadline) throw new Error(`waited ${ms} ms for ${what}; heard: ${JSON.stringify(this.heard)}`);
      yield* sleep(5);
    }
  }
}

function* reader(c: Client): Green<void> {
  try {
    for (let raw = yield* c.sock.recvLine(); raw.length > 0; raw = yield* c.sock.recvLine()) c.heard.push(raw.toString().replace(/\n$/, ""));
    c.end = "eof";
  } catch (e) {
    c.end = (e as Error).name;
  }
}

const SERVER: Address = { host: "server", port: 6667 };

function* connect(net: SimNetwork, name: string): Green<Client> {
  const c = new Client(yield* net.host(name).connect(SERVER, { timeout: 5000 }));
  spawn(reader, c);
  return c;
}

function* join(net: SimNetwork, name: string): Green<Client> {
  const c = yield* connect(net, name);
  yield* c.say(name);
  yield* c.until(() => c.heard.some((l) => l.startsWith(`* hello ${name}:`)), "its welcome");
  return c;
}

function* startRoom(net: SimNetwork, options: ChatOptions = {}): Green<Room> {
  const listener = yield* net.host("server").listen(SERVER);
  const room = new Room();
  spawn(chatServer, listener, options, room);
  return room;
}

describe("task 1: nicknames and clean text", () => {
  it("the length is checked before the characters, and 16 is the most (1 pts)", () => {
    expect(validateNick("1234567890123456789"), "19 characters, a digit first").toBe("a nickname has at most 16 characters");
    expect(validateNick("a234567890123456"), "16 characters").toBeNull();
    expect(validateNick("é"), "a letter, but not ASCII").toBe("a nickname is a letter, then letters, digits, - or _");
  });

  it("cleanLine decodes exactly the bytes of its view, not the whole buffer behind it (1 pts)", () => {
    const whole = Buffer.from("xxhello wörld\nyy");
    const view = new Uint8Array(whole.buffer, whole.byteOffset + 2, Buffer.byteLength("hello wörld\n"));
    expect(cleanLine(view)).toBe("hello wörld");
  });

  it("cleanLine removes exactly the two control ranges: their edges go, their neighbours stay (1 pts)", () => {
    const kept = " ~\u00a0é";
    const removed = "\u0000\u001f\u007f\u0080\u0085\u009f";
    expect(cleanLine(Buffer.from(`[${removed}${kept}]\n`))).toBe(`[${kept}]`);
  });
});

describe("task 2: Room", () => {
  it("a member who left can neither talk nor rename, and keeps no nickname (1 pts)", () => {
    const room = new Room();
    const [a, b] = [new Box(), new Box()];
    const ann = room.join("ann", a)!;
    room.join("bob", b);
    room.leave(ann, "quit");
    room.message(ann, "from beyond");
    expect(room.rename(ann, "ghost"), "rename of a member who left").toBe(false);
    expect(room.find("ghost"), "the nickname a departed member asked for").toBeUndefined();
    expect(room.join("ghost", new Box())?.nick).toBe("ghost");
    expect(b.lines.slice(1)).toEqual(["* ann left (quit)", "* ghost joined"]);
  });

  it("a newcomer whose mailbox refuses even its welcome leaves at once, 'too slow' (1 pts)", () => {
    const room = new Room();
    const a = new Box();
    room.join("ann", a);
    const full = new Box(0);
    room.join("zed", full);
    expect(room.nicks()).toEqual(["ann"]);
    expect(a.lines.slice(1)).toEqual(["* zed joined", "* zed left (too slow)"]);
  });
});

describe("task 3: Outbox", () => {
  it("the writer ends quietly when its socket was closed under it, and lines after are dropped (1 pts)", () => {
    const result = simulate({ latency: 5 }, function* (net) {
      const l = yield* net.host("server").listen({ host: "server", port: 7 });
      const connecting = spawn(function* () {
        return yield* net.host("client").connect({ host: "server", port: 7 });
      });
      const s = yield* l.accept();
      yield* connecting.wait();
      const outbox = new Outbox(s, { queueSize: 5, linger: 1000 });
      yield* sleep(10); // the writer waits for a line
      s.close();
      const first = outbox.send("after the close");
      yield* sleep(10);
      const later = outbox.send("and another");
      return { first, later, dead: outbox.writer.dead, failed: outbox.writer.failed, evicted: outbox.evicted };
    });
    expect(result).toEqual({ first: true, later: true, dead: true, failed: false, evicted: false });
  });
});

describe("task 4: readLine", () => {
  it("a line just past max + 2 bytes is too long even when its newline comes in the next call; a lone CRLF is an empty line (1 pts)", () => {
    const lines = simulate({ latency: 5 }, function* (net) {
      const l = yield* net.host("server").listen({ host: "server", port: 7 });
      spawn(function* () {
        const s = yield* net.host("client").connect({ host: "server", port: 7 });
        yield* s.sendall("0123456789AB\n\r\nok\n");
        s.close();
      });
      const s = yield* l.accept();
      const out: Line[] = [];
      for (let line = yield* readLine(s, 10); ; line = yield* readLine(s, 10)) {
        out.push(line);
        if (line.kind === "end") return out;
      }
    });
    expect(lines).toEqual([{ kind: "too-long" }, { kind: "line", text: "" }, { kind: "line", text: "ok" }, { kind: "end", cut: false }]);
  });
});

describe("task 5: the chat server", () => {
  it("/nick takes the words after it, however they are spaced; a blank line says nothing (1 pts)", () => {
    const result = simulate({ latency: 5 }, function* (net) {
      yield* startRoom(net);
      const ann = yield* join(net, "ann");
      const bob = yield* join(net, "bob");
      yield* bob.say("/nick    robert   ");
      yield* ann.until(() => ann.heard.includes("* bob is now robert"), "the rename");
      yield* bob.say("   ");
      yield* bob.say("");
      yield* bob.say("done");
      yield* ann.until(() => ann.heard.includes("<robert> done"), "the message");
      return ann.heard.slice(2);
    });
    expect(result).toEqual(["* bob joined", "* bob is now robert", "<robert> done"]);
  });

  it("nickTimeout bounds only the choice of a nickname: a member who chose in time may stay silent longer (1 pts)", () => {
    const result = simulate({ latency: 5 }, function* (net) {
      const room = yield* startRoom(net, { nickTimeout: 1000 });
      const ann = yield* join(net, "ann");
      yield* sleep(5000);
      yield* ann.say("still here");
      const bob = yield* join(net, "bob");
      yield* ann.say("hello bob");
      yield* bob.until(() => bob.heard.includes("<ann> hello bob"), "ann's message");
      return { annEnd: ann.end, members: room.nicks() };
    });
    expect(result).toEqual({ annEnd: null, members: ["ann", "bob"] });
  });

  it("a client that leaves before choosing a nickname was never in the room: nobody hears of it (1 pts)", () => {
    const result = simulate({ latency: 5 }, function* (net) {
      const room = yield* startRoom(net);
      const ann = yield* join(net, "ann");
      const shy = yield* connect(net, "shy");
      yield* shy.until(() => shy.heard.length > 0, "the prompt");
      yield* shy.sock.sendall("sh");
      shy.sock.close();
      const rude = yield* connect(net, "rude");
      yield* rude.until(() => rude.heard.length > 0, "the prompt");
      rude.sock.abort();
      yield* sleep(200);
      return { heard: ann.heard.slice(2), members: room.nicks() };
    });
    expect(result).toEqual({ heard: [], members: ["ann"] });
  });
});
