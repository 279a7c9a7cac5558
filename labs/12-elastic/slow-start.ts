// Slow start: a backend that just joined gets a growing share of the traffic instead of its full share at once.
// Built in chapter 12 (lab tasks 3 and 4). Two curves, each as its source defines it, behind one contract that the
// membership (membership.ts) reads and the conformance suite (test/support/slow-start-conformance.ts) checks.
//
// Design principles
//   1. A curve is a pure function of the time since the backend joined: no clock, no state, so a test asks it for
//      the value at any moment and compares with the published formula.
//   2. A curve scales what the operator configured (the weight, the connection cap); it never decides them.

// #region contract
export interface SlowStart {
  /** "haproxy" or "envoy": whose curve this is. */
  readonly kind: string;
  /** Milliseconds after joining when the backend runs at full weight. */
  readonly window: number;
  /** The fraction of its weight a backend gets `elapsed` ms after it joined: 0 < f ≤ 1, and 1 from `window` on. */
  weightFactor(elapsed: number): number;
  /** Its connection cap `elapsed` ms after it joined, when the configured cap is `max` (≥ 1). */
  maxConnections(elapsed: number, max: number): number;
}

/** A slow start as a config names it: `{ kind: "haproxy", slowstart: 30000 }` or `{ kind: "envoy", window: 30000 }`. */
export type SlowStartConfig =
  | { readonly kind: "haproxy"; /** HAProxy's `slowstart`, in ms (HAProxy keeps whole seconds, rounded up). */ readonly slowstart: number }
  | {
      readonly kind: "envoy";
      /** `slow_start_window`, ms. */
      readonly window: number;
      /** `aggression`: 1 is linear, above 1 ramps faster at first. @default 1 */
      readonly aggression?: number;
      /** `min_weight_percent`: the least share, in percent of the weight. @default 10 */
      readonly minWeightPercent?: number;
    };
// #endregion

// #region haproxy
/** HAProxy's weight scale for dynamic algorithms (`BE_WEIGHT_SCALE` in include/haproxy/backend-t.h). */
export const BE_WEIGHT_SCALE = 16;

/**
 * HAProxy's `slowstart` (src/server.c, `server_recalc_eweight`; src/queue.c, `srv_dynamic_maxconn`). Time is counted
 * in whole seconds, and the weight moves in steps of 1/16: `w = (16 × elapsed + slowstart) / slowstart` in integer
 * arithmetic, so a server starts at 1/16 of its weight — "at least at the minimal step".
 */
export class HaproxySlowStart implements SlowStart {
  readonly kind = "haproxy";
  /** The window in whole seconds, as HAProxy stores it: `(ms + 999) / 1000`. */
  readonly seconds: number;

  constructor(slowstartMs: number) {
    if (!(slowstartMs > 0)) throw new Error(`slowstart must be a positive number of milliseconds, not ${slowstartMs}`);
    this.seconds = Math.ceil(slowstartMs / 1000);
  }

  get window(): number {
    return this.seconds * 1000;
  }

  weightFactor(elapsed: number): number {
    // TODO(task 3): HaproxySlowStart.weightFactor. See README.md.
    throw new Error("not implemented yet — lab 12-elastic, task 3: HaproxySlowStart.weightFactor");
  }

  maxConnections(elapsed: number, max: number): number {
    // TODO(task 3): HaproxySlowStart.maxConnections. See README.md.
    throw new Error("not implemented yet — lab 12-elastic, task 3: HaproxySlowStart.maxConnections");
  }
}
// #endregion

// #region envoy
/**
 * Envoy's slow start mode (docs, "Slow start mode"; source/common/upstream/load_balancer_impl.cc,
 * `EdfLoadBalancerBase::applySlowStartFactor`): `weight × max(min_weight_percent, time_factor^(1/aggression))` with
 * `time_factor = max(1 ms, elapsed) / window`. Envoy ramps the weight only; its connection caps are the cluster's
 * circuit breakers, which slow start leaves alone.
 */
export class EnvoySlowStart implements SlowStart {
  readonly kind = "envoy";
  readonly aggression: number;
  readonly minWeightPercent: number;

  constructor(
    readonly window: number,
    options: { aggression?: number; minWeightPercent?: number } = {},
  ) {
    if (!(window > 0)) throw new Error(`slow_start_window must be a positive number of milliseconds, not ${window}`);
    // Envoy logs and falls back to 1.0 for an aggression that is not positive; we refuse it at configuration.
    const aggression = options.aggression ?? 1;
    if (!(aggression > 0)) throw new Error(`aggression must be above 0, not ${aggression}`);
    this.aggression = aggression;
    this.minWeightPercent = options.minWeightPercent ?? 10;
  }

  weightFactor(elapsed: number): number {
    // TODO(task 4): EnvoySlowStart.weightFactor. See README.md.
    throw new Error("not implemented yet — lab 12-elastic, task 4: EnvoySlowStart.weightFactor");
  }

  maxConnections(_elapsed: number, max: number): number {
    return max;
  }
}
// #endregion

// #region make-slow-start
/** The curve a config names. */
export function makeSlowStart(config: SlowStartConfig): SlowStart {
  switch (config.kind) {
    case "haproxy":
      return new HaproxySlowStart(config.slowstart);
    case "envoy":
      return new EnvoySlowStart(config.window, config);
    default:
      throw new Error(`unknown slow start "${String((config as { kind: unknown }).kind)}": use "haproxy" or "envoy"`);
  }
}

export const SLOW_START_KINDS = ["haproxy", "envoy"] as const;
// #endregion
