// An autoscaler in the manner of Kubernetes' Horizontal Pod Autoscaler: from a metric and a target, how many
// backends there should be. Built in chapter 12 (lab tasks 5 and 6).
//
// The rules are the HPA's (docs, "Horizontal Pod Autoscaling"; source, pkg/controller/podautoscaler:
// replica_calculator.go and horizontal.go): the ratio of metric to target scales the count, a tolerance ignores
// small ratios, a scale-down waits for the highest recommendation of a stabilization window, and scaling policies
// cap how fast the count may change. A pure object with no clock of its own: the caller says what time it is.

// #region hpa-config
/** A scaling policy: at most `value` pods (or percent) of change per `period` milliseconds. */
export interface ScalingPolicy {
  readonly type: "Pods" | "Percent";
  readonly value: number;
  readonly period: number;
}

/** One direction's rules (`behavior.scaleUp` or `behavior.scaleDown`). */
export interface ScalingRules {
  /** Milliseconds of recommendations to stabilize over. */
  readonly stabilizationWindow: number;
  readonly policies: readonly ScalingPolicy[];
  /** "Max": the policy allowing the most change wins; "Min": the least. */
  readonly selectPolicy: "Max" | "Min";
}

export interface HpaConfig {
  /** @default 1 */
  readonly minReplicas?: number;
  readonly maxReplicas: number;
  /** The metric's target per replica (say, 50 requests a second each). */
  readonly target: number;
  /** Ratios within 1 ± tolerance change nothing (`--horizontal-pod-autoscaler-tolerance`). @default 0.1 */
  readonly tolerance?: number;
  /** @default 0 ms, and 100% or 4 pods per 15 s, whichever is more */
  readonly scaleUp?: Partial<ScalingRules>;
  /** @default 300000 ms (5 minutes), and 100% per 15 s */
  readonly scaleDown?: Partial<ScalingRules>;
}

export const DEFAULT_SCALE_UP: ScalingRules = {
  stabilizationWindow: 0,
  policies: [
    { type: "Percent", value: 100, period: 15_000 },
    { type: "Pods", value: 4, period: 15_000 },
  ],
  selectPolicy: "Max",
};

export const DEFAULT_SCALE_DOWN: ScalingRules = {
  stabilizationWindow: 300_000,
  policies: [{ type: "Percent", value: 100, period: 15_000 }],
  selectPolicy: "Max",
};
// #endregion

// #region desired
/**
 * The replica calculator (`GetMetricReplicas` → `getUsageRatioReplicaCount`): `ceil(current × ratio)` with
 * `ratio = metric / target` taken first, unless the ratio is within the tolerance of 1, when the count stays as it is.
 */
export function desiredReplicas(current: number, metric: number, target: number, tolerance = 0.1): number {
  // BEGIN SOLUTION 5 desiredReplicas
  const ratio = metric / target;
  if (Math.abs(1 - ratio) <= tolerance) return current;
  return Math.ceil(current * ratio);
  // END SOLUTION
}
// #endregion

// #region autoscaler
interface Recommendation {
  readonly at: number;
  readonly replicas: number;
}

interface ScaleEvent {
  readonly at: number;
  /** Replicas added (scale up) or removed (scale down), positive. */
  readonly change: number;
}

/** One decision, for the log and the simulation's plot. */
export interface Decision {
  readonly at: number;
  readonly current: number;
  readonly metric: number;
  /** What the metric asked for, before stabilization and policies. */
  readonly raw: number;
  readonly replicas: number;
}

export class Autoscaler {
  readonly config: Required<Pick<HpaConfig, "minReplicas" | "maxReplicas" | "target" | "tolerance">>;
  readonly scaleUp: ScalingRules;
  readonly scaleDown: ScalingRules;
  readonly recommendations: Recommendation[] = [];
  readonly upEvents: ScaleEvent[] = [];
  readonly downEvents: ScaleEvent[] = [];
  readonly decisions: Decision[] = [];

  constructor(config: HpaConfig) {
    const minReplicas = config.minReplicas ?? 1;
    if (!(Number.isInteger(minReplicas) && minReplicas >= 1)) throw new Error(`minReplicas must be a whole number ≥ 1, not ${minReplicas}`);
    if (!(Number.isInteger(config.maxReplicas) && config.maxReplicas >= minReplicas)) {
      throw new Error(`maxReplicas must be a whole number ≥ minReplicas (${minReplicas}), not ${config.maxReplicas}`);
    }
    if (!(config.target > 0)) throw new Error(`target must be above 0, not ${config.target}`);
    this.config = { minReplicas, maxReplicas: config.maxReplicas, target: config.target, tolerance: config.tolerance ?? 0.1 };
    this.scaleUp = { ...DEFAULT_SCALE_UP, ...config.scaleUp };
    this.scaleDown = { ...DEFAULT_SCALE_DOWN, ...config.scaleDown };
  }

