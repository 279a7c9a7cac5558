// Envoy's health check state machine: two counters and two thresholds. Built in chapter 10.
//
// As `HealthCheckerImplBase::ActiveHealthCheckSession` in Envoy's source/common/upstream/health_checker_impl.cc
// (`handleSuccess`, `setUnhealthy`): a new host starts unhealthy (FAILED_ACTIVE_HC), and its first check, if it
// passes, makes it healthy at once; after that `healthy_threshold` passes in a row are needed. A failure resets the
// pass count; a non-2xx HTTP answer (an ACTIVE, non-retriable failure) makes a host unhealthy at once, while
// timeouts and network errors count toward `unhealthy_threshold`.
import type { Random } from "../05-green-sockets/random";
import type { CheckerOptions, CheckResult, EnvoyCheckConfig, HealthChecker } from "./checker";

// #region envoy
export class EnvoyChecker implements HealthChecker {
  readonly kind = "envoy";
  readonly interval: number;
  readonly unhealthyInterval: number;
  readonly timeout: number;
  readonly healthyThreshold: number;
  readonly unhealthyThreshold: number;
  readonly jitterPercent: number;
  /** Envoy's FAILED_ACTIVE_HC flag, inverted: a new host starts unhealthy. */
  healthy = false;
  /** Passes in a row while unhealthy (`num_healthy_`). */
  passes = 0;
  /** Timeouts and network failures in a row while healthy (`num_unhealthy_`). */
  failures = 0;
  /** True until the first check has ended (`first_check_`). */
  first = true;
  readonly #random: Random;

  constructor(config: EnvoyCheckConfig = {}, options: CheckerOptions = {}) {
    this.interval = config.interval ?? 5000;
    this.unhealthyInterval = config.unhealthyInterval ?? this.interval;
    this.timeout = config.timeout ?? 1000;
    this.healthyThreshold = config.healthyThreshold ?? 1;
    this.unhealthyThreshold = config.unhealthyThreshold ?? 3;
    this.jitterPercent = config.jitterPercent ?? 0;
    this.#random = options.random ?? Math.random;
  }
  // #endregion

  // #region envoy-record
  /** One check ended: `handleSuccess` for "pass", `setUnhealthy` for the rest. */
  record(result: CheckResult): void {
    // TODO(task 2): EnvoyChecker.record. See README.md.
    throw new Error("not implemented yet — lab 10-health, task 2: EnvoyChecker.record");
  }
  // #endregion

  // #region envoy-jitter
  /** `interval` (or `unhealthy_interval`), plus up to `interval_jitter_percent` of it at random, as Envoy adds. */
  nextDelay(): number {
    // Simplification: a production checker would also have Envoy's no_traffic_interval (60 s while the cluster has
    // had no traffic) and the edge intervals used right after a change of state.
    const base = this.healthy ? this.interval : this.unhealthyInterval;
    return base + Math.floor(this.#random() * ((base * this.jitterPercent) / 100));
  }
}
// #endregion
