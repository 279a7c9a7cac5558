// Message framing: where a body ends, decided from the head alone. Built in chapter 07.
//
// This is the part of HTTP/1.1 where request smuggling lives. A front end and a back end that disagree on
// where one request ends will read the attacker's next bytes as two different things: to one, the body of a
// request; to the other, a request of its own. So we accept exactly one unambiguous way to delimit a body
// and refuse everything RFC 9112 §6.1 and §6.3 call out as ambiguous, rather than guessing.
import { HttpError } from "./errors";
import { listTokens, type Headers } from "./headers";
import type { Limits } from "./limits";
import type { RequestHead } from "./messages";
import type { HttpVersion, RequestLine } from "./syntax";

// #region framing-type
/** How a message's body is delimited. */
export type BodyFraming =
  /** No body at all. */
  | { readonly kind: "none" }
  /** Exactly `length` bytes follow the head (Content-Length). */
  | { readonly kind: "length"; readonly length: number }
  /** A series of chunks ending with a zero-size chunk and trailers (Transfer-Encoding: chunked). */
  | { readonly kind: "chunked" }
  /** Responses only: the body is everything until the server closes the connection. */
  | { readonly kind: "close" };

// The framings without a length are the same for every message: one object each, made once, not one per message.
export const NO_BODY: BodyFraming = { kind: "none" };
export const CHUNKED: BodyFraming = { kind: "chunked" };
export const UNTIL_CLOSE: BodyFraming = { kind: "close" };
// #endregion

// #region content-length
/**
 * The value of the one Content-Length field, or undefined when there is none. A repeated field, a list
 * ("5, 5"), anything but digits, or a number too large to be exact is refused with 400 (RFC 9112 §6.3 item 5:
 * an invalid Content-Length is an unrecoverable framing error). RFC 9110 §8.6 lets a recipient accept
 * identical duplicates, but two fields are also exactly what a smuggler sends hoping two parsers pick different ones.
 */
export function contentLength(headers: Headers): number | undefined {
  // TODO(task 2): contentLength. See README.md.
  throw new Error("not implemented yet — lab 07-http, task 2: contentLength");
}
// #endregion

// #region request-framing
/**
 * How a request's body is delimited (RFC 9112 §6.3). Throws 400 for every ambiguous combination and 501 for a
 * transfer coding we do not implement.
 */
export function requestFraming(version: HttpVersion, headers: Headers): BodyFraming {
  // TODO(task 2): requestFraming. See README.md.
  throw new Error("not implemented yet — lab 07-http, task 2: requestFraming");
}
// #endregion

// #region response-framing
/**
 * How a response's body is delimited (RFC 9112 §6.3), which depends on the request it answers: a response
 * to HEAD, and every 1xx, 204 and 304, has no body whatever its header fields say.
 */
export function responseFraming(status: number, requestMethod: string, headers: Headers): BodyFraming {
  if (requestMethod === "HEAD" || status < 200 || status === 204 || status === 304) return NO_BODY;
  // Simplification: a production client would also handle a 2xx answer to CONNECT (a tunnel, no body).
  if (headers.has("transfer-encoding")) {
    if (headers.has("content-length")) throw new HttpError(502, "response has both Content-Length and Transfer-Encoding");
    const codings = listTokens(headers, "transfer-encoding");
    // chunked last: we can find the end. Anything else: the body runs until the server closes.
    // Simplification: a production client would decode gzip and friends; we hand the coded bytes over as they are.
    return codings[codings.length - 1] === "chunked" && codings.indexOf("chunked") === codings.length - 1
      ? CHUNKED
      : UNTIL_CLOSE;
  }
  const length = contentLength(headers);
  if (length === undefined) return UNTIL_CLOSE;
  return length === 0 ? NO_BODY : { kind: "length", length };
}
// #endregion

// #region check-head
/**
 * Everything a server checks in a request head before it runs a handler or reads a single body byte: exactly one
 * Host in HTTP/1.1 (400, RFC 9112 §3.2), a framing that is not ambiguous (`requestFraming`: 400 or 501, RFC 9112
 * §6.1 and §6.3), and a declared body no longer than `maxBodyBytes` (413). Returns the head, ready for a handler.
 * The request parser calls it when a head ends, so a refused head is never emitted; a proxy (chapter 11) calls it
 * on a head it is about to forward, so a request its server would refuse never reaches a backend.
 */
export function checkRequestHead(line: RequestLine, headers: Headers, limits: Pick<Limits, "maxBodyBytes">): RequestHead {
  const hosts = headers.count("host");
  if (hosts > 1 || (hosts === 0 && line.version === "HTTP/1.1")) {
    throw new HttpError(400, "an HTTP/1.1 request needs exactly one Host field (RFC 9112 §3.2)");
  }
  const framing = checkBodyLength(requestFraming(line.version, headers), limits.maxBodyBytes);
  // Each field named, not `{ ...line, headers, … }`: in Node 20's V8 a spread followed by more properties takes a
  // slow path that costs microseconds, once per request here.
  return { method: line.method, target: line.target, version: line.version, headers, framing, keepAlive: isKeepAlive(line.version, headers) };
}

/**
 * Refuses (413) a Content-Length over `maxBodyBytes` when the head ends: the peer learns it at once, and nothing
 * reads or buffers a body that is refused anyway. A chunked body is counted as its chunks arrive.
 */
export function checkBodyLength(framing: BodyFraming, maxBodyBytes: number): BodyFraming {
  if (framing.kind === "length" && framing.length > maxBodyBytes) {
    throw new HttpError(413, `body too large: Content-Length ${framing.length} is over the limit of ${maxBodyBytes} bytes`);
  }
  return framing;
}
// #endregion

/**
 * Whether the connection stays open after this message (RFC 9112 §9.3): HTTP/1.1 unless "Connection: close",
 * HTTP/1.0 only with "Connection: keep-alive".
 */
export function isKeepAlive(version: HttpVersion, headers: Headers): boolean {
  // Most messages have no Connection field: then the version decides, and no list of its tokens is made.
  if (!headers.has("connection")) return version === "HTTP/1.1";
  const tokens = listTokens(headers, "connection");
  if (tokens.includes("close")) return false;
  return version === "HTTP/1.1" || tokens.includes("keep-alive");
}
