// Connecting to a backend: a connect timeout, failover to the next backend, and a cool-down for a backend that
// keeps failing. Built in chapter 08; chapter 10 replaces the cool-down with real health checks.
import type { Green } from "../02-hub/suspend";
import { getHub } from "../02-hub/hub";
import { SocketError } from "../05-green-sockets/errors";
import type { Network, Socket } from "../05-green-sockets/socket";
import type { Backend, Balancer } from "./balancer";
import { NoBackendError } from "./errors";
import type { Stats } from "./stats";

// #region failover-options
export interface FailoverOptions {
  /** Milliseconds a connection attempt may take before the next backend is tried. @default 1000 */
  readonly connectTimeout?: number;
  /** Attempts per client, each on a different backend. @default every backend once */
  readonly attempts?: number;
  /** Failures in a row after which a backend is skipped for `cooldown`. @default 3 */
  readonly maxFails?: number;
  /** Milliseconds a backend that keeps failing is skipped. @default 10000 */
  readonly cooldown?: number;
}

/** A connection to a backend, and which backend it is. */
export interface Upstream {
  readonly backend: Backend;
  readonly sock: Socket;
}
// #endregion

// #region connect-backend
/**
 * Connects to the backend the balancer picks; when that fails (refused, timed out, unreachable), records the
 * failure and tries the next pick, each backend at most once. Throws NoBackendError when no attempt succeeded.
 */
export function* connectBackend(
  network: Network,
  balancer: Balancer,
  stats: ReadonlyMap<Backend, Stats>,
  options: FailoverOptions = {},
): Green<Upstream> {
  // TODO(task 3): connectBackend. See README.md.
  throw new Error("not implemented yet — lab 08-tcp-proxy, task 3: connectBackend");
}
// #endregion
