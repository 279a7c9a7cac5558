// The green pipe: two green threads copy bytes, one each way, with backpressure and half-close. Chapter 08.
//
// This is the byte path the way the hub wants it written: recv, sendall, repeat. Backpressure needs no code at
// all: while sendall waits for a slow reader, this thread does not recv, the socket it reads from stops reading,
// and TCP's window stops the sender. The end of one direction is forwarded as a half-close (shutdown), and the
// other direction goes on. chapter 08's splice.ts is the measured fast path for real sockets.
import { spawn } from "../03-cancellation/greenthread";
import type { Green } from "../02-hub/suspend";
import type { Socket } from "../05-green-sockets/socket";

// #region relay-types
/**
 * The byte path of one proxied connection: forwards both ways until both directions have ended, counting
 * payload bytes with `up` (client → server) and `down` (server → client). Throws the first error either direction
 * met (a reset, a kill from outside), after aborting both sockets.
 */
export type Relay = (client: Socket, server: Socket, up: (n: number) => void, down: (n: number) => void) => Green<void>;

/** Where a pump reports the first failure of either direction. */
export type OnFailure = (error: unknown) => void;
// #endregion

// #region pump
/**
 * Copies `from` to `to` until `from` ends, then half-closes `to`: the peer sees the end of the stream and may
 * still answer. Counts each chunk with `count`. On any error (its own, or a kill) it calls `fail` and returns.
 */
export function* pump(from: Socket, to: Socket, count: (n: number) => void, fail: OnFailure): Green<void> {
  // TODO(task 2): pump. See README.md.
  throw new Error("not implemented yet — lab 08-tcp-proxy, task 2: pump");
}
// #endregion

// #region relay
/** The green pipe: one pump per direction, the first failure of either one tears both down. */
export function* greenRelay(client: Socket, server: Socket, up: (n: number) => void, down: (n: number) => void): Green<void> {
  // TODO(task 2): greenRelay. See README.md.
  throw new Error("not implemented yet — lab 08-tcp-proxy, task 2: greenRelay");
}
// #endregion
