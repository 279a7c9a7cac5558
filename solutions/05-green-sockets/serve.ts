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
  // BEGIN SOLUTION 6 serve
  const hub = getHub();
  const pool = new GreenPool(options.concurrency ?? 1000);
  // Linked to every handler: a link observes the thread's end, so its failure is ours to report.
  const checker = (t: GreenThread<unknown>): void => {
    if (!t.failed) return;
    if (t.error instanceof StopServe) listener.close();
    else if (!isPeerGone(t.error) && !(t.error instanceof SocketClosedError)) hub.report(t, t.error);
  };
  for (;;) {
    let sock: Socket;
    try {
      sock = yield* listener.accept();
    } catch (e) {
      if (e instanceof SocketClosedError) return; // stopped
      throw e;
    }
    // With `concurrency` handlers running, this waits for one to end: the next clients wait in the backlog.
    const t = yield* pool.spawn(handle, sock, handler);
    t.link(checker);
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
