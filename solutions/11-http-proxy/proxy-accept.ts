// Reading a PROXY protocol header off a green socket as a connection is accepted, and the client it names. Chapter 11.
//
// HAProxy's `accept-proxy` and Envoy's proxy_protocol listener filter: the first bytes of the connection must be a
// header (v1 or v2), or the connection is dropped. The header arrives in however many pieces the network cut it into,
// and the bytes after it (the client's request) may arrive in the same piece: those are put back with chapter 05's
// `unread`, so the socket's next recv returns them first, and on a real socket chapter 08's splice sees them too (they
// wait in the net.Socket's buffer). No wrapper: the caller keeps the very socket it accepted.
import type { Green } from "../02-hub/suspend";
import { Timeout } from "../03-cancellation/timeout";
import { TimedOutError } from "../05-green-sockets/errors";
import type { Address, Socket } from "../05-green-sockets/socket";
import { parseProxyHeader, ProxyProtocolError, type ProxyHeader } from "./proxy-protocol";

// #region read-proxy-header
export interface ReadProxyHeaderOptions {
  /**
   * Milliseconds to wait for the whole header before throwing TimedOutError; null waits forever. The default is
   * Envoy's listener_filters_timeout. @default 15000
   */
  readonly timeout?: number | null;
}

/**
 * Reads the PROXY header at the start of `socket`'s stream and returns it; the bytes after it stay in the socket.
 * Throws ProxyProtocolError when the bytes are not a header (at the first byte that shows it) or the stream ends
 * first, TimedOutError past `timeout`. It never holds more than the spec's limits plus one recv: the parser refuses
 * a v1 line without CRLF in 107 bytes, and a v2 header announces its length (at most 16 + 65535) in its 16th byte.
 */
export function* readProxyHeader(socket: Socket, options: ReadProxyHeaderOptions = {}): Green<ProxyHeader> {
  const ms = options.timeout === undefined ? 15000 : options.timeout;
  const timeout = new Timeout(ms, new TimedOutError(`no complete PROXY protocol header within ${ms} ms`));
  try {
    let received: Buffer = Buffer.alloc(0);
    for (;;) {
      const chunk = yield* socket.recv();
      if (chunk.length === 0) {
        throw new ProxyProtocolError(`the stream ended after ${received.length} bytes, before the PROXY protocol header was complete`);
      }
      received = received.length === 0 ? chunk : Buffer.concat([received, chunk]);
      const parsed = parseProxyHeader(received);
      if (parsed !== null) {
        if (parsed.length < received.length) socket.unread(received.subarray(parsed.length));
        return parsed.header;
      }
    }
  } finally {
    timeout.cancel();
  }
}
// #endregion

/**
 * The client's address on a connection that started with `header`: the header's source for a proxied connection
 * with addresses, the socket's own peer for LOCAL and unspec (UNKNOWN), as the spec tells a receiver to do.
 */
export function originOf(header: ProxyHeader, socket: Socket): Address {
  return header.command === "proxy" && header.source !== null ? header.source : socket.remote;
}
