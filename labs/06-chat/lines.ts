// Reading one client's lines with a length limit, and telling a finished line from a cut one. Chapter 06.
//
// Chapter 05's recvLine gives up with a RangeError past its limit, which protects memory but leaves the rest
// of the long line in the stream: read on, and its tail would look like a new message. And at the end of the
// stream it returns the last bytes without a newline — from a client that vanished mid-sentence. A chat room
// wants neither: a line too long is dropped whole (and the connection kept), and a line cut off by the end of
// the stream is never shown to anyone.
import type { Green } from "../02-hub/suspend";
import type { Socket } from "../05-green-sockets/socket";
import { cleanLine } from "./text";

// #region line
/** What readLine found: a whole line, a line over the limit (dropped), or the end of the stream. */
export type Line =
  | { readonly kind: "line"; readonly text: string }
  | { readonly kind: "too-long" }
  /** `cut`: the stream ended in the middle of a line, whose bytes were dropped. */
  | { readonly kind: "end"; readonly cut: boolean };
// #endregion

const NEWLINE = 0x0a;

// #region read-line
/**
 * The next line from `sock`, cleaned (cleanLine), when it has at most `max` bytes before its line end.
 * A longer line is read to its end and dropped ("too-long"), so the next call starts at the next line.
 */
export function* readLine(sock: Socket, max: number): Green<Line> {
  // TODO(task 4): readLine. See README.md.
  throw new Error("not implemented yet — lab 06-chat, task 4: readLine");
}
// #endregion
