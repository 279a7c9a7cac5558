// Rate limiting by nginx's limit_req: a leaky bucket counted in milli-requests, with burst, delay and nodelay.
// Built in chapter 11 (lab task 4).
//
// This is ngx_http_limit_req_module.c, line for line where it counts (ngx_http_limit_req_lookup and
// ngx_http_limit_req_account): `rate` is kept in requests per 1000 seconds ("milli-requests" per second), the
// `excess` of a client in milli-requests; each request drains what the time since the last one allows and adds
// 1000; a request whose excess would go over `burst` is rejected and changes nothing; one over `delay` waits.
// Time comes in as a number of milliseconds, so the proxy passes the hub's clock and tests pass plain numbers.

// #region decision
/** What a limiter says about one request. */
export type Decision =
  | { readonly kind: "pass" }
  /** Admitted, but hold it this many milliseconds first. */
  | { readonly kind: "delay"; readonly ms: number }
  /** Refused: answer 429 or 503 with `Retry-After: retryAfterSeconds` (an integer ≥ 1). */
  | { readonly kind: "reject"; readonly retryAfterSeconds: number };

/** One client's limiter. The keyed limiter (keyed.ts) keeps one per client. */
export interface RateLimiter {
  decide(now: number): Decision;
  /** May this state be forgotten at `now` without changing any decision? (Drained, and idle a while.) */
  idle(now: number): boolean;
}

export const PASS: Decision = { kind: "pass" };
// #endregion

// #region limit-req-config
export interface LimitReqConfig {
  /** `rate=10r/s` is { rate: 10 }; `rate=30r/m` is { rate: 30, per: "m" }. A positive integer, as nginx's. */
  readonly rate: number;
  /** @default "s" */
  readonly per?: "s" | "m";
  /** `burst=N`: how many requests over the rate are admitted (delayed or not) before rejecting. @default 0 */
  readonly burst?: number;
  /** `delay=N`: the first N excess requests pass at once, the rest of the burst is delayed. @default 0 */
  readonly delay?: number;
  /** `nodelay`: the whole burst passes at once (delay = infinity). @default false */
  readonly nodelay?: boolean;
}
// #endregion

// #region limit-req
export class LimitReq implements RateLimiter {
  /** Milli-requests per second: rate × 1000 / 60 for r/m, truncated, as nginx computes it. */
  readonly rate: number;
  /** In milli-requests. */
  readonly burst: number;
  /** In milli-requests; Infinity for nodelay. */
  readonly delay: number;
  /** In milli-requests, after the last admitted request. */
  excess = 0;
  /** When excess was last brought up to date; null before the first request (nginx creates the node then). */
  last: number | null = null;

  constructor(config: LimitReqConfig) {
    const { rate, per = "s", burst = 0, delay = 0, nodelay = false } = config;
    if (!Number.isInteger(rate) || rate <= 0) throw new Error(`invalid rate ${rate}: a positive integer of requests per ${per === "m" ? "minute" : "second"}`);
    if (!Number.isInteger(burst) || burst < 0) throw new Error(`invalid burst ${burst}: a non-negative integer`);
    if (!Number.isInteger(delay) || delay < 0) throw new Error(`invalid delay ${delay}: a non-negative integer`);
    if (nodelay && delay > 0) throw new Error("nodelay and delay=N together: choose one");
    this.rate = Math.floor((rate * 1000) / (per === "m" ? 60 : 1));
    this.burst = burst * 1000;
    this.delay = nodelay ? Infinity : delay * 1000;
  }

  /** ngx_http_limit_req_lookup, then ngx_http_limit_req_account, for a single limit_req. */
  decide(now: number): Decision {
    // TODO(task 4): LimitReq.decide. See README.md.
    throw new Error("not implemented yet — lab 11-http-proxy, task 4: LimitReq.decide");
  }

  /**
   * Not in nginx, which sends no Retry-After: the whole seconds until a request would be admitted — until the
   * excess has drained to burst − 1000, counted from `last` with nginx's own truncated arithmetic — at least 1.
   */
  retryAfter(now: number): number {
    if (this.last === null) return 1;
    const mustDrain = this.excess + 1000 - this.burst; // > 0 for a request that was just rejected
    const fromLast = Math.ceil((mustDrain * 1000) / this.rate);
    const wait = fromLast - elapsed(now, this.last);
    return Math.max(1, Math.ceil(wait / 1000));
  }

  /** ngx_http_limit_req_expire's test: idle a minute or more, and drained. */
  idle(now: number): boolean {
    if (this.last === null) return true;
    const ms = Math.abs(now - this.last);
    return ms >= 60000 && this.excess - Math.trunc((this.rate * ms) / 1000) <= 0;
  }
}

/**
 * The milliseconds since `last`, as nginx reads them: a clock that went back a little (< 1 minute) counts as no
 * time at all, one that went back more (a wrapped or reset clock) as 1 ms.
 */
export function elapsed(now: number, last: number): number {
  const ms = now - last;
  if (ms < -60000) return 1;
  if (ms < 0) return 0;
  return ms;
}
// #endregion
