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
  // TODO(task 4): ejectionTime. See README.md.
  throw new Error("not implemented yet — lab 10-health, task 4: ejectionTime");
}

/** The multiplier after one more ejection: one more, unless base × multiplier already reached max + base. */
export function nextMultiplier(base: number, max: number, multiplier: number): number {
  // TODO(task 4): nextMultiplier. See README.md.
  throw new Error("not implemented yet — lab 10-health, task 4: nextMultiplier");
}

/** May one more of `hosts` hosts be ejected while `ejected` already are? */
export function mayEject(ejected: number, hosts: number, maxPercent: number): boolean {
  // TODO(task 4): mayEject. See README.md.
  throw new Error("not implemented yet — lab 10-health, task 4: mayEject");
}
// #endregion
