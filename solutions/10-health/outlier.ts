// Passive health: Envoy's outlier detection. Every response (or connect failure) a host gives is recorded; five
// 5xx in a row, or five gateway failures in a row, eject it at once; at each interval tick, hosts whose success
// rate or failure percentage stands out are ejected, and hosts whose time is up come back. Built in chapter 10.
//
// As Envoy's source/common/upstream/outlier_detection_impl.cc (`DetectorImpl`, `DetectorHostMonitorImpl`) and its
// docs ("Outlier detection"). A connect failure or a reset is a local-origin error, which Envoy (with
// split_external_local_origin_errors off, the default) counts as a 503: a 5xx and a gateway failure both.
import type { Random } from "../05-green-sockets/random";
import type { Backend } from "../08-tcp-proxy/balancer";
import { ejectionTime, mayEject, nextMultiplier } from "./ejection";
import { failurePercentageOutliers, successRateOutliers, type FailurePercentageConfig, type SuccessRateConfig } from "./success-rate";

// #region outlier-config
export interface OutlierConfig {
  /** Milliseconds between sweeps (`interval`). @default 10000 */
  readonly interval?: number;
  /** @default 30000 */
  readonly baseEjectionTime?: number;
  /** @default 300000 */
  readonly maxEjectionTime?: number;
  /** @default 10 */
  readonly maxEjectionPercent?: number;
  /** 5xx in a row that eject a host. @default 5 */
  readonly consecutive5xx?: number;
  /** 502, 503, 504 (and connect failures) in a row that eject a host. @default 5 */
  readonly consecutiveGatewayFailure?: number;
  readonly successRate?: SuccessRateConfig;
  readonly failurePercentage?: FailurePercentageConfig;
  /** Percent chance that each detector really ejects (Envoy's `enforcing_*`; its defaults). */
  readonly enforcing?: { consecutive5xx?: number; consecutiveGatewayFailure?: number; successRate?: number; failurePercentage?: number };
}

export type EjectionReason = "consecutive-5xx" | "consecutive-gateway-failure" | "success-rate" | "failure-percentage";

/** What the detector keeps per host (Envoy's `DetectorHostMonitorImpl`). */
export interface HostMonitor {
  consecutive5xx: number;
  consecutiveGateway: number;
  /** This interval's requests. */
  total: number;
  failed: number;
  ejected: boolean;
  /** The ejection multiplier (Envoy's `ejectTimeBackoff`). */
  multiplier: number;
  lastEjection: number;
  timesEjected: number;
}

export interface EjectionEvent {
  readonly at: number;
  readonly backend: Backend;
  readonly action: "eject" | "return";
  readonly reason?: EjectionReason;
}
// #endregion

const isGatewayFailure = (status: number): boolean => status === 502 || status === 503 || status === 504;

// #region outlier
export class OutlierDetector {
  readonly hosts = new Map<Backend, HostMonitor>();
  readonly events: EjectionEvent[] = [];
  readonly config: Required<Pick<OutlierConfig, "interval" | "baseEjectionTime" | "maxEjectionTime" | "maxEjectionPercent" | "consecutive5xx" | "consecutiveGatewayFailure">>;
  readonly #all: OutlierConfig;
  readonly #now: () => number;
  readonly #random: Random;

  constructor(backends: readonly Backend[], config: OutlierConfig = {}, options: { now?: () => number; random?: Random } = {}) {
    this.#all = config;
    this.config = {
      interval: config.interval ?? 10_000,
      baseEjectionTime: config.baseEjectionTime ?? 30_000,
      maxEjectionTime: config.maxEjectionTime ?? 300_000,
      maxEjectionPercent: config.maxEjectionPercent ?? 10,
      consecutive5xx: config.consecutive5xx ?? 5,
      consecutiveGatewayFailure: config.consecutiveGatewayFailure ?? 5,
    };
    this.#now = options.now ?? Date.now;
    this.#random = options.random ?? Math.random;
    for (const b of backends) this.add(b);
  }

  add(b: Backend): void {
    if (!this.hosts.has(b))
      this.hosts.set(b, { consecutive5xx: 0, consecutiveGateway: 0, total: 0, failed: 0, ejected: false, multiplier: 0, lastEjection: 0, timesEjected: 0 });
  }

  remove(b: Backend): void {
    this.hosts.delete(b);
  }

