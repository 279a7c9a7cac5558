// Circuit breaking as Envoy does it: a hard cap on four resources of a backend set, and an answer at once when one
// is full. Built in chapter 10.
//
// Envoy's "Circuit breaking" docs and `ResourceManagerImpl` (source/common/upstream/resource_manager_impl.h): each
// cluster has max_connections, max_pending_requests, max_requests and max_retries (defaults 1024, 1024, 1024, 3). A
// request that would pass a limit is not queued: it fails at once (a 503 with `x-envoy-overloaded` in HTTP), and an
// `upstream_rq_pending_overflow`-style counter goes up. Our TCP proxy resets the client instead.
import { SocketError } from "../05-green-sockets/errors";

// #region breaker
export type Resource = "connections" | "pending" | "requests" | "retries";

export interface BreakerLimits {
  /** @default 1024 */
  readonly maxConnections?: number;
  /** @default 1024 */
  readonly maxPendingRequests?: number;
  /** @default 1024 */
  readonly maxRequests?: number;
  /** @default 3 */
  readonly maxRetries?: number;
}

/** A resource was full. A SocketError, so chapter 08's failover treats it as a connection that did not happen. */
export class CircuitOpenError extends SocketError {
  override name = "CircuitOpenError";
  constructor(readonly resource: Resource, readonly limit: number) {
    super(`circuit breaker open: max ${resource} (${limit}) reached`, "EOVERFLOW");
  }
}

export class CircuitBreaker {
  readonly limits: Readonly<Record<Resource, number>>;
  /** In use now, per resource. */
  readonly open: Record<Resource, number> = { connections: 0, pending: 0, requests: 0, retries: 0 };
  /** Refused since the start, per resource: what Envoy's `*_overflow` counters count. */
  readonly overflows: Record<Resource, number> = { connections: 0, pending: 0, requests: 0, retries: 0 };

  constructor(limits: BreakerLimits = {}) {
    this.limits = {
      connections: limits.maxConnections ?? 1024,
      pending: limits.maxPendingRequests ?? 1024,
      requests: limits.maxRequests ?? 1024,
      retries: limits.maxRetries ?? 3,
    };
  }

  /** Takes one of `r`; when `r` is full, counts an overflow and returns the error that says why. */
  acquire(r: Resource): CircuitOpenError | null {
    if (this.open[r] >= this.limits[r]) {
      this.overflows[r]++;
      return new CircuitOpenError(r, this.limits[r]);
    }
    this.open[r]++;
    return null;
  }

  release(r: Resource): void {
    if (this.open[r] > 0) this.open[r]--;
  }
}
// #endregion
