// Writing a handler's response on the wire: framing it, keep-alive, HEAD, streaming with backpressure. Chapter 07.
import { getHub } from "../02-hub/hub";
import type { Green } from "../02-hub/suspend";
import type { Socket } from "../05-green-sockets/socket";
import type { HttpResponse } from "./handler";
import { Headers, listTokens } from "./headers";
import type { RequestHead } from "./messages";
import { encodeChunk, lastChunk, REASONS, responseHeadText } from "./serialize";

// #region write-response
/**
 * Sends `res` as the answer to `req` and returns whether the connection may carry another request. The
 * server, not the handler, decides the framing: Content-Length for a body given whole, chunked for a
 * streamed one (an HTTP/1.0 client gets a body that ends when the connection closes).
 */
export function* writeResponse(sock: Socket, req: RequestHead, res: HttpResponse): Green<boolean> {
  let framed: Framed;
  try {
    framed = frame(req, res);
  } catch (e) {
    // A response that cannot be written as given (a header value holding CR or LF, a status of 1000) is the
    // handler's bug, reported as a throw from it is; nothing has been sent yet, so the client can still get a 500.
    if (!(e instanceof TypeError || e instanceof RangeError)) throw e;
    getHub().report(getHub().current, e);
    framed = frame(req, errorResponse(500, "the handler's response could not be written"));
  }
  const { head, headers, body, sendBody, chunked, keepAlive } = framed;
  if (typeof body === "string" || body instanceof Uint8Array) {
    // Head and body in one buffer and one write: one packet for a small response instead of two.
    yield* sock.sendall(headAndBody(head, sendBody ? body : ""));
    return keepAlive;
  }
  yield* sock.sendall(Buffer.from(head, "latin1"));
  if (!sendBody) return keepAlive;
  // A handler that set Content-Length itself must keep its word: a body of another length would shift where
  // the client thinks the next response starts. Such a bug ends the connection instead (the throw closes it).
  const declared = chunked ? Infinity : Number(headers.get("content-length") ?? Infinity);
  let sent = 0;
  yield* body((chunk) => {
    const data = typeof chunk === "string" ? Buffer.from(chunk) : chunk;
    sent += data.length;
    if (sent > declared) throw new Error(`the handler wrote more than its Content-Length of ${declared}`);
    return sock.sendall(chunked ? encodeChunk(data) : data);
  });
  if (Number.isFinite(declared) && sent < declared) throw new Error(`the handler wrote ${sent} of its Content-Length of ${declared}`);
  if (chunked) yield* sock.sendall(lastChunk());
  return keepAlive;
}

/** A response ready to send: its head as text, and how its body goes. */
interface Framed {
  head: string;
  headers: Headers;
  body: NonNullable<HttpResponse["body"]>;
  sendBody: boolean;
  chunked: boolean;
  keepAlive: boolean;
}

/** Frames `res` for `req`; throws when the handler's status, reason or headers cannot be written. */
function frame(req: RequestHead, res: HttpResponse): Framed {
  // Simplification: a production server would add a Date field (RFC 9110 §6.6.1); ours leaves it out so that
  // responses are byte-for-byte repeatable in tests and demos.
  const status = res.status ?? 200;
  const headers = new Headers(res.headers);
  let keepAlive = req.keepAlive && !listTokens(headers, "connection").includes("close");
  // The message has no body for these, whatever the handler gave (RFC 9112 §6.3).
  const noBody = status < 200 || status === 204 || status === 304;
  const body = res.body ?? "";
  let chunked = false;
  if (typeof body === "string" || body instanceof Uint8Array) {
    // A HEAD response carries the length a GET would have had, and no body.
    if (!noBody) headers.set("Content-Length", String(typeof body === "string" ? Buffer.byteLength(body) : body.length));
  } else if (!headers.has("content-length") && !noBody) {
    if (req.version === "HTTP/1.1") {
      headers.set("Transfer-Encoding", "chunked");
      chunked = true;
    } else keepAlive = false; // an HTTP/1.0 client knows no chunks: the body ends with the connection
  }
  if (!keepAlive) headers.set("Connection", "close");
  else if (req.version === "HTTP/1.0") headers.set("Connection", "keep-alive");
  const head = responseHeadText(status, headers, res.reason ?? REASONS[status]);
  return { head, headers, body, sendBody: !noBody && req.method !== "HEAD", chunked, keepAlive };
}
// #endregion

/** The head (latin1 text, a byte per character) and a body (UTF-8 text or bytes) in one new buffer, copied once. */
function headAndBody(head: string, body: string | Uint8Array): Buffer {
  const bodyBytes = typeof body === "string" ? Buffer.byteLength(body) : body.length;
  const out = Buffer.allocUnsafe(head.length + bodyBytes);
  out.write(head, 0, "latin1");
  if (typeof body === "string") out.write(body, head.length, "utf8");
  else out.set(body, head.length);
  return out;
}

/** A short plain-text error response that closes the connection: after a bad request nothing later is trusted. */
export function errorResponse(status: number, detail: string): HttpResponse {
  return {
    status,
    headers: { "Content-Type": "text/plain; charset=utf-8", Connection: "close" },
    body: `${status} ${REASONS[status] ?? "Error"}: ${detail}\n`,
  };
}
