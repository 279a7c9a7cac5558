// A token bucket: the other classic rate limiter, with the same decisions as limit_req. Built in chapter 11 (lab
// task 4).
//
// The bucket holds up to `capacity` tokens and gains `rate` tokens a second; a request takes one token or is
// rejected. It starts full. With an integer rate in requests per second, TokenBucket(capacity b + 1, rate r)
// decides exactly as limit_req rate=r burst=b nodelay (the chapter shows why, and a test holds it). Tokens are
// counted in milli-tokens, as nginx counts requests, so the arithmetic stays in integers for integer rates.
import { PASS, type Decision, type RateLimiter } from "./rate-limit";

// #region token-bucket
export interface TokenBucketConfig {
  /** The most tokens the bucket holds: the largest burst admitted at once. A positive integer. */
  readonly capacity: number;
  /** Tokens added per second. A positive number. */
  readonly rate: number;
}

export class TokenBucket implements RateLimiter {
  readonly capacity: number;
  readonly rate: number;
  /** Milli-tokens in the bucket, as of `last`. */
  tokens: number;
  /** When tokens was last brought up to date; null before the first request. */
  last: number | null = null;

  constructor(config: TokenBucketConfig) {
    if (!Number.isInteger(config.capacity) || config.capacity <= 0) throw new Error(`invalid capacity ${config.capacity}: a positive integer`);
    if (!(config.rate > 0) || !Number.isFinite(config.rate)) throw new Error(`invalid rate ${config.rate}: a positive number of tokens per second`);
    this.capacity = config.capacity;
    this.rate = config.rate;
    this.tokens = config.capacity * 1000;
  }

  decide(now: number): Decision {
    // TODO(task 4): TokenBucket.decide. See README.md.
    throw new Error("not implemented yet — lab 11-http-proxy, task 4: TokenBucket.decide");
  }

  /** Full again: forgetting it changes nothing. */
  idle(now: number): boolean {
    return this.last === null || this.tokens + this.rate * Math.max(0, now - this.last) >= this.capacity * 1000;
  }
}
// #endregion
