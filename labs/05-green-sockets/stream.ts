// What every green socket shares: reading exactly n bytes, or a line, on top of recv. Built in chapter 05.
//
// Both helpers are written once, against `recv` and `unread`, so the real and the simulated socket get
// them for free. recv hands out bytes as the network delivered them — a "hello\nwor" here, a "ld\n" there —
// and a protocol wants messages: these two are the bridge every protocol in the course stands on.
import type { Green } from "../02-hub/suspend";
import { EndOfStreamError } from "./errors";
import type { Address, Socket } from "./socket";

/** What recv returns at the end of the stream. One shared, empty, read-only-by-convention buffer. */
export const EMPTY: Buffer = Buffer.alloc(0);

const NEWLINE = 0x0a;

/**
 * The bytes of `data` as a Buffer: `data` itself when it is one (a recv's chunk, a subarray of one), else a Buffer
 * view of the same memory. Never a copy, so a caller that keeps the result keeps the caller's bytes.
 */
export function asBuffer(data: Uint8Array): Buffer {
  return Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

export abstract class BaseSocket implements Socket {
  timeout: number | null = null;
  abstract readonly local: Address;
  abstract readonly remote: Address;
  abstract readonly bufferedAmount: number;
  abstract recv(n?: number): Green<Buffer>;
  abstract unread(data: Uint8Array): void;
  abstract sendall(data: Uint8Array | string): Green<void>;
  abstract shutdown(): void;
  abstract close(): void;
  abstract abort(): void;

  // #region recv-exactly
  *recvExactly(n: number): Green<Buffer> {
    // TODO(task 3): recvExactly. See README.md.
    throw new Error("not implemented yet — lab 05-green-sockets, task 3: recvExactly");
  }
  // #endregion

  // #region recv-line
  *recvLine(limit = 65536): Green<Buffer> {
    // TODO(task 3): recvLine. See README.md.
    throw new Error("not implemented yet — lab 05-green-sockets, task 3: recvLine");
  }
  // #endregion
}
