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
  // BEGIN SOLUTION 3 connectBackend
  const hub = getHub();
  const timeout = options.connectTimeout ?? 1000;
  const maxFails = options.maxFails ?? 3;
  const cooldown = options.cooldown ?? 10_000;
  const attempts = options.attempts ?? balancer.backends.length;
  const tried = new Set<Backend>();
  let last: unknown = null;
  for (let i = 0; i < attempts; i++) {
    // Usable: not tried yet and not cooling down. Written in the call: `const usable = (b) => …` would be named
    // with Object.defineProperty under tsx (esbuild's keepNames), once for every connection.
    const backend = balancer.pick((b) => !tried.has(b) && hub.now() >= stats.get(b)!.skipUntil);
    if (backend === null) break; // every backend tried or cooling down
    tried.add(backend);
    const s = stats.get(backend)!;
    try {
      const sock = yield* network.connect(backend.address, { timeout });
      s.failStreak = 0;
      return { backend, sock };
    } catch (e) {
      if (!(e instanceof SocketError)) throw e; // a kill or a bug: not the backend's fault
      last = e;
      s.connectFailures++;
      // Simplification: a production proxy would back off exponentially and probe a cooled-down backend
      // with one connection (half-open) before trusting it again; chapter 10 does health checks properly.
      if (++s.failStreak >= maxFails) s.skipUntil = hub.now() + cooldown;
    }
  }
  // Simplification: a production proxy would have a panic mode (Envoy's panic threshold): with every backend cooling
  // down, try them all anyway rather than turn every client away.
  const why = last instanceof Error ? `: last error ${last.message}` : ": every backend is cooling down";
  throw new NoBackendError(`no backend took the connection after ${tried.size} attempt(s)${why}`);
  // END SOLUTION
}
// #endregion
