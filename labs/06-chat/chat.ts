// The chat server: eventlet's chat example, one room, one session thread and one writer thread per client.
// Built in chapter 06 on chapter 05's serve.
//
// It is written against chapter 05's Listener, so the same server runs on Node's loopback (`nc` is a client)
// and on the simulated network, where the tests put dozens of clients, slow and vanishing ones among them.
import type { Green } from "../02-hub/suspend";
import { serve } from "../05-green-sockets/serve";
import type { Listener } from "../05-green-sockets/socket";
import { limits, type ChatOptions } from "./options";
import { Room } from "./room";
import { session } from "./session";

// #region chat-server
/**
 * Runs a chat room on `listener` until the listener is closed. Pass a `room` to look into it from outside
 * (the tests and the demo do); sessions still running when the listener closes go on to their end.
 */
export function* chatServer(listener: Listener, options: ChatOptions = {}, room: Room = new Room()): Green<void> {
  const l = limits(options);
  yield* serve(listener, (sock) => session(room, sock, l), { concurrency: l.maxClients });
}
// #endregion
