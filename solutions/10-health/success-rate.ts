// The statistics of outlier ejection: success rate against the mean and the population standard deviation, and
// failure percentage against a fixed threshold. Built in chapter 10.
//
// As `DetectorImpl::successRateEjectionThreshold` and `processSuccessRateEjections` in Envoy's
// outlier_detection_impl.cc: only hosts with at least `request_volume` requests in the interval count, and there
// must be at least `minimum_hosts` of them; a host is an outlier when its success rate is below
// mean − stdev_factor × stdev (stdev over the population: divided by n, not n − 1).

// #region success-rate
/** One host's requests in the last interval. */
export interface Tally {
  readonly total: number;
  readonly failed: number;
}

export interface SuccessRateConfig {
  /** @default 5 */
  readonly minimumHosts?: number;
  /** @default 100 */
  readonly requestVolume?: number;
  /** Envoy's `success_rate_stdev_factor` is 1900, read as 1900 / 1000. @default 1.9 */
  readonly stdevFactor?: number;
}

/** The indexes of the hosts whose success rate (percent) is an outlier. */
export function successRateOutliers(tallies: readonly Tally[], config: SuccessRateConfig = {}): number[] {
  // BEGIN SOLUTION 3 successRateOutliers
  const volume = config.requestVolume ?? 100;
  const factor = config.stdevFactor ?? 1.9;
  const counted: { i: number; rate: number }[] = [];
  tallies.forEach((t, i) => {
    if (t.total >= volume) counted.push({ i, rate: (100 * (t.total - t.failed)) / t.total });
  });
  if (counted.length < (config.minimumHosts ?? 5) || counted.length === 0) return [];
  const mean = counted.reduce((s, c) => s + c.rate, 0) / counted.length;
  const variance = counted.reduce((s, c) => s + (c.rate - mean) ** 2, 0) / counted.length;
  const threshold = mean - factor * Math.sqrt(variance);
  return counted.filter((c) => c.rate < threshold).map((c) => c.i);
  // END SOLUTION
}
// #endregion

// #region failure-percentage
export interface FailurePercentageConfig {
  /** @default 5 */
  readonly minimumHosts?: number;
  /** @default 50 */
  readonly requestVolume?: number;
  /** A host failing at least this percent of its requests is an outlier. @default 85 */
  readonly threshold?: number;
}

/** The indexes of the hosts whose failure percentage reaches the threshold (`processFailurePercentageEjections`). */
export function failurePercentageOutliers(tallies: readonly Tally[], config: FailurePercentageConfig = {}): number[] {
  const volume = config.requestVolume ?? 50;
  const counted = tallies.map((t, i) => ({ t, i })).filter(({ t }) => t.total >= volume);
  if (counted.length < (config.minimumHosts ?? 5)) return [];
  return counted.filter(({ t }) => (100 * t.failed) / t.total >= (config.threshold ?? 85)).map(({ i }) => i);
}
// #endregion
