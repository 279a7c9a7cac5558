// Every strategy of chapter 09 by name: the one place a config ("strategy: p2c") becomes a Strategy, for the proxy
// (balanced.ts), the simulator (sim.ts), the demo, the notebook and the benchmark. Built in chapter 09.
import type { Backend } from "../08-tcp-proxy/balancer";
import { Maglev } from "./maglev";
import { PeakEwma } from "./peak-ewma";
import { PowerOfChoices } from "./p2c";
import { RingHash } from "./ring-hash";
import { LeastConnections, RandomPick, RoundRobin, WeightedRandom } from "./simple";
import { SmoothWeighted } from "./smooth-wrr";
import type { Strategy, StrategyOptions } from "./strategy";

// #region config
export const STRATEGY_NAMES = [
  "round-robin",
  "smooth-weighted",
  "random",
  "weighted-random",
  "least-connections",
  "p2c",
  "peak-ewma",
  "ring-hash",
  "maglev",
] as const;
export type StrategyName = (typeof STRATEGY_NAMES)[number];

/** A strategy as a config names it, with the options of the strategies that have some. */
export interface StrategyConfig {
  readonly name: StrategyName;
  /** smooth-weighted: nginx's max_fails. */
  readonly maxFails?: number;
  /** p2c: backends sampled per pick (the supermarket model's d). */
  readonly choiceCount?: number;
  /** p2c with unequal weights: Envoy's active_request_bias. */
  readonly activeRequestBias?: number;
  /** peak-ewma: τ in milliseconds. */
  readonly decay?: number;
  /** ring-hash: points per unit of weight, and the ε of bounded loads. */
  readonly vnodes?: number;
  readonly boundedLoad?: number | null;
  /** maglev: the table size, a prime. */
  readonly tableSize?: number;
}

/** A new strategy over `backends`, as `config` says. A name that is not a strategy throws. */
export function makeStrategy(config: StrategyConfig | StrategyName, backends: readonly Backend[], options: StrategyOptions = {}): Strategy {
  const c: StrategyConfig = typeof config === "string" ? { name: config } : config;
  switch (c.name) {
    case "round-robin":
      return new RoundRobin(backends, options);
    case "smooth-weighted":
      return new SmoothWeighted(backends, { ...options, maxFails: c.maxFails });
    case "random":
      return new RandomPick(backends, options);
    case "weighted-random":
      return new WeightedRandom(backends, options);
    case "least-connections":
      return new LeastConnections(backends, options);
    case "p2c":
      return new PowerOfChoices(backends, { ...options, choiceCount: c.choiceCount, activeRequestBias: c.activeRequestBias });
    case "peak-ewma":
      return new PeakEwma(backends, { ...options, decay: c.decay });
    case "ring-hash":
      return new RingHash(backends, { ...options, vnodes: c.vnodes, boundedLoad: c.boundedLoad });
    case "maglev":
      return new Maglev(backends, { ...options, tableSize: c.tableSize });
    default:
      throw new Error(`unknown strategy "${String((c as { name: unknown }).name)}": use one of ${STRATEGY_NAMES.join(", ")}`);
  }
}
// #endregion
