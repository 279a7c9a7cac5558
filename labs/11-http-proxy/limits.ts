// The HTTP proxy's limits and timeouts: every one with its default and the status a client gets past it. Chapter 11.
//
// A proxy stands between the Internet and backends that trust it, so each thing a client controls — how long its
// head is, how slowly it sends it, how big its body is, how long it sits idle — has a bound here. The timeouts are
// named after HAProxy's (`timeout http-request`, `http-keep-alive`, `client`, `server`, `connect`, `queue`,
// `tunnel`), which time the same phases.
import { DEFAULT_LIMITS, type Limits } from "../07-http/limits";

// #region limits
export interface ProxyLimits extends Limits {
  // From chapter 07's parser (the head is refused before a byte reaches a backend):
  //   maxLineBytes 8 KiB → 414 for a request line, 431 for a field line; maxHeaderBytes 16 KiB → 431;
  //   maxHeaderCount 100 → 431; maxBodyBytes 1 MiB (nginx's client_max_body_size) → 413.
  /**
   * Milliseconds a client has to send a whole request head, from its first byte or from the connection's start
   * (HAProxy's `timeout http-request`): a slowloris client is answered 408 and closed when it runs out. @default 10000
   */
  readonly headerTimeout: number;
  /** Milliseconds a kept-alive client connection may wait for its next request; then it closes silently. @default 5000 */
  readonly keepAliveTimeout: number;
  /** Milliseconds any one read from or write to a client may wait once its head is in (`timeout client`). @default 30000 */
  readonly clientTimeout: number;
  /**
   * Milliseconds any one read from or write to a backend may wait (`timeout server`): no response head in that
   * time is a 504. @default 30000
   */
  readonly serverTimeout: number;
  /** Milliseconds to open a connection to a backend (`timeout connect`); past it the next backend is tried. @default 5000 */
  readonly connectTimeout: number;
  /** Milliseconds a request may wait for a pooled connection when a backend is at its limit (`timeout queue`): 503. @default 5000 */
  readonly queueTimeout: number;
  /** Milliseconds without a byte either way after which an upgraded (WebSocket) tunnel is cut (`timeout tunnel`). @default 3600000 */
  readonly tunnelTimeout: number;
}

export const DEFAULT_PROXY_LIMITS: ProxyLimits = {
  ...DEFAULT_LIMITS,
  headerTimeout: 10_000,
  keepAliveTimeout: 5_000,
  clientTimeout: 30_000,
  serverTimeout: 30_000,
  connectTimeout: 5_000,
  queueTimeout: 5_000,
  tunnelTimeout: 3_600_000,
};
// #endregion
