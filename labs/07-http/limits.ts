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
