// The handler contract: what a program gives the green HTTP server — a request in, a response out. Chapter 07.
//
// A handler is a green function, so it may block: read the request body, call a backend, sleep. The server
// runs one green thread per connection and calls the handler for each request on it, in order.
import type { Green } from "../02-hub/suspend";
import type { Address } from "../05-green-sockets/socket";
import type { HeadersInit, Headers } from "./headers";
import type { RequestHead } from "./messages";

// #region handler
/** A request as a handler sees it: the parsed head, who sent it, and its body to read as it streams in. */
export interface HttpRequest extends RequestHead {
  readonly remote: Address;
  readonly body: BodyReader;
}

export interface BodyReader {
  /** The next piece of the body, or null at its end. Throws HttpError 413 when the body is over the limit. */
  read(): Green<Buffer | null>;
  /** The rest of the body in one buffer. */
  readAll(): Green<Buffer>;
  /** The rest of the body as UTF-8 text. */
  text(): Green<string>;
  /** Trailer fields of a chunked body, once it has been read to the end. */
  readonly trailers: Headers;
}

/** Writes one piece of a streamed body; waits while the client is slow to read (backpressure). */
export type BodyWrite = (chunk: Uint8Array | string) => Green<void>;

/**
 * A response body: all at once (sent with Content-Length), or a green function that writes it in pieces
 * (sent chunked to an HTTP/1.1 client, unless the handler set Content-Length itself).
 */
export type ResponseBody = string | Uint8Array | ((write: BodyWrite) => Green<void>);

export interface HttpResponse {
  /** @default 200 */
  readonly status?: number;
  /** @default the usual phrase for the status */
  readonly reason?: string;
  readonly headers?: HeadersInit;
  readonly body?: ResponseBody;
}

export type Handler = (request: HttpRequest) => Green<HttpResponse>;
// #endregion
