// The counters of a proxy, per backend and for its clients: what the later chapters read. Built in chapter 08.
//
// Plain objects with number fields, updated in place: a counter costs an addition on the byte path and a reader
// (the demo, a test, chapter 13's metrics endpoint) sees it live, without asking anyone.
import type { Backend } from "./balancer";

// #region stats
/** One backend's counters. "Up" is client → backend, "down" is backend → client. */
export interface Stats {
  /** Connections open to this backend now. */
  active: number;
  /** Connections made to this backend since the start. */
  total: number;
  /** Payload bytes forwarded from clients to this backend. */
  bytesUp: number;
  /** Payload bytes forwarded from this backend to clients. */
  bytesDown: number;
  /** Connection attempts that failed: refused, timed out, unreachable. */
  connectFailures: number;
  /** Failures in a row since the last successful connect; the cool-down starts at `maxFails`. */
  failStreak: number;
  /** Until this time (hub milliseconds) the proxy does not choose this backend. */
  skipUntil: number;
}

/** The proxy's counters for the client side. */
export interface ClientStats {
  /** Client connections being served now. */
  active: number;
  /** Client connections accepted since the start. */
  total: number;
  /** Clients closed because no backend could be reached. */
  noBackend: number;
  /** Connections cut by the idle timeout. */
  idleTimeouts: number;
  /** Connections cut because a graceful shutdown ran out of time. */
  cutAtShutdown: number;
}

export const newStats = (): Stats => ({ active: 0, total: 0, bytesUp: 0, bytesDown: 0, connectFailures: 0, failStreak: 0, skipUntil: 0 });

export const newClientStats = (): ClientStats => ({ active: 0, total: 0, noBackend: 0, idleTimeouts: 0, cutAtShutdown: 0 });

/** A fresh counter for every backend of `backends`. */
export function statsFor(backends: readonly Backend[]): Map<Backend, Stats> {
  return new Map(backends.map((b) => [b, newStats()]));
}
// #endregion
