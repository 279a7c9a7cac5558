// Chapter 06 demo: `npm run lab 06`. One step per task, in task order, each printing its options: the room with
// arrays for mailboxes, a reader that stalls, a line too long and a client that vanishes mid-line, then a
// scripted conversation of a few clients on the simulated network. Everything printed is the same on
// every run: the times are virtual and the network is seeded. With --serve [port] it runs the room for real
// on 127.0.0.1 instead, for `nc` to connect to.
import { relative } from "node:path";
import { fileURLToPath } from "node:url";
import { done, isNotImplemented, step } from "../00-common/demo";
import { runReal, runVirtual, sleep } from "../02-hub/green";
import { getHub } from "../02-hub/hub";
import type { Green } from "../02-hub/suspend";
import { spawn } from "../03-cancellation/greenthread";
import { realNetwork } from "../05-green-sockets/node-network";
import { SimNetwork, type SimOptions } from "../05-green-sockets/sim-network";
import type { Socket } from "../05-green-sockets/socket";
import { chatServer } from "./chat";
import type { ChatOptions } from "./options";
import { Room, type Mailbox } from "./room";
import { cleanLine, validateNick } from "./text";

const log = (line: string): void => console.log(`   ${line}`);
const at = (): string => `${String(getHub().now()).padStart(4)} ms`;
const SERVER = { host: "server", port: 6667 };

/** A client of the demo: what it heard, and when. Its reader thread prints what it hears if `loud`. */
class Client {
  readonly heard: { at: number; line: string }[] = [];
  constructor(
    readonly name: string,
    readonly sock: Socket,
    readonly loud: boolean,
  ) {}
  *say(text: string): Green<void> {
    if (this.loud) log(`${at()}  ${this.name.padEnd(4)} → ${text}`);
    yield* this.sock.sendall(`${text}\n`);
  }
  *waitFor(pred: (line: string) => boolean): Green<void> {
    for (let waited = 0; !this.heard.some((h) => pred(h.line)); waited += 5) {
      if (waited > 60_000) throw new Error(`${this.name} waited a minute in vain`);
      yield* sleep(5);
    }
  }
}

function* reader(c: Client): Green<void> {
  try {
    for (let raw = yield* c.sock.recvLine(); raw.length > 0; raw = yield* c.sock.recvLine()) {
      const line = raw.toString().trimEnd();
      c.heard.push({ at: getHub().now(), line });
      if (c.loud) log(`${at()}  ${c.name.padEnd(4)} ← ${line}`);
    }
  } catch {
    // reset: the demo says so where it matters
  }
}

function* connect(net: SimNetwork, name: string, loud = true, read = true): Green<Client> {
  const c = new Client(name, yield* net.host(name).connect(SERVER, { timeout: 5000 }), loud);
  if (read) spawn(reader, c);
  return c;
}

function* join(net: SimNetwork, name: string, loud = true): Green<Client> {
  const c = yield* connect(net, name, loud);
  yield* c.waitFor((l) => l.endsWith("nickname?"));
  yield* c.say(name);
  yield* c.waitFor((l) => l.startsWith(`* hello ${name}`));
  return c;
}

/**
 * Runs one scene on a fresh simulated network with a chat server on it. A task not done yet stops the scene
 * with the lowest such task, which the step then names.
 */
function scene(sim: SimOptions, chat: ChatOptions, body: (net: SimNetwork, room: Room) => Green<void>): void {
  const todo: Error[] = [];
  const report = (g: { name: string } | null, e: unknown): void => {
    if (isNotImplemented(e)) todo.push(e);
    else console.error(`   ${g?.name ?? "a timer"} failed: ${String(e)}`);
  };
  const taskOf = (e: Error): number => Number(/task (\d+)/.exec(e.message)?.[1] ?? 0);
  try {
    runVirtual(
      function* () {
        const net = new SimNetwork(sim);
        const room = new Room();
        spawn(chatServer, yield* net.host("server").listen(SERVER), chat, room);
        yield* body(net, room);
      },
      { report },
    );
  } catch (e) {
    if (todo.length === 0) throw e;
  }
  if (todo.length > 0) throw todo.sort((a, b) => taskOf(a) - taskOf(b))[0];
}

async function serveForReal(port: number): Promise<void> {
  await runReal(function* () {
    const l = yield* realNetwork.listen({ host: "127.0.0.1", port });
    console.log(`A chat room on 127.0.0.1:${l.address.port}. In other terminals: nc 127.0.0.1 ${l.address.port}   (Ctrl-C stops it)`);
    yield* chatServer(l);
  });
}