  /**
   * One pass of the controller at time `now`: `current` replicas whose metric averages `metric` per replica. Returns
   * the replicas to run and remembers the change, which later passes' policies count.
   */
  decide(now: number, current: number, metric: number): number {
    // Simplification: the HPA also plans for pods whose metric is missing or that are not ready yet (it assumes the
    // least or the most usage for them, whichever holds the count back) and takes several metrics at once, the
    // highest count winning; ours has one metric, averaged over the backends serving.
    const raw = desiredReplicas(current, metric, this.config.target, this.config.tolerance);
    const stabilized = this.stabilize(now, current, raw);
    const replicas = this.limit(now, current, stabilized);
    if (replicas > current) this.upEvents.push({ at: now, change: replicas - current });
    if (replicas < current) this.downEvents.push({ at: now, change: current - replicas });
    this.decisions.push({ at: now, current, metric, raw, replicas });
    return replicas;
  }

  /**
   * `stabilizeRecommendationWithBehaviors`: the count moves up no further than the lowest recommendation of the
   * scale-up window, and down no further than the highest of the scale-down window. Then `desired` is remembered.
   */
  stabilize(now: number, current: number, desired: number): number {
    // BEGIN SOLUTION 6 Autoscaler.stabilize
    let up = desired;
    let down = desired;
    for (const r of this.recommendations) {
      if (r.at > now - this.scaleUp.stabilizationWindow) up = Math.min(up, r.replicas);
      if (r.at > now - this.scaleDown.stabilizationWindow) down = Math.max(down, r.replicas);
    }
    let replicas = current;
    if (replicas < up) replicas = up;
    if (replicas > down) replicas = down;
    this.recommendations.push({ at: now, replicas: desired });
    // Forget what no window can see any more (the HPA reuses the oldest slot instead: same effect).
    const horizon = now - Math.max(this.scaleUp.stabilizationWindow, this.scaleDown.stabilizationWindow);
    while (this.recommendations.length > 0 && this.recommendations[0]!.at <= horizon) this.recommendations.shift();
    return replicas;
    // END SOLUTION
  }

  /**
   * `convertDesiredReplicasWithBehaviorRate`: within min and max replicas, and within what the policies allow
   * since the start of each policy's period.
   */
  limit(now: number, current: number, desired: number): number {
    const { minReplicas, maxReplicas } = this.config;
    if (desired > current) return Math.min(desired, maxReplicas, Math.max(current, this.scaleUpLimit(now, current)));
    if (desired < current) return Math.max(desired, minReplicas, Math.min(current, this.scaleDownLimit(now, current)));
    return Math.min(Math.max(desired, minReplicas), maxReplicas);
  }

  /** `calculateScaleUpLimitWithScalingRules`: the most replicas the scale-up policies allow now. */
  scaleUpLimit(now: number, current: number): number {
    // BEGIN SOLUTION 6 Autoscaler.scaleUpLimit
    const pick = this.scaleUp.selectPolicy === "Min" ? Math.min : Math.max;
    let result = this.scaleUp.selectPolicy === "Min" ? Infinity : -Infinity;
    for (const p of this.scaleUp.policies) {
      const start = current - changeIn(this.upEvents, now, p.period) + changeIn(this.downEvents, now, p.period);
      const proposed = p.type === "Pods" ? start + p.value : Math.ceil(start * (1 + p.value / 100));
      result = pick(result, proposed);
    }
    return result;
    // END SOLUTION
  }

  /** `calculateScaleDownLimitWithBehaviors`: the fewest replicas the scale-down policies allow now. */
  scaleDownLimit(now: number, current: number): number {
    // For scaling down, the policy allowing the most change gives the lowest count.
    const pick = this.scaleDown.selectPolicy === "Min" ? Math.max : Math.min;
    let result = this.scaleDown.selectPolicy === "Min" ? -Infinity : Infinity;
    for (const p of this.scaleDown.policies) {
      const start = current + changeIn(this.downEvents, now, p.period) - changeIn(this.upEvents, now, p.period);
      const proposed = p.type === "Pods" ? start - p.value : Math.floor(start * (1 - p.value / 100));
      result = pick(result, proposed);
    }
    return result;
  }
}

/** `getReplicasChangePerPeriod`: the replicas changed by the events of the last `period` ms. */
function changeIn(events: readonly ScaleEvent[], now: number, period: number): number {
  let n = 0;
  for (const e of events) if (e.at > now - period) n += e.change;
  return n;
}
// #endregion
