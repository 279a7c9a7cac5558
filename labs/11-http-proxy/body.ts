// Streaming a body from one side of the proxy to the other, with backpressure, never holding it whole. Chapter 11.
import type { Green } from "../02-hub/suspend";
import type { BodyFraming } from "../07-http/framing";
import type { Headers } from "../07-http/headers";
import { lastChunk } from "../07-http/serialize";
import type { Batch, Channel } from "./channel";

// #region side-error
export type Side = "client" | "backend";

/** A failure, with the side of the proxy it happened on: the client's connection or the backend's. */
export class SideError extends Error {
  override name = "SideError";
  constructor(
    readonly side: Side,
    readonly error: unknown,
  ) {
    super(`${side}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** Reads the body of the message `from` is reading to its end and drops it (a response that will be retried). */
export function* drain<H extends { readonly framing: BodyFraming }>(from: Channel<H>): Green<void> {
  try {
    while ((yield* from.data()) !== null);
  } catch (e) {
    throw new SideError("backend", e);
  }
}
// #endregion

// #region copy-body
/**
 * Copies the body of the message `from` is reading into `out`, as chunks when `chunked`, else as it came. What one
 * read brought is written as one write before the next read, so a slow receiver slows the reads (backpressure) and
 * at most one read's worth is held. Returns at the body's end, with its end still in `out`, unwritten, so the caller
 * can add to the same write. Failures are SideErrors: reading is `fromSide`'s, writing `toSide`'s.
 */
export function* copyBody<H extends { readonly framing: BodyFraming }>(from: Channel<H>, out: Batch, chunked: boolean, fromSide: Side, toSide: Side): Green<Headers> {
  for (;;) {
    if (!from.buffered) yield* out.flush(toSide);
    let piece: Buffer | null;
    try {
      piece = yield* from.data();
    } catch (e) {
      throw new SideError(fromSide, e);
    }
    if (piece === null) {
      if (chunked) out.add(lastChunk(from.trailers));
      return from.trailers;
    }
    if (chunked) out.chunk(piece);
    else out.add(piece);
  }
}
// #endregion
