// Backoff with full jitter, from "Exponential Backoff And Jitter" (M. Brooker, AWS Architecture Blog, 2015).
// Built in chapter 10.
//
// Waiting base × 2^n before retry n spreads retries out in time; drawing the wait uniformly from [0, that) ("full
// jitter") also spreads out clients that failed at the same moment, which otherwise retry in lock-step and fail
// together again. The blog's simulation found full jitter did the least work for the quickest completion. Envoy's
// retry back-off is the same idea (`JitteredExponentialBackOffStrategy`, base 25 ms, cap 10 × base).
import type { Random } from "../05-green-sockets/random";

// #region backoff
/**
 * Milliseconds to wait before retry number `attempt` (0 for the first retry): a whole number drawn uniformly from
 * [0, min(cap, base × 2^attempt)).
 */
export function fullJitter(attempt: number, base: number, cap: number, random: Random): number {
  // BEGIN SOLUTION 6 fullJitter
  const ceiling = Math.min(cap, base * 2 ** attempt);
  return Math.floor(random() * ceiling);
  // END SOLUTION
}
// #endregion
