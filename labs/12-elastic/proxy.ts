// Chapter 10's healthy proxy with a backend set that changes while it runs: the membership (membership.ts) adds,
// drains and reweights backends, and the proxy follows through three hooks. Built in chapter 12.
import { getHub } from "../02-hub/hub";
import type { Green } from "../02-hub/suspend";
import type { Backend } from "../08-tcp-proxy/balancer";
import type { ShutdownReport } from "../08-tcp-proxy/proxy";
import { newStats } from "../08-tcp-proxy/stats";
import { makeStrategy, type StrategyConfig, type StrategyName } from "../09-strategies/strategies";
import { weightOf } from "../09-strategies/strategy";
import { startHealthyProxy, type HealthyProxy, type HealthyProxyOptions } from "../10-health/proxy";
import { LiveWeighted } from "./live-weighted";
import { Membership, type MembershipOptions } from "./membership";

// #region elastic-options
export interface ElasticProxyOptions extends Omit<HealthyProxyOptions, "strategy" | "admit">, MembershipOptions {
  /**
   * "live-weighted" (smooth weighted round robin reading each backend's weight now: slow start and weights set at
   * run time take effect at once), or any of chapter 09's strategies, which see backends come and go but read a
   * weight only when a backend joins. @default "live-weighted"
   */
  readonly strategy?: "live-weighted" | StrategyName | StrategyConfig;
}

export interface ElasticProxy extends HealthyProxy {
  readonly membership: Membership;
  /**
   * The graceful stop: stops accepting, drains every backend (the same path as a drain through the admin API, with
   * `grace` as the deadline), and returns once every connection has ended or been cut.
   */
  shutdown(grace: number): Green<ShutdownReport>;
}
// #endregion

// #region start-elastic
export function* startElasticProxy(options: ElasticProxyOptions): Green<ElasticProxy> {
  const hub = getHub();
  const membership = new Membership(options);
  for (const b of options.backends) membership.add(b, { weight: weightOf(b), source: "config", initial: true });
  const chosen = options.strategy ?? "live-weighted";
  const strategy =
    chosen === "live-weighted"
      ? new LiveWeighted(options.backends, (b) => membership.weightNow(b), { random: options.random, now: () => hub.now() })
      : makeStrategy(chosen, options.backends, { random: options.random, now: () => hub.now() });
  const hp = yield* startHealthyProxy({
    ...options,
    strategy,
    admit: (b) => membership.usable(b),
    // Simplification: chapter 10's active checks connect through this network too, so a check's connection counts
    // among its backend's connections while it lasts (milliseconds); a production proxy would count traffic only.
    network: membership.network(options.network),
  });
  membership.attach({
    joined(b: Backend) {
      hp.proxy.stats.set(b, newStats()); // before the strategy may pick it: the proxy reads its counters
      hp.outlier?.add(b);
      hp.monitor?.add(b);
      strategy.add(b);
    },
    leaving(b: Backend) {
      strategy.remove(b);
    },
    forgotten(b: Backend) {
      hp.monitor?.remove(b);
      hp.outlier?.remove(b);
      hp.proxy.stats.delete(b);
    },
  });
  return {
    ...hp,
    membership,
    *shutdown(grace: number): Green<ShutdownReport> {
      const open = hp.proxy.connections.size;
      hp.proxy.listener.close();
      const cutBefore = membership.cut;
      yield* membership.drainAll(grace);
      const report = yield* hp.proxy.shutdown(0); // every backend is gone: only clients still connecting are left
      yield* hp.stop();
      const cut = membership.cut - cutBefore + report.cut;
      return { finished: Math.max(0, open - cut), cut };
    },
  };
}
// #endregion