  isEjected(b: Backend): boolean {
    return this.hosts.get(b)?.ejected ?? false;
  }

  get ejectedCount(): number {
    let n = 0;
    for (const h of this.hosts.values()) if (h.ejected) n++;
    return n;
  }
  // #endregion

  // #region outlier-record
  /**
   * One response from `b`: its HTTP status, or 503 for a connect failure or a reset. Counts it for this interval
   * and keeps the two runs of failures; a run that reaches its threshold ejects the host at once.
   */
  record(b: Backend, status: number): void {
    const h = this.hosts.get(b);
    if (h === undefined) return; // removed meanwhile
    // BEGIN SOLUTION 3 OutlierDetector.record
    h.total++;
    if (status >= 500) {
      h.failed++;
      if (!isGatewayFailure(status)) h.consecutiveGateway = 0; // a 500 breaks a run of gateway failures
      else if (++h.consecutiveGateway === this.config.consecutiveGatewayFailure) this.eject(b, "consecutive-gateway-failure");
      if (++h.consecutive5xx === this.config.consecutive5xx) this.eject(b, "consecutive-5xx");
    } else {
      h.consecutive5xx = 0;
      h.consecutiveGateway = 0;
    }
    // END SOLUTION
  }
  // #endregion

  // #region outlier-eject
  /** Ejects `b` for `reason`, if its detector is enforcing and `max_ejection_percent` allows (`ejectHost`). */
  eject(b: Backend, reason: EjectionReason): boolean {
    const h = this.hosts.get(b);
    if (h === undefined || h.ejected) return false;
    const key = { "consecutive-5xx": "consecutive5xx", "consecutive-gateway-failure": "consecutiveGatewayFailure", "success-rate": "successRate", "failure-percentage": "failurePercentage" } as const;
    // Envoy's defaults: the gateway-failure and failure-percentage detectors only count unless enforced.
    const enforcing = this.#all.enforcing?.[key[reason]] ?? (reason === "consecutive-5xx" || reason === "success-rate" ? 100 : 0);
    if (this.#random() * 100 >= enforcing) return false;
    if (!mayEject(this.ejectedCount, this.hosts.size, this.config.maxEjectionPercent)) return false;
    const { baseEjectionTime: base, maxEjectionTime: max } = this.config;
    h.multiplier = nextMultiplier(base, max, h.multiplier);
    h.ejected = true;
    h.lastEjection = this.#now();
    h.timesEjected++;
    // Envoy resets a host's runs when it is ejected, so it comes back with a clean slate.
    h.consecutive5xx = 0;
    h.consecutiveGateway = 0;
    this.events.push({ at: h.lastEjection, backend: b, action: "eject", reason });
    return true;
  }

  /** The milliseconds `b` stays ejected in all, counted from its ejection (0 when it is not ejected). */
  ejectedFor(b: Backend): number {
    const h = this.hosts.get(b);
    if (!h?.ejected) return 0;
    return ejectionTime(this.config.baseEjectionTime, this.config.maxEjectionTime, h.multiplier);
  }
  // #endregion

  // #region outlier-tick
  /**
   * The interval sweep (`onIntervalTimer`): return hosts whose time is up, forgive one step of the multiplier of
   * those not ejected, run the success-rate and failure-percentage detectors on this interval's counts, and start
   * a new interval.
   */
  tick(): void {
    // Simplification: a production detector would keep Envoy's two success-rate monitors (external and local origin)
    // and count this interval's requests in a double buffer, so that a sweep never races the traffic.
    const now = this.#now();
    for (const [b, h] of this.hosts) {
      if (!h.ejected) {
        if (h.multiplier > 0) h.multiplier--;
      } else if (now - h.lastEjection >= this.ejectedFor(b)) {
        h.ejected = false;
        this.events.push({ at: now, backend: b, action: "return" });
      }
    }
    const list = [...this.hosts];
    const tallies = list.map(([, h]) => ({ total: h.total, failed: h.failed }));
    for (const i of successRateOutliers(tallies, this.#all.successRate)) this.eject(list[i][0], "success-rate");
    for (const i of failurePercentageOutliers(tallies, this.#all.failurePercentage)) this.eject(list[i][0], "failure-percentage");
    for (const h of this.hosts.values()) h.total = h.failed = 0;
  }
}
// #endregion
