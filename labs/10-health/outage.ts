// The chapter's two experiments in the simulator: a backend that fails for 30 s, and a brownout that retries turn
// into a storm unless a budget holds them back. Built in chapter 10. `npx tsx solutions/10-health/outage.ts --write`
// regenerates bench/results/health-sim.json, which the site draws and the chapter's tables are read from.
import { writeFileSync } from "node:fs";
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
  ["checks + ejection + retries", { health: CHECKS, outlier: {}, retry: { maxRetries: 2, budget: { kind: "envoy" } } }],
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

const pct = (r: OutageReport): number => +((100 * (r.during.requests - r.during.failed)) / r.during.requests).toFixed(2);
const perRequest = (r: OutageReport): number => +(r.during.attempts / r.during.requests).toFixed(2);

/** The results in the shape of bench/results/*.json, which the site draws. */
function resultsFile(outage: { name: string; report: OutageReport }[], brownout: { name: string; report: OutageReport }[]): unknown {
  const rows = [
    ...outage.map(({ name, report: r }) => ({ case: "outage: requests failed", system: name, value: r.failed, unit: "requests", better: "lower" })),
    ...outage.filter(({ report: r }) => r.timeToEject !== null).map(({ name, report: r }) => ({ case: "outage: time to take the backend out", system: name, value: r.timeToEject!, unit: "ms", better: "lower" })),
    ...outage.filter(({ report: r }) => r.timeToEject !== null && r.timeToRecover !== null).map(({ name, report: r }) => ({ case: "outage: time to use it again once it is back", system: name, value: r.timeToRecover!, unit: "ms", better: "lower" })),
    ...brownout.map(({ name, report: r }) => ({ case: "brownout: requests that succeed", system: name, value: pct(r), unit: "%", better: "higher" })),
    ...brownout.map(({ name, report: r }) => ({ case: "brownout: tries per request", system: name, value: perRequest(r), unit: "tries", better: "lower" })),
  ];
  return {
    suite: "health-sim",
    title: "A backend down, and a brownout: checks, ejection, retries and budgets, simulated (chapter 10)",
    subject: "checks + ejection + retries",
    machine: "a simulation on the hub's virtual clock: the same on every machine",
    rows,
    seconds: [...outage, ...brownout].map(({ name, report }) => ({ system: name, seconds: report.seconds })),
    notes: [
      "Not a benchmark: a seeded simulation (solutions/10-health/outage.ts), the same on every run.",
      "Outage: 10 backends, 500 requests/s, 10 ms answers; backend 1 refuses every connection from 30 s to 60 s. Checks: HAProxy's, inter 2 s, rise 2, fall 3. Ejection: Envoy's defaults (5 in a row, 10 s interval, 30 s base). Retries: 2, Envoy's budget.",
      "Brownout: every backend serves 100 requests/s, then 25/s from 30 s to 60 s while 50/s each keep coming; a refusal costs a fifth of a request's work. Figures are for requests that arrived during the brownout.",
    ],
  };
}

if (process.argv[1]?.endsWith("outage.ts")) {
  const outage = runSetups(OUTAGE, OUTAGE_SETUPS);
  const brownout = runSetups(BROWNOUT, BROWNOUT_SETUPS);
  const ms = (x: number | null) => (x === null ? "—" : `${(x / 1000).toFixed(1)} s`);
  for (const { name, report: r } of outage) console.log(`| ${name} | ${r.failed} | ${ms(r.timeToEject)} | ${r.timeToEject === null ? "—" : ms(r.timeToRecover)} | ${(r.attempts / r.requests).toFixed(3)} |`);
  for (const { name, report: r } of brownout) console.log(`| ${name} | ${pct(r)}% | ${perRequest(r)} |`);
  if (process.argv.includes("--write")) writeFileSync(new URL("../../bench/results/health-sim.json", import.meta.url), `${JSON.stringify(resultsFile(outage, brownout), null, 2)}\n`);
}
