// serve: accept connections and run a handler for each in its own green thread, at most N at once.
// Built in chapter 05 (eventlet's `eventlet.serve`).
//
// One thread per connection is the whole point of green threads: the handler reads like a program for
// one client, and a thousand of them cost a thousand small generators. The limit is what keeps "a
// thousand" from becoming "as many as attackers like": past it, serve stops accepting, new clients wait
// in the listener's backlog, and past the backlog they are refused.
import { spawn } from "../02-hub/green";
import type { Greenlet } from "../02-hub/greenlet";
import { getHub } from "../02-hub/hub";
import { PARK, type Green } from "../02-hub/suspend";
import { isPeerGone, SocketClosedError } from "./errors";
import type { Listener, Socket } from "./socket";

// #region serve
/** Thrown by a handler to stop the server: serve closes the listener and returns. */
export class StopServe extends Error {
  override name = "StopServe";
}

export interface ServeOptions {
  /** Most connections handled at once; the next one waits to be accepted. @default 1000 */
  readonly concurrency?: number;
}

/**
 * Accepts connections on `listener` and runs `handler(sock)` for each in a new green thread, closing the
 * socket when the handler ends. Returns once the listener is closed (by anyone, or by a handler throwing
 * StopServe); handlers still running go on to their end. A handler's error is reported to the hub unless
 * it only says the client went away.
 */
export function* serve(listener: Listener, handler: (sock: Socket) => Green<unknown>, options: ServeOptions = {}): Green<void> {
  // BEGIN SOLUTION 6 serve
  const limit = options.concurrency ?? 1000;
  const hub = getHub();
  const me = hub.current!;
  let active = 0;
  let full = false; // true while this thread is parked because `limit` handlers run
  const onExit = (g: Greenlet): void => {
    active--;
    if (g.failed) {
      if (g.error instanceof StopServe) listener.close();
      else if (!isPeerGone(g.error) && !(g.error instanceof SocketClosedError)) hub.report(g, g.error);
    }
    if (full) hub.resume(me);
  };
  for (;;) {
    while (active >= limit && !listener.closed) {
      full = true;
      try {
        yield PARK; // a handler ending wakes us
      } finally {
        full = false;
      }
    }
    let sock: Socket;
    try {
      sock = yield* listener.accept();
    } catch (e) {
      if (e instanceof SocketClosedError) return; // stopped
      throw e;
    }
    active++;
    spawn(handle, sock, handler).onExit(onExit);
  }
  // END SOLUTION
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
