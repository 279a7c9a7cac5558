// How long an ejected host stays out, and whether one more may go: Envoy's rules. Built in chapter 10.
//
// From Envoy's source/common/upstream/outlier_detection_impl.cc: a host's ejection multiplier goes up by one each
// time it is ejected (while base × multiplier < max + base), and down by one at each interval tick it spends
// healthy, so a host that keeps failing stays out longer and one that recovered is forgiven step by step.
// `checkHostForUneject` returns a host once min(base × multiplier, max(base, max)) has passed since its ejection.
// `ejectHost` ejects only while ejected hosts stay within `max_ejection_percent` — but always at least one.

// #region ejection
/** Milliseconds a host with this multiplier stays ejected. */
export function ejectionTime(base: number, max: number, multiplier: number): number {
  // BEGIN SOLUTION 4 ejectionTime
  return Math.min(base * multiplier, Math.max(base, max));
  // END SOLUTION
}

/** The multiplier after one more ejection: one more, unless base × multiplier already reached max + base. */
export function nextMultiplier(base: number, max: number, multiplier: number): number {
  // BEGIN SOLUTION 4 nextMultiplier
  return multiplier * base < max + base ? multiplier + 1 : multiplier;
  // END SOLUTION
}

/** May one more of `hosts` hosts be ejected while `ejected` already are? */
export function mayEject(ejected: number, hosts: number, maxPercent: number): boolean {
  // BEGIN SOLUTION 4 mayEject
  return ejected === 0 || (100 * (ejected + 1)) / hosts <= maxPercent;
  // END SOLUTION
}
// #endregion
