// The balancer a chaos drill runs against, behind one small contract, so the drill does not care how the
// balancer is put together. Chapter 14.
import type { Green } from "../02-hub/suspend";
import type { Random } from "../05-green-sockets/random";
import type { Address, Network } from "../05-green-sockets/socket";
import type { Backend } from "../08-tcp-proxy/balancer";
import { startHttpProxy } from "../11-http-proxy/proxy";

// #region target
/** A running balancer, as the drill sees it. */
export interface DrillTarget {
  /** Where clients send their requests. */
  readonly address: Address;
  /** Whether the balancer would send a new request to backend `name` now (false for one it does not have). */
  usable(name: string): boolean;
  /** Reloads a config whose only change is the set of backends. */
  reload(backends: readonly Backend[]): Green<void>;
  stop(): Green<void>;
}

export interface TargetOptions {
  /** The balancer's host: it listens there and reaches its backends from there. */
  readonly network: Network;
  readonly listen: Address;
  readonly backends: readonly Backend[];
  /** Retries on another backend (2 of them), or none. */
  readonly retries: boolean;
  readonly random: Random;
}

export type StartTarget = (options: TargetOptions) => Green<DrillTarget>;
// #endregion

/** The settings the drill runs the balancer with: health checks, outlier detection and retries, all of them. */
export const DRILL_SETTINGS = {
  health: { kind: "haproxy", inter: 1000, fastinter: 250, downinter: 1000, rise: 2, fall: 2, timeout: 250 },
  outlier: { interval: 1000, baseEjectionTime: 5000, consecutiveGatewayFailure: 3, consecutive5xx: 3, maxEjectionPercent: 50 },
  limits: { connectTimeout: 250, serverTimeout: 1000 },
  retries: 2,
} as const;

/** Chapter 11's HTTP proxy with chapter 10's checks, ejection and retries; a reload adds and removes backends. */
export const httpProxyTarget: StartTarget = function* (o) {
  const proxy = yield* startHttpProxy({
    network: o.network,
    listen: o.listen,
    backends: o.backends,
    random: o.random,
    health: DRILL_SETTINGS.health,
    outlier: DRILL_SETTINGS.outlier,
    limits: DRILL_SETTINGS.limits,
    retry: o.retries ? { maxRetries: DRILL_SETTINGS.retries, budget: { kind: "envoy" } } : { maxRetries: 0 },
  });
  let current = new Map(o.backends.map((b) => [b.name, b]));
  return {
    address: proxy.address,
    usable: (name) => {
      const b = current.get(name);
      return b !== undefined && proxy.usable(b);
    },
    *reload(backends) {
      const next = new Map(backends.map((b) => [b.name, b]));
      for (const [name, b] of current) if (!next.has(name)) proxy.removeBackend(b);
      for (const [name, b] of next) if (!current.has(name)) proxy.addBackend(b);
      current = next;
    },
    *stop() {
      yield* proxy.shutdown(0);
    },
  };
};
