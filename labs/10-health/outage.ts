// Runs the chapter's two experiments (scenarios.ts) and prints their tables. Built in chapter 10.
// `npx tsx solutions/10-health/outage.ts --write` regenerates bench/results/health-sim.json, which the site draws and
// the chapter's tables are read from.
import { writeFileSync } from "node:fs";
import { BROWNOUT, BROWNOUT_SETUPS, OUTAGE, OUTAGE_SETUPS, runSetups } from "./scenarios";
import type { OutageReport } from "./sim";


const pct = (r: OutageReport): number => +((100 * (r.during.requests - r.during.failed)) / r.during.requests).toFixed(2);
const perRequest = (r: OutageReport): number => +(r.during.attempts / r.during.requests).toFixed(2);

/** The results in the shape of bench/results/*.json, which the site draws. */
function resultsFile(outage: { name: string; report: OutageReport }[], brownout: { name: string; report: OutageReport }[]): unknown {
  const rows = [
    ...outage.map(({ name, report: r }) => ({ case: "outage: requests failed", system: name, value: r.failed, unit: "requests", better: "lower" })),
    ...outage.filter(({ report: r }) => r.timeToEject !== null).map(({ name, report: r }) => ({ case: "outage: time to take the backend out", system: name, value: r.timeToEject!, unit: "ms", better: "lower" })),
    ...outage.filter(({ report: r }) => r.timeToEject !== null && r.timeToRecover !== null).map(({ name, report: r }) => ({ case: "outage: time to use it again once it is back", system: name, value: r.timeToRecover!, unit: "ms", better: "lower" })),
    ...outage.map(({ name, report: r }) => ({ case: "outage: tries per request during the outage", system: name, value: perRequest(r), unit: "tries", better: "lower" })),
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
      "Outage: 10 backends, 500 requests/s, 10 ms answers; backend 1 refuses every connection from 30 s to 60 s. Checks: HAProxy's, inter 2 s, rise 2, fall 3. Ejection: Envoy's defaults (5 in a row, 10 s interval, 30 s base). Retries: 2, with Envoy's budget unless the setup says otherwise.",
      "Brownout: every backend serves 100 requests/s, then 25/s from 30 s to 60 s while 50/s each keep coming; a refusal costs a fifth of a request's work. Figures are for requests that arrived during the brownout.",
    ],
  };
}

if (process.argv[1]?.endsWith("outage.ts")) {
  const outage = runSetups(OUTAGE, OUTAGE_SETUPS);
  const brownout = runSetups(BROWNOUT, BROWNOUT_SETUPS);
  const ms = (x: number | null) => (x === null ? "—" : `${(x / 1000).toFixed(1)} s`);
  for (const { name, report: r } of outage) console.log(`| ${name} | ${r.failed} | ${ms(r.timeToEject)} | ${r.timeToEject === null ? "—" : ms(r.timeToRecover)} | ${perRequest(r)} |`);
  for (const { name, report: r } of brownout) console.log(`| ${name} | ${pct(r)}% | ${perRequest(r)} |`);
  if (process.argv.includes("--write")) writeFileSync(new URL("../../bench/results/health-sim.json", import.meta.url), `${JSON.stringify(resultsFile(outage, brownout), null, 2)}\n`);
}
