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
    // BEGIN SOLUTION 3 recvExactly
    if (n <= 0) return EMPTY;
    let chunk = yield* this.recv(n);
    if (chunk.length === n) return chunk; // the common case: one recv, no copy
    const out = Buffer.allocUnsafe(n);
    let got = 0;
    for (;;) {
      if (chunk.length === 0) {
        throw new EndOfStreamError(`the stream ended after ${got} of ${n} bytes`, out.subarray(0, got));
      }
      chunk.copy(out, got);
      got += chunk.length;
      if (got === n) return out;
      chunk = yield* this.recv(n - got); // never more than we need: the rest stays for the next call
    }
    // END SOLUTION
  }
  // #endregion

  // #region recv-line
  *recvLine(limit = 65536): Green<Buffer> {
    // BEGIN SOLUTION 3 recvLine
    let chunk = yield* this.recv(limit);
    // The common case: the chunk is one whole line (a client that waits for each answer sends no more). It is the
    // line itself: no list of parts, no copy — and nothing extra for the garbage collector per line.
    if (chunk.length > 0 && chunk.indexOf(NEWLINE) === chunk.length - 1) return chunk;
    const parts: Buffer[] = [];
    let length = 0;
    for (;;) {
      if (chunk.length === 0) break; // end of stream: what we have is the last line (maybe empty)
      const nl = chunk.indexOf(NEWLINE);
      if (nl >= 0) {
        // The bytes after the newline belong to the next line: give them back for the next recv.
        if (nl + 1 < chunk.length) this.unread(chunk.subarray(nl + 1));
        parts.push(nl + 1 < chunk.length ? chunk.subarray(0, nl + 1) : chunk);
        length += nl + 1;
        break;
      }
      parts.push(chunk);
      length += chunk.length;
      if (length >= limit) throw new RangeError(`no newline in ${limit} bytes: recvLine's limit protects memory`);
      chunk = yield* this.recv(limit - length);
    }
    return parts.length === 1 ? parts[0] : parts.length === 0 ? EMPTY : Buffer.concat(parts, length);
    // END SOLUTION
  }
  // #endregion
}
