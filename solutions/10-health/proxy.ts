// Chapter 08's proxy with chapter 09's strategies, made healthy: active checks, outlier ejection, a circuit
// breaker, and retries with backoff and a budget — each chosen in the options. Built in chapter 10.
import { getHub } from "../02-hub/hub";
import { sleep } from "../02-hub/green";
import type { Green } from "../02-hub/suspend";
import { spawn, type GreenThread } from "../03-cancellation/greenthread";
import type { Random } from "../05-green-sockets/random";
import type { Backend } from "../08-tcp-proxy/balancer";
import { Proxy, type ProxyOptions } from "../08-tcp-proxy/proxy";
import { feedbackNetwork } from "../09-strategies/balanced";
import { makeStrategy, type StrategyConfig, type StrategyName } from "../09-strategies/strategies";
import type { Strategy } from "../09-strategies/strategy";
import { CircuitBreaker, type BreakerLimits } from "./breaker";
import { makeBudget, type BudgetConfig, type RetryBudget } from "./budget";
import type { CheckerConfig } from "./checker";
import { allOf, HealthyBalancer, type HealthView } from "./healthy";
import { HealthMonitor } from "./monitor";
import { OutlierDetector, type OutlierConfig } from "./outlier";
import type { Probe } from "./probe";
import { resilientNetwork, type ResilienceCounters } from "./resilient";

// #region healthy-proxy-options
export interface HealthyProxyOptions extends Omit<ProxyOptions, "balancer" | "attempts" | "maxFails" | "cooldown"> {
  readonly backends: readonly Backend[];
  /** Chapter 09's strategy, by name or config, or one already made. @default "round-robin" */
  readonly strategy?: StrategyName | StrategyConfig | Strategy;
  /** One more view that must accept a backend before it is picked (chapter 12's membership). @default none */
  readonly admit?: HealthView;
  /** Active checks: `{ kind: "haproxy", rise: 2, fall: 3 }` or `{ kind: "envoy" }`; null: none. @default null */
  readonly health?: CheckerConfig | null;
  /** The active check. @default tcpProbe */
  readonly probe?: Probe;
  /** Outlier detection; null: none. @default Envoy's defaults */
  readonly outlier?: OutlierConfig | null;
  readonly breaker?: BreakerLimits;
  readonly retry?: {
    /** Retries per connection, each to a different backend. @default 1 */
    readonly maxRetries?: number;
    /** @default { kind: "envoy" }; null: no budget (only the breaker's maxRetries) */
    readonly budget?: BudgetConfig | null;
    /** Full-jitter backoff base and cap, milliseconds. @default 25 and 250 */
    readonly baseInterval?: number;
    readonly maxInterval?: number;
  };
  /** Where every random choice comes from. @default Math.random */
  readonly random?: Random;
}

export interface HealthyProxy {
  readonly proxy: Proxy;
  readonly strategy: Strategy;
  readonly monitor: HealthMonitor | null;
  readonly outlier: OutlierDetector | null;
  readonly breaker: CircuitBreaker;
  readonly budget: RetryBudget | null;
  readonly counters: ResilienceCounters;
  /** Whether `b` may get traffic now. */
  usable(b: Backend): boolean;
  /** Stops the checks and the outlier sweeps (the proxy's own shutdown is `proxy.shutdown`). */
  stop(): Green<void>;
}
// #endregion

// #region start-healthy-proxy
export function* startHealthyProxy(options: HealthyProxyOptions): Green<HealthyProxy> {
  const hub = getHub();
  const now = (): number => hub.now();
  const random = options.random ?? Math.random;
  const chosen = options.strategy ?? "round-robin";
  const strategy = typeof chosen === "object" && "pick" in chosen ? chosen : makeStrategy(chosen, options.backends, { random, now });
  const monitor = options.health ? new HealthMonitor(options.network, options.backends, options.health, { probe: options.probe, random }) : null;
  const outlier = options.outlier === null ? null : new OutlierDetector(options.backends, options.outlier, { now, random });
  const breaker = new CircuitBreaker(options.breaker);
  const budget = options.retry?.budget === null ? null : makeBudget(options.retry?.budget ?? { kind: "envoy" }, now);
  const counters: ResilienceCounters = { retries: 0, budgetDenied: 0, backoff: 0 };
  const usable = allOf(
    (b) => monitor?.healthy(b) ?? true,
    (b) => !(outlier?.isEjected(b) ?? false),
    options.admit ?? (() => true),
  );
  const network = resilientNetwork(feedbackNetwork(options.network, strategy), {
    backends: () => strategy.backends,
    breaker,
    budget,
    outlier,
    baseInterval: options.retry?.baseInterval ?? 25,
    maxInterval: options.retry?.maxInterval ?? 250,
    random,
    counters,
  });
  const proxy = yield* Proxy.start({
    ...options,
    balancer: new HealthyBalancer(strategy, usable),
    network,
    attempts: 1 + (options.retry?.maxRetries ?? 1),
    maxFails: Infinity, // chapter 08's cool-down is replaced by the checks and the ejections
  });
  monitor?.start();
  let sweeper: GreenThread<void> | null = null;
  if (outlier !== null) {
    sweeper = spawn(function* sweep() {
      for (;;) {
        yield* sleep(outlier.config.interval);
        outlier.tick();
      }
    });
  }
  return {
    proxy,
    strategy,
    monitor,
    outlier,
    breaker,
    budget,
    counters,
    usable,
    *stop() {
      yield* monitor?.stop() ?? [];
      if (sweeper !== null) yield* sweeper.kill();
    },
  };
}
// #endregion
