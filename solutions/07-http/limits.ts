// The parser's limits: how much a peer may make us hold before we say no. Built in chapter 07.
//
// An HTTP peer controls every length we read. Without limits, one client sending an endless header line
// makes the server buffer it all; with them, it costs the client a 431 after a few kilobytes.

// #region limits
export interface Limits {
  /** Bytes of one line: a request or status line, a header field line, a chunk-size line. @default 8192 */
  readonly maxLineBytes: number;
  /** Bytes of the whole head (start line and header fields), and separately of a trailer section. @default 16384 */
  readonly maxHeaderBytes: number;
  /** Header fields in one head (and in one trailer section). @default 100 */
  readonly maxHeaderCount: number;
  /** Bytes of one message body, after chunked decoding. @default 1 MiB */
  readonly maxBodyBytes: number;
}

export const DEFAULT_LIMITS: Limits = {
  maxLineBytes: 8192,
  maxHeaderBytes: 16384,
  maxHeaderCount: 100,
  maxBodyBytes: 1 << 20,
};
// #endregion

// #region with-defaults
/**
 * `limits` with the defaults filled in: one object literal of exactly these four fields, so that every parser's limits
 * have one shape. A spread, `{ ...DEFAULT_LIMITS, ...limits }`, gave each parser of a proxy a shape of its own, and the
 * parser's reads of its limits took V8's slowest path (the chapter, "Limits are the first line of defence").
 */
export function withDefaults(limits: Partial<Limits> = {}): Limits {
  return {
    maxLineBytes: limits.maxLineBytes ?? DEFAULT_LIMITS.maxLineBytes,
    maxHeaderBytes: limits.maxHeaderBytes ?? DEFAULT_LIMITS.maxHeaderBytes,
    maxHeaderCount: limits.maxHeaderCount ?? DEFAULT_LIMITS.maxHeaderCount,
    maxBodyBytes: limits.maxBodyBytes ?? DEFAULT_LIMITS.maxBodyBytes,
  };
}
// #endregion
