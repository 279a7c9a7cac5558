// The fast byte path for real sockets: Node's callbacks forward each chunk straight to the peer socket, while the
// connection's green thread waits for the end. Built in chapter 08 as the reference's measured option.
//
// The green pipe (pipe.ts) pays, per chunk, a wake-up of a parked thread, a generator resume and a `recv` off chapter
// 05's queue. Forwarding in the 'data' callback pays none of that: the chunk Node hands us is written on before
// the callback returns. What stays green is everything that is not a byte: the connect and its failover before
// the splice, the wait for its end, the errors, the idle timeout and the teardown, all in the connection's thread.
// Backpressure is the classic pair: pause the reader when write() returns false, resume it on 'drain'.
import { getHub } from "../02-hub/hub";
import { PARK, type Green } from "../02-hub/suspend";
import { ConnectionResetError, fromNodeError } from "../05-green-sockets/errors";
import type { Socket } from "../05-green-sockets/socket";
import { rawSocketOf, type RawSocket } from "./fast-net";
import { greenRelay } from "./pipe";

// #region splice
/**
 * A Relay (pipe.ts) that splices two real sockets from fastNetwork; on any other pair (the simulated network) it
 * falls back to the green pipe. Same contract: returns when both directions ended, throws the first failure.
 */
export function* spliceRelay(client: Socket, server: Socket, up: (n: number) => void, down: (n: number) => void): Green<void> {
  const c = rawSocketOf(client);
  const s = rawSocketOf(server);
  if (c === undefined || s === undefined) return yield* greenRelay(client, server, up, down);
  const hub = getHub();
  const me = hub.current!;
  let ended = 0; // directions that reached their end of stream and forwarded it
  let failure: { error: unknown } | null = null;
  // The callbacks are methods of one object, not `const name = () => …`: the course runs TypeScript through tsx,
  // which gives every arrow stored under a name a `name` property of its own, about 256 bytes of heap each, here
  // per connection. A method needs none.
  const on = {
    ended(): void {
      if (++ended === 2) hub.resume(me);
    },
    error(e: unknown): void {
      failure ??= { error: fromNodeError(e, "splice") };
      hub.resume(me);
    },
    close(): void {
      if (ended < 2) on.error(new ConnectionResetError("the connection closed before its end of stream"));
    },
  };
  const stopUp = forward(c, s, up, on.ended);
  const stopDown = forward(s, c, down, on.ended);
  // Written out, not a loop over [c.raw, s.raw]: a loop's array and iterator would stay in this parked generator.
  c.raw.on("error", on.error).on("close", on.close);
  s.raw.on("error", on.error).on("close", on.close);
  // Reset before the splice began (while the backend was being connected): 'close' will not come again.
  if (c.raw.destroyed || s.raw.destroyed) on.close();
  try {
    while (ended < 2 && failure === null) yield PARK;
  } finally {
    // Killed (idle timeout, shutdown) or done: the green socket takes the sockets back for the teardown.
    stopUp();
    stopDown();
    c.raw.off("error", on.error).off("close", on.close);
    s.raw.off("error", on.error).off("close", on.close);
  }
  if (failure !== null) {
    client.abort();
    server.abort();
    throw (failure as { error: unknown }).error;
  }
}

/**
 * Forwards `from` to `to` in Node's callbacks: its 'data' events, and when `from` reads into the shared buffer, its
 * `onread` chunks. Returns a function that removes the listeners again.
 */
function forward(from: RawSocket, to: RawSocket, count: (n: number) => void, onEnd: () => void): () => void {
  const { raw, reader } = from;
  const out = to.raw;
  // Simplification: a production proxy would avoid the copy through user space (Linux splice(2), as HAProxy does where
  // it can); Node offers neither that nor a shared read buffer on accepted sockets, whose 'data' allocates per read.
  const on = {
    data(chunk: Buffer): void {
      count(chunk.length);
      if (!out.write(chunk)) raw.pause(); // the peer is slow: stop reading, and TCP's window stops the sender
    },
    drain(): void {
      raw.resume();
    },
    end(): void {
      out.end(); // half-close forwarded: FIN after what is buffered
      onEnd();
    },
  };
  // A socket that reads into the shared buffer hands its chunks to the sink instead of 'data': copies already
  // (fast-net.ts), so the write may keep them. Its pause() stops reading at the handle, as for any socket.
  if (reader !== null) reader.sink = on.data;
  // From here on the bytes go from Node's callbacks to the peer: chapter 05's socket stops queueing them for recv.
  const queued = from.handOver();
  raw.on("data", on.data);
  raw.on("end", on.end);
  out.on("drain", on.drain);
  // resume() before the queued chunks are written: it flows on the next tick, after them, and a write below that
  // finds the peer full pauses the socket again, which resume() called afterwards would undo.
  raw.resume();
  // What arrived before the splice and nobody read (a request sent while the backend was being connected) goes first.
  for (const chunk of queued) on.data(chunk);
  // Its end came before the splice (a client that half-closed at once, while the backend was being connected):
  // Node has emitted 'end' already, and only once. Nothing is left to read, so the end is forwarded now.
  if (raw.readableEnded) on.end();
  return () => {
    if (reader !== null) reader.sink = null;
    raw.off("data", on.data);
    raw.off("end", on.end);
    out.off("drain", on.drain);
  };
}
// #endregion
