// The health checker contract: a state machine that turns check results into "healthy or not" and says when to
// check next. Built in chapter 10; HAProxy's machine (haproxy.ts) and Envoy's (envoy.ts) implement it, the monitor
// (monitor.ts) runs either, and the conformance suite holds both to it.
//
// Design principles
//   1. A checker only decides. It never connects or sleeps: the monitor runs the probe (probe.ts) and tells the
//      checker how it went, so each machine is a few lines that a test drives result by result.
//   2. Results say how a check failed, because the two machines treat failures differently: Envoy fails a host at
//      once on a bad HTTP status, but counts timeouts and network errors toward a threshold.
//   3. Randomness comes from outside (`random`), so the jitter of a run replays exactly.
import type { Random } from "../05-green-sockets/random";

// #region contract
/** How one check ended. */
export type CheckResult =
  | "pass" // connected (TCP) or answered 2xx (HTTP)
  | "timeout" // no answer within the check's timeout
  | "network" // refused, reset, unreachable
  | "status"; // answered, with a status that is not 2xx (HTTP checks only)

export interface HealthChecker {
  /** "haproxy" or "envoy": which source's state machine this is. */
  readonly kind: string;
  /** True when the backend may get traffic. */
  readonly healthy: boolean;
  /** One check ended with `result`. */
  record(result: CheckResult): void;
  /** Milliseconds until the next check should start, jitter included. */
  nextDelay(): number;
  /** Milliseconds a check may take before it counts as "timeout". */
  readonly timeout: number;
}

/** A checker's config, as the proxy's options name it: `{ kind: "haproxy", rise: 2 }`, `{ kind: "envoy" }`. */
export type CheckerConfig = ({ readonly kind: "haproxy" } & HaproxyCheckConfig) | ({ readonly kind: "envoy" } & EnvoyCheckConfig);

/** HAProxy's `server … check inter 2s fastinter 500 downinter 5s rise 2 fall 3` (defaults as HAProxy's). */
export interface HaproxyCheckConfig {
  /** Milliseconds between checks of a server fully up. @default 2000 */
  readonly inter?: number;
  /** Between checks while the server is changing state (up but failing, or down but passing). @default inter */
  readonly fastinter?: number;
  /** Between checks of a server fully down. @default inter */
  readonly downinter?: number;
  /** Passing checks in a row that bring a down server up. @default 2 */
  readonly rise?: number;
  /** Failing checks in a row that bring an up server down. @default 3 */
  readonly fall?: number;
  /** `timeout check`: milliseconds a check may take. @default inter */
  readonly timeout?: number;
  /** `spread-checks`: each delay is moved by up to this percent either way. @default 0 */
  readonly spread?: number;
}

/** Envoy's `health_checks` entry of a cluster (defaults: Envoy requires interval and timeout; ours are sensible). */
export interface EnvoyCheckConfig {
  /** Milliseconds between checks. @default 5000 */
  readonly interval?: number;
  /** Milliseconds between checks of an unhealthy host. @default interval */
  readonly unhealthyInterval?: number;
  /** Milliseconds a check may take. @default 1000 */
  readonly timeout?: number;
  /** Passing checks in a row that make an unhealthy host healthy (its very first check excepted). @default 1 */
  readonly healthyThreshold?: number;
  /** Timeouts or network failures in a row that make a healthy host unhealthy. @default 3 */
  readonly unhealthyThreshold?: number;
  /** `interval_jitter_percent`: up to this percent of the interval is added to each delay. @default 0 */
  readonly jitterPercent?: number;
}

export interface CheckerOptions {
  /** Where the jitter comes from. @default Math.random */
  readonly random?: Random;
}
// #endregion
