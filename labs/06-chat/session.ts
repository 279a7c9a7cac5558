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
  // TODO(task 5): session. See README.md.
  throw new Error("not implemented yet — lab 06-chat, task 5: session");
}
// #endregion

// #region choose-nick
/** Asks for nicknames until one is valid and free; returns the new member, or null if the stream ended. */
function* chooseNick(room: Room, sock: Socket, outbox: Outbox, maxLine: number): Green<Member | null> {
  // TODO(task 5): chooseNick. See README.md.
  throw new Error("not implemented yet — lab 06-chat, task 5: chooseNick");
}
// #endregion

// #region command
/** Acts on one line from `member`: a command, or a message for the room. Returns "quit" for /quit. */
function command(room: Room, member: Member, outbox: Outbox, text: string): "quit" | undefined {
  // TODO(task 5): command. See README.md.
  throw new Error("not implemented yet — lab 06-chat, task 5: command");
}
// #endregion
