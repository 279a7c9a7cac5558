// Message framing: where a body ends, decided from the head alone. Built in chapter 07.
//
// This is the part of HTTP/1.1 where request smuggling lives. A front end and a back end that disagree on
// where one request ends will read the attacker's next bytes as two different things: to one, the body of a
// request; to the other, a request of its own. So we accept exactly one unambiguous way to delimit a body
// and refuse everything RFC 9112 §6.1 and §6.3 call out as ambiguous, rather than guessing.
import { HttpError } from "./errors";
import { listTokens, type Headers } from "./headers";
import type { HttpVersion } from "./syntax";

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
// #endregion

// #region content-length
/**
 * The value of the one Content-Length field, or undefined when there is none. A repeated field, a list
 * ("5, 5") or anything but digits is refused: RFC 9110 §8.6 lets a recipient accept identical duplicates,
 * but two fields are also exactly what a smuggler sends hoping two parsers pick different ones.
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
  // TODO(task 2): responseFraming. See README.md.
  throw new Error("not implemented yet — lab 07-http, task 2: responseFraming");
}
// #endregion

/**
 * Whether the connection stays open after this message (RFC 9112 §9.3): HTTP/1.1 unless "Connection: close",
 * HTTP/1.0 only with "Connection: keep-alive".
 */
export function isKeepAlive(version: HttpVersion, headers: Headers): boolean {
  const tokens = listTokens(headers, "connection");
  if (tokens.includes("close")) return false;
  return version === "HTTP/1.1" || tokens.includes("keep-alive");
}
