// The fast byte path for real sockets: Node's callbacks forward each chunk straight to the peer socket, while the
// connection's green thread waits for the end. Built in chapter 08 as the reference's measured option.
//
// The green pipe (pipe.ts) pays, per chunk, a wake-up of a parked thread, a generator resume and a `read()` out of
// Node's buffer. Forwarding in the 'data' callback pays none of that: the chunk Node hands us is written on before
// the callback returns. What stays green is everything that is not a byte: the connect and its failover before
// the splice, the wait for its end, the errors, the idle timeout and the teardown, all in the connection's thread.
// Backpressure is the classic pair: pause the reader when write() returns false, resume it on 'drain'.
import type { Socket as NetSocket } from "node:net";
import { getHub } from "../02-hub/hub";
import { PARK, type Green } from "../02-hub/suspend";
import { ConnectionResetError, fromNodeError } from "../05-green-sockets/errors";
import type { Socket } from "../05-green-sockets/socket";
import { rawOf, rawSocketOf, type SharedReader } from "./fast-net";
import { greenRelay } from "./pipe";

// #region splice
/**
 * A Relay (pipe.ts) that splices two real sockets from fastNetwork; on any other pair (the simulated network) it
 * falls back to the green pipe. Same contract: returns when both directions ended, throws the first failure.
 */
export function* spliceRelay(client: Socket, server: Socket, up: (n: number) => void, down: (n: number) => void): Green<void> {
  const c = rawOf(client);
  const s = rawOf(server);
  if (c === undefined || s === undefined) return yield* greenRelay(client, server, up, down);
  const hub = getHub();
  const me = hub.current!;
  let ended = 0; // directions that reached their end of stream and forwarded it
  let failure: { error: unknown } | null = null;
  const wake = (): void => {
    hub.resume(me);
  };
  const fail = (e: unknown): void => {
    failure ??= { error: fromNodeError(e, "splice") };
    wake();
  };
  const closed = (): void => {
    if (ended < 2) fail(new ConnectionResetError("the connection closed before its end of stream"));
  };
  const readerOf = (x: Socket): SharedReader | null => rawSocketOf(x)?.reader ?? null;
  const halves = [
    forward(c, s, readerOf(client), up, () => ++ended === 2 && wake()),
    forward(s, c, readerOf(server), down, () => ++ended === 2 && wake()),
  ];
  for (const sock of [c, s]) {
    sock.on("error", fail);
    sock.on("close", closed);
  }
  // Reset before the splice began (while the backend was being connected): 'close' will not come again.
  if (c.destroyed || s.destroyed) closed();
  try {
    while (ended < 2 && failure === null) yield PARK;
  } finally {
    // Killed (idle timeout, shutdown) or done: the green socket takes the sockets back for the teardown.
    for (const h of halves) h();
    for (const sock of [c, s]) {
      sock.off("error", fail);
      sock.off("close", closed);
    }
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
function forward(from: NetSocket, to: NetSocket, reader: SharedReader | null, count: (n: number) => void, onEnd: () => void): () => void {
  // Simplification: a production proxy would avoid the copy through user space (Linux splice(2), as HAProxy does where
  // it can); Node offers neither that nor a shared read buffer on accepted sockets, whose 'data' allocates per read.
  const onData = (chunk: Buffer): void => {
    count(chunk.length);
    if (!to.write(chunk)) from.pause(); // the peer is slow: stop reading, and TCP's window stops the sender
  };
  const onDrain = (): void => {
    from.resume();
  };
  const onEndOfStream = (): void => {
    to.end(); // half-close forwarded: FIN after what is buffered
    onEnd();
  };
  // A socket that reads into the shared buffer hands its chunks to the sink instead of 'data': copies already
  // (fast-net.ts), so the write may keep them. Its pause() stops reading at the handle, as for any socket.
  if (reader !== null) reader.sink = onData;
  // chapter 05's socket reads in paused mode (a 'readable' listener); 'data' needs flowing mode, and bytes that
  // arrived before the splice are still in the stream's buffer: resume() emits them first.
  from.removeAllListeners("readable");
  from.on("data", onData);
  from.on("end", onEndOfStream);
  to.on("drain", onDrain);
  from.resume();
  // Its end came before the splice (a client that half-closed at once, while the backend was being connected):
  // Node has emitted 'end' already, and only once. Nothing is left to read, so the end is forwarded now.
  if (from.readableEnded) onEndOfStream();
  return () => {
    if (reader !== null) reader.sink = null;
    from.off("data", onData);
    from.off("end", onEndOfStream);
    to.off("drain", onDrain);
  };
}
// #endregion
