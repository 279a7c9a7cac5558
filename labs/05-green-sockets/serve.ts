// serve: accept connections and run a handler for each in its own green thread, at most N at once.
// Built in chapter 05 (eventlet's `eventlet.serve`) on chapter 04's GreenPool.
//
// One thread per connection is the whole point of green threads: the handler reads like a program for
// one client, and a thousand of them cost a thousand small generators. The limit is what keeps "a
// thousand" from becoming "as many as attackers like": past it, serve stops accepting (a GreenPool's
// spawn waits for a free slot) and new clients wait in the listener's queue, never reset, until a slot frees.
import { getHub } from "../02-hub/hub";
import type { Green } from "../02-hub/suspend";
import type { GreenThread } from "../03-cancellation/greenthread";
import { GreenPool } from "../04-primitives/greenpool";
import { isPeerGone, SocketClosedError } from "./errors";
import type { Listener, Socket } from "./socket";

// #region serve
/** Thrown by a handler to stop the server: serve closes the listener and returns. */
export class StopServe extends Error {
  override name = "StopServe";
}

export interface ServeOptions {
  /** Most connections handled at once; one more is accepted and waits for a slot, the rest wait in the backlog. @default 1000 */
  readonly concurrency?: number;
}

/**
 * Accepts connections on `listener` and runs `handler(sock)` for each in a new green thread, closing the
 * socket when the handler ends. Returns once the listener is closed (by anyone, or by a handler throwing
 * StopServe); handlers still running go on to their end. A handler's error is reported to the hub unless
 * it only says the client went away.
 */
export function* serve(listener: Listener, handler: (sock: Socket) => Green<unknown>, options: ServeOptions = {}): Green<void> {
  // TODO(task 6): serve. See README.md.
  throw new Error("not implemented yet — lab 05-green-sockets, task 6: serve");
}

/** One connection's thread: the handler, then the socket closed whatever happened. */
function* handle(sock: Socket, handler: (sock: Socket) => Green<unknown>): Green<void> {
  try {
    yield* handler(sock);
  } finally {
    sock.close();
  }
}
// #endregion
