// Linkerd's "Beyond Round Robin" experiment (2016), in the simulator: 11 backends, one turns slow for a while, and
// the share of requests answered within a timeout under round robin, least loaded and peak EWMA. Built in chapter
// 09. `npx tsx solutions/09-strategies/experiment.ts --write` regenerates bench/results/strategies-sim.json, which
// the site renders and the chapter's table is read from.
import { writeFileSync } from "node:fs";
import { simulate, type SimConfig, type SimReport } from "./sim";
import type { StrategyName } from "./strategies";

// #region experiment
/** The setup: 11 servers at 70% load, 10 ms per request; server 1 works ten times slower from 20 s to 40 s. */
export const LINKERD: Omit<SimConfig, "strategy"> = {
  seed: 2016,
  servers: 11,
  load: 0.7,
  meanService: 10,
  duration: 60_000,
  warmup: 1000,
  timeout: 100,
  window: 2000,
  speedChanges: [
    { at: 20_000, server: 0, speed: 0.1 },
    { at: 40_000, server: 0, speed: 1 },
  ],
};

/** The strategies compared: Linkerd's three (least loaded is Finagle's P2C on requests in flight), and nginx's least_conn. */
export const COMPARED: readonly StrategyName[] = ["round-robin", "least-connections", "p2c", "peak-ewma"];

/** Runs the experiment once per strategy, on the same arrivals. */
export function linkerdExperiment(setup: Omit<SimConfig, "strategy"> = LINKERD, strategies = COMPARED): { strategy: StrategyName; report: SimReport }[] {
  return strategies.map((strategy) => ({ strategy, report: simulate({ ...setup, strategy }) }));
}
// #endregion

/** The results in the shape of bench/results/*.json, which the site draws. */
function resultsFile(results: { strategy: StrategyName; report: SimReport }[]): unknown {
  const rows = results.flatMap(({ strategy, report: r }) => [
    { case: "success rate within 100 ms, whole run", system: strategy, value: +(100 * r.successRate).toFixed(2), unit: "%", better: "higher" },
    {
      case: "success rate within 100 ms, while server 1 is slow (20–40 s)",
      system: strategy,
      value: +(100 * slowWindow(r)).toFixed(2),
      unit: "%",
      better: "higher",
    },
    { case: "p99 time in system", system: strategy, value: +r.p99.toFixed(1), unit: "ms", better: "lower" },
    { case: "mean time in system", system: strategy, value: +r.mean.toFixed(2), unit: "ms", better: "lower" },
  ]);
  return {
    suite: "strategies-sim",
    title: "Linkerd's slow-backend experiment, simulated (chapter 09)",
    subject: "peak-ewma",
    machine: "a simulation on the hub's virtual clock: the same on every machine",
    rows,
    windows: results.map(({ strategy, report }) => ({ strategy, windows: report.windows })),
    notes: [
      "Not a benchmark: a seeded discrete-event simulation (solutions/09-strategies/experiment.ts), the same on every run.",
      "11 servers, Poisson arrivals at 70% load, exponential service times of mean 10 ms; server 1 serves ten times slower from 20 s to 40 s; a request fails when its time in system passes 100 ms.",
    ],
  };
}

/** The success rate of the requests that arrived while server 1 was slow. */
export function slowWindow(r: SimReport): number {
  let jobs = 0;
  let ok = 0;
  for (const w of r.windows) if (w.start >= 20_000 && w.start < 40_000) {
    jobs += w.jobs;
    ok += w.successRate * w.jobs;
  }
  return jobs ? ok / jobs : NaN;
}

if (process.argv[1]?.endsWith("experiment.ts")) {
  const results = linkerdExperiment();
  for (const { strategy, report: r } of results) {
    console.log(
      `| ${strategy} | ${(100 * r.successRate).toFixed(2)}% | ${(100 * slowWindow(r)).toFixed(2)}% | ${r.mean.toFixed(1)} | ${r.p99.toFixed(0)} |`,
    );
  }
  if (process.argv.includes("--write")) writeFileSync(new URL("../../bench/results/strategies-sim.json", import.meta.url), `${JSON.stringify(resultsFile(results), null, 2)}\n`);
}