const serveAt = process.argv.indexOf("--serve");
if (serveAt >= 0) {
  await serveForReal(Number(process.argv[serveAt + 1] ?? 6667) || 6667);
} else {
  await step("Tasks 1 and 2: nicknames, clean text, and a room whose mailboxes are arrays (options: slo's mailbox takes 1 line)", () => {
    log("validateNick:");
    for (const nick of ["ann", "9lives", "\u0430nn", "a-very-long-nickname"]) {
      log(`  ${JSON.stringify(nick)}${nick.startsWith("\u0430") ? " (Cyrillic а)" : ""} → ${validateNick(nick) ?? "ok"}`);
    }
    log(`cleanLine("\\x1b[2Jhi\\r\\n") → ${JSON.stringify(cleanLine(Buffer.from("\x1b[2Jhi\r\n")))}: no escape reaches a terminal`);
    const boxes = new Map<string, string[]>();
    const mailbox = (nick: string, limit: number): Mailbox => {
      const lines: string[] = [];
      boxes.set(nick, lines);
      return { send: (line) => lines.length < limit && lines.push(line) > 0 };
    };
    const room = new Room();
    const ann = room.join("ann", mailbox("ann", Infinity))!;
    room.join("bob", mailbox("bob", Infinity));
    room.join("slo", mailbox("slo", 1)); // takes its welcome, then refuses: it "falls behind"
    room.message(ann, "hi");
    for (const [nick, lines] of boxes) {
      log(`${nick}'s mailbox:`);
      for (const line of lines) log(`  ${line}`);
    }
  });

  await step("Task 3: a stalled reader does not slow the room (options: latency 10 ms, window 2048 B, sendBuffer 512 B, queueSize 20)", () =>
    scene({ latency: 10, window: 2048, sendBuffer: 512 }, { queueSize: 20 }, function* (net, room) {
      const ann = yield* join(net, "ann", false);
      const bob = yield* join(net, "bob", false);
      const dan = yield* connect(net, "dan", false, false); // gives a nickname, then never reads again
      yield* dan.say("dan");
      yield* bob.waitFor((l) => l === "* dan joined");
      const said = new Map<string, number>();
      for (let k = 0; k < 200; k++) {
        said.set(`<ann> message ${k}`, getHub().now());
        yield* ann.say(`message ${k}`);
        yield* sleep(10);
      }
      yield* bob.waitFor((l) => l === "<ann> message 199");
      const lags = new Set(bob.heard.filter((h) => said.has(h.line)).map((h) => h.at - said.get(h.line)!));
      const heard = bob.heard.filter((h) => said.has(h.line)).length;
      log(`bob heard ${heard} of ann's 200 messages, each ${[...lags].join(" or ")} ms after she said it`);
      const left = bob.heard.find((h) => h.line.startsWith("* dan left"));
      log(`dan stopped reading; at t=${left?.at} ms everyone heard "${left?.line}"`);
      log(`still in the room: ${room.nicks().join(", ")}`);
    }),
  );

  await step("Task 4: a line too long, and a client that vanishes mid-line (options: latency 10 ms, maxLine 64)", () =>
    scene({ latency: 10 }, { maxLine: 64 }, function* (net) {
      const ann = yield* join(net, "ann", false);
      const eve = yield* join(net, "eve", false);
      const fay = yield* join(net, "fay", false);
      yield* eve.say("x".repeat(2000));
      yield* eve.waitFor((l) => l.includes("longer than"));
      log("eve sent a line of 2000 bytes; she heard:");
      log(`  ${eve.heard[eve.heard.length - 1].line}`);
      yield* fay.sock.sendall("I was just about to s");
      yield* sleep(30);
      fay.sock.abort(); // a reset: fay's machine crashed
      yield* ann.waitFor((l) => l.startsWith("* fay left"));
      yield* sleep(50);
      log("fay was cut off mid-line; ann heard:");
      for (const h of ann.heard.slice(2)) log(`  ${h.line}`);
    }),
  );

  await step("Task 5: three clients talk — nicknames, /nick, /who, /quit, a hang-up (options: latency 10 ms, the default limits)", () =>
    scene({ latency: 10 }, {}, function* (net) {
      const ann = yield* join(net, "ann");
      const bob = yield* join(net, "bob");
      const cyd = yield* connect(net, "cyd");
      yield* cyd.waitFor((l) => l.endsWith("nickname?"));
      yield* cyd.say("Bob");
      yield* cyd.waitFor((l) => l.includes("taken"));
      yield* cyd.say("cyd");
      yield* bob.waitFor((l) => l === "* cyd joined");
      yield* ann.say("hi everyone");
      yield* bob.waitFor((l) => l === "<ann> hi everyone");
      yield* bob.say("/nick robert");
      yield* cyd.waitFor((l) => l.endsWith("is now robert"));
      yield* cyd.say("/who");
      yield* cyd.say("/quit");
      yield* ann.waitFor((l) => l.startsWith("* cyd left"));
      yield* bob.sock.sendall("see y"); // robert's connection dies in the middle of a line
      log(`${at()}  bob  → see y   (and no newline: the connection closes mid-line)`);
      bob.sock.close();
      yield* ann.waitFor((l) => l.startsWith("* robert left"));
      yield* sleep(50);
    }),
  );

  const me = relative(process.cwd(), fileURLToPath(import.meta.url));
  console.log(`\nTo chat for real, run the room on 127.0.0.1:\n   npx tsx ${me} --serve 6667\nthen, in other terminals: nc 127.0.0.1 6667`);
  done();
}
