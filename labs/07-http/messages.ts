// What the parser emits: the head of a request or response, then its body in pieces, then its end. Chapter 07.
import type { HttpError } from "./errors";
import type { BodyFraming } from "./framing";
import type { Headers } from "./headers";
import type { HttpVersion } from "./syntax";

// #region heads
export interface RequestHead {
  readonly method: string;
  /** As sent: "/path?query" usually, "*" or "http://host/path" sometimes. */
  readonly target: string;
  readonly version: HttpVersion;
  readonly headers: Headers;
  /** Whether the client wants the connection kept open after the response (RFC 9112 §9.3). */
  readonly keepAlive: boolean;
  readonly framing: BodyFraming;
}

export interface ResponseHead {
  readonly version: HttpVersion;
  readonly status: number;
  readonly reason: string;
  readonly headers: Headers;
  /** Whether the connection can carry another request after this response. */
  readonly keepAlive: boolean;
  readonly framing: BodyFraming;
}

/**
 * One thing the parser found, in order. A message is one "head", any number of "data" (pieces of the body,
 * chunked framing already removed), then one "end". An "error" is the last event a parser ever emits.
 */
export type ParseEvent<H> =
  | { readonly type: "head"; readonly head: H }
  /** A view into the bytes that were pushed: copy it to keep it after the chunk is reused. */
  | { readonly type: "data"; readonly data: Buffer }
  /** The message is complete; `trailers` is empty unless a chunked body ended with trailer fields. */
  | { readonly type: "end"; readonly trailers: Headers }
  | { readonly type: "error"; readonly error: HttpError };
// #endregion

/** A whole message, body gathered: what `collect` returns. */
export interface Message<H> {
  readonly head: H;
  readonly body: Buffer;
  readonly trailers: Headers;
}
