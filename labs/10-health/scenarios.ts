// The chapter's two experiments for the simulator: a backend that fails for 30 s, and a brownout that retries turn
// into a storm unless a budget holds them back. Built in chapter 10; outage.ts runs them and writes the results,
// the notebook runs them with your changes.
import { simulateOutage, type OutageConfig, type OutageReport } from "./sim";

// #region outage
const CHECKS = { kind: "haproxy", inter: 2000, rise: 2, fall: 3 } as const;

/** One of 10 backends is down from 30 s to 60 s, under 500 requests per second. */
export const OUTAGE: OutageConfig = {
  seed: 10,
  backends: 10,
  rate: 500,
  latency: 10,
  duration: 120_000,
  incident: { at: 30_000, for: 30_000, which: [0], kind: "down" },
};

export const OUTAGE_SETUPS: readonly [string, Partial<OutageConfig>][] = [
  ["nothing", { health: null, outlier: null, retry: null }],
  ["active checks", { health: CHECKS, outlier: null, retry: null }],
  ["checks + ejection", { health: CHECKS, outlier: {}, retry: null }],
  ["checks + ejection + retries, no budget", { health: CHECKS, outlier: {}, retry: { maxRetries: 2, budget: null } }],
  ["checks + ejection + retries", { health: CHECKS, outlier: {}, retry: { maxRetries: 2, budget: { kind: "envoy" } } }],
  ["retries alone, Envoy budget", { health: null, outlier: null, retry: { maxRetries: 2, budget: { kind: "envoy" } } }],
];

/** Every backend can serve 100 requests a second; from 30 s to 60 s only 25, while 50 a second each keep coming. */
export const BROWNOUT: OutageConfig = {
  seed: 10,
  backends: 10,
  rate: 500,
  latency: 10,
  duration: 90_000,
  capacity: 100,
  brownoutCapacity: 25,
  refusalCost: 0.2,
  incident: { at: 30_000, for: 30_000, which: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], kind: "brownout" },
  health: null,
  outlier: null,
};

export const BROWNOUT_SETUPS: readonly [string, Partial<OutageConfig>][] = [
  ["no retries", { retry: null }],
  ["3 retries, no budget", { retry: { maxRetries: 3, budget: null } }],
  ["3 retries, Envoy budget", { retry: { maxRetries: 3, budget: { kind: "envoy" } } }],
  ["3 retries, Finagle budget", { retry: { maxRetries: 3, budget: { kind: "finagle" } } }],
];

export function runSetups(base: OutageConfig, setups: readonly [string, Partial<OutageConfig>][]): { name: string; report: OutageReport }[] {
  return setups.map(([name, extra]) => ({ name, report: simulateOutage({ ...base, ...extra }) }));
}
// #endregion
