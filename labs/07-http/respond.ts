// Writing a handler's response on the wire: framing it, keep-alive, HEAD, streaming with backpressure. Chapter 07.
import type { Green } from "../02-hub/suspend";
import type { Socket } from "../05-green-sockets/socket";
import type { HttpResponse } from "./handler";
import { Headers, listTokens } from "./headers";
import type { RequestHead } from "./messages";
import { encodeChunk, formatResponseHead, lastChunk, REASONS } from "./serialize";

// #region write-response
/**
 * Sends `res` as the answer to `req` and returns whether the connection may carry another request. The
 * server, not the handler, decides the framing: Content-Length for a body given whole, chunked for a
 * streamed one (an HTTP/1.0 client gets a body that ends when the connection closes).
 */
export function* writeResponse(sock: Socket, req: RequestHead, res: HttpResponse): Green<boolean> {
  // Simplification: a production server would add a Date field (RFC 9110 §6.6.1); ours leaves it out so that
  // responses are byte-for-byte repeatable in tests and demos.
  // TODO(task 5): writeResponse. See README.md.
  throw new Error("not implemented yet — lab 07-http, task 5: writeResponse");
}
// #endregion

/** A short plain-text error response that closes the connection: after a bad request nothing later is trusted. */
export function errorResponse(status: number, detail: string): HttpResponse {
  return {
    status,
    headers: { "Content-Type": "text/plain; charset=utf-8", Connection: "close" },
    body: `${status} ${REASONS[status] ?? "Error"}: ${detail}\n`,
  };
}
