// One client's life in the room, as one green thread: choose a nickname, talk, leave. Built in chapter 06.
//
// This thread only reads. Everything the client is sent goes through its Outbox, whose own writer thread
// waits on the client's socket, so this thread and the room never wait for a slow reader. Whatever ends the
// session — /quit, the end of the stream, a reset, the outbox disconnecting a client that fell behind — the
// `finally` takes the member out of the room once and lets the writer finish, within its linger time.
import type { Green } from "../02-hub/suspend";
import { Timeout, withTimeout } from "../03-cancellation/timeout";
import { isPeerGone, SocketClosedError } from "../05-green-sockets/errors";
import type { Socket } from "../05-green-sockets/socket";
import { readLine } from "./lines";
import type { ChatLimits } from "./options";
import { Outbox } from "./outbox";
import type { Member, Room } from "./room";
import { LEFT, say, validateNick } from "./text";

// Simplification: a production server would also ping idle clients and drop those that never answer. Here a
// client that vanished without a reset (its machine lost power) is found only when the room writes to it and
// TCP gives up retrying, which can take minutes on a real network.
// #region session
/** Serves one client of `room` on `sock` until it leaves. Returns when its last line is sent (or given up). */
export function* session(room: Room, sock: Socket, limits: ChatLimits): Green<void> {
  // BEGIN SOLUTION 5 session
  const outbox = new Outbox(sock, limits);
  let member: Member | null = null;
  let reason: string = LEFT.closed;
  let farewell: string | undefined;
  try {
    member = yield* withTimeout(limits.nickTimeout, () => chooseNick(room, sock, outbox, limits.maxLine));
    if (member === null) return; // gone before choosing
    for (;;) {
      const line = yield* readLine(sock, limits.maxLine);
      if (line.kind === "end") break; // a line cut by the end (line.cut) is dropped: nobody sees half a sentence
      if (line.kind === "too-long") outbox.send(say.tooLong(limits.maxLine));
      else if (command(room, member, outbox, line.text) === "quit") {
        reason = LEFT.quit;
        farewell = say.bye();
        break;
      }
    }
  } catch (e) {
    if (e instanceof Timeout) farewell = say.nickTimeout();
    else if (isPeerGone(e) || e instanceof SocketClosedError) reason = LEFT.lost; // reset, or closed by the outbox
    else throw e;
  } finally {
    if (member !== null) room.leave(member, reason); // false, harmlessly, when the room evicted it already
    outbox.close(farewell);
    yield* outbox.writer.wait(); // bounded: close() resets the socket after `linger`
  }
  // END SOLUTION
}
// #endregion

// #region choose-nick
/** Asks for nicknames until one is valid and free; returns the new member, or null if the stream ended. */
function* chooseNick(room: Room, sock: Socket, outbox: Outbox, maxLine: number): Green<Member | null> {
  // BEGIN SOLUTION 5 chooseNick
  outbox.send(say.prompt());
  for (;;) {
    const line = yield* readLine(sock, maxLine);
    if (line.kind === "end") return null;
    const nick = line.kind === "line" ? line.text.trim() : "";
    const problem = line.kind === "too-long" ? "that is far too long" : validateNick(nick);
    if (problem !== null) {
      outbox.send(say.badNick(problem));
      continue;
    }
    const member = room.join(nick, outbox);
    if (member !== null) return member;
    outbox.send(say.taken(nick));
  }
  // END SOLUTION
}
// #endregion

// #region command
/** Acts on one line from `member`: a command, or a message for the room. Returns "quit" for /quit. */
function command(room: Room, member: Member, outbox: Outbox, text: string): "quit" | undefined {
  // BEGIN SOLUTION 5 command
  if (!text.startsWith("/")) {
    if (text.trim().length > 0) room.message(member, text); // blank lines are not messages
    return undefined;
  }
  const [name, ...args] = text.trim().split(/\s+/);
  switch (name) {
    case "/quit":
      return "quit";
    case "/who":
      outbox.send(say.who(room.nicks()));
      return undefined;
    case "/nick": {
      const nick = args.join(" ");
      const problem = validateNick(nick);
      if (problem !== null) outbox.send(say.badNick(problem));
      else if (!room.rename(member, nick)) outbox.send(say.taken(nick));
      return undefined;
    }
    default:
      outbox.send(say.unknown(name));
      return undefined;
  }
  // END SOLUTION
}
// #endregion
