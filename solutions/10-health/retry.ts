// When a failed request may be tried again: Envoy's `retry_on` conditions and the idempotency rule. Built in
// chapter 10; chapter 08's proxy uses it for connect failures, chapter 11's HTTP proxy for the rest.
//
// Envoy's router (`x-envoy-retry-on`: connect-failure, reset, gateway-error = 502/503/504). A connect failure is
// always safe to retry: the backend never saw the request. After a reset or a gateway error it may have seen it,
// so by default only idempotent methods (RFC 9110 §9.2.2) go again.

// #region retry-policy
export type RetryOn = "connect-failure" | "reset" | "gateway-error";

/** How a try failed: before the backend got the request, mid-way, or with a status. */
export type Failure = { readonly kind: "connect-failure" } | { readonly kind: "reset" } | { readonly kind: "status"; readonly status: number };

export interface RetryPolicy {
  /** @default all three */
  readonly retryOn?: readonly RetryOn[];
  /** Retries per request. @default 1 (Envoy's num_retries) */
  readonly maxRetries?: number;
  /** Retry a non-idempotent request after it may have reached the backend. @default false */
  readonly retryNonIdempotent?: boolean;
  /** Backoff base and cap, milliseconds. @default 25 and 250 (Envoy's) */
  readonly baseInterval?: number;
  readonly maxInterval?: number;
}

export const IDEMPOTENT = new Set(["GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE"]);

/** Whether `policy` allows another try after `failure` of a request with `method` (TCP: no method). */
export function mayRetry(policy: RetryPolicy, failure: Failure, method?: string): boolean {
  const on = policy.retryOn ?? ["connect-failure", "reset", "gateway-error"];
  if (failure.kind === "connect-failure") return on.includes("connect-failure");
  const safe = method === undefined || IDEMPOTENT.has(method.toUpperCase()) || policy.retryNonIdempotent === true;
  if (!safe) return false;
  if (failure.kind === "reset") return on.includes("reset");
  return on.includes("gateway-error") && (failure.status === 502 || failure.status === 503 || failure.status === 504);
}
// #endregion
