// The chapter's story, run: load rises and falls over twelve minutes and the autoscaler follows. Built in chapter 12.
// `npx tsx solutions/12-elastic/story.ts --write` regenerates bench/results/elastic-sim.json (the timeline) and
// slow-start-sim.json (the story under each slow start), which the site draws and the chapter's tables are made from.
import { writeFileSync } from "node:fs";
import { rampLoad, simulateFleet, type FleetConfig, type FleetReport } from "./sim";

// #region story
/** The story: 40 → 400 requests/s, 50 a backend as the target, Kubernetes' default behaviour, HAProxy's slow start. */
export const STORY: FleetConfig = {
  seed: 12,
  duration: 780_000,
  load: rampLoad(40, 400),
  serviceTime: 20,
  coldPenalty: 2,
  warmup: 30_000,
  boot: 5_000,
  hpa: { minReplicas: 2, maxReplicas: 12, target: 50 },
  slowStart: { kind: "haproxy", slowstart: 30_000 },
  drainTimeout: 30_000,
  sampleEvery: 30_000,
};
// #endregion

/** The same story with each slow start, to see what it buys: new backends are cold, and slow start spares them. */
export const SLOW_STARTS: { readonly name: string; readonly slowStart: FleetConfig["slowStart"] }[] = [
  { name: "no slow start", slowStart: null },
  { name: "HAProxy slowstart 30 s", slowStart: { kind: "haproxy", slowstart: 30_000 } },
  { name: "Envoy slow start 30 s", slowStart: { kind: "envoy", window: 30_000 } },
  { name: "Envoy slow start 30 s, aggression 2", slowStart: { kind: "envoy", window: 30_000, aggression: 2 } },
];

/** The mean latency of the requests answered while backends were being added (samples from 90 s to 300 s). */
export function riseLatency(r: FleetReport): number {
  const during = r.samples.filter((s) => s.t > 60 && s.t <= 300);
  const served = during.reduce((n, s) => n + s.served, 0);
  return Math.round((during.reduce((sum, s) => sum + s.meanLatency * s.served, 0) / served) * 10) / 10;
}

/** The timeline in the shape of bench/results/*.json: one row per sample and figure, which the site draws. */
export function timelineFile(r: FleetReport, c: FleetConfig): unknown {
  const at = (t: number) => `${String(t).padStart(3, " ")} s`;
  const rows = r.samples.flatMap((s) => [
    { case: "requests/s offered", system: at(s.t), value: s.offered, unit: "requests/s", better: "higher" },
    { case: "backends serving", system: at(s.t), value: s.active, unit: "backends", better: "lower" },
    { case: "of which slow-starting", system: at(s.t), value: s.warming, unit: "backends", better: "lower" },
    { case: "mean latency", system: at(s.t), value: s.meanLatency, unit: "ms", better: "lower" },
  ]);
  return {
    suite: "elastic-sim",
    title: "Load rises and falls; an autoscaler adds, slow-starts, drains and removes backends (chapter 12)",
    machine: "a simulation on the hub's virtual clock: the same on every machine",
    rows,
    notes: [
      "Not a benchmark: a seeded simulation (solutions/12-elastic/story.ts), the same on every run.",
      `${r.requests} requests through the elastic proxy on the simulated network; ${r.failed} failed, ${r.cut} connections cut by a drain's deadline; at most ${r.peak} backends.`,
      `Load ${c.load(0)} → ${c.load(200_000)} → ${c.load(700_000)} requests/s; target ${c.hpa.target} requests/s a backend; the HPA's defaults (tolerance 0.1, scale-down window 300 s, scale up 100% or 4 pods per 15 s) every 15 s; a new backend boots in ${c.boot / 1000} s, is ${c.coldPenalty + 1}× slower at first and warms over ${c.warmup / 1000} s; HAProxy's slowstart ${c.slowStart?.kind === "haproxy" ? c.slowStart.slowstart / 1000 : 0} s.`,
    ],
  };
}

/** The same story under each slow start, in the shape of bench/results/*.json. */
export function slowStartFile(compared: readonly { name: string; report: FleetReport }[]): unknown {
  return {
    suite: "slow-start-sim",
    title: "The same story with no slow start, HAProxy's and Envoy's (chapter 12)",
    subject: "HAProxy slowstart 30 s",
    machine: "a simulation on the hub's virtual clock: the same on every machine",
    rows: [
      ...compared.map(({ name, report }) => ({ case: "mean latency while scaling up (60–300 s)", system: name, value: riseLatency(report), unit: "ms", better: "lower" })),
      ...compared.map(({ name, report }) => ({ case: "failed requests, whole run", system: name, value: report.failed, unit: "requests", better: "lower" })),
      ...compared.map(({ name, report }) => ({ case: "requests, whole run", system: name, value: report.requests, unit: "requests", better: "higher" })),
    ],
    notes: ["Not a benchmark: a seeded simulation (solutions/12-elastic/story.ts), the same on every run: the story of elastic-sim under each slow start."],
  };
}

if (process.argv[1]?.endsWith("story.ts")) {
  const compared = SLOW_STARTS.map(({ name, slowStart }) => ({ name, report: simulateFleet({ ...STORY, slowStart }) }));
  for (const { name, report } of compared) console.log(`| ${name} | ${riseLatency(report)} ms | ${report.failed} |`);
  const r = compared[1]!.report;
  for (const s of r.samples) {
    console.log(`${String(s.t).padStart(4)} s  offered ${String(s.offered).padStart(3)}/s  served ${String(s.served).padStart(3)}/s  backends ${s.active} (${s.warming} warming, ${s.draining} draining, ${s.booting} booting)  mean ${s.meanLatency} ms`);
  }
  console.log(`${r.requests} requests, ${r.failed} failed, ${r.cut} cut; peak ${r.peak} backends`);
  if (process.argv.includes("--write")) {
    writeFileSync(new URL("../../bench/results/elastic-sim.json", import.meta.url), `${JSON.stringify(timelineFile(r, STORY), null, 2)}\n`);
    writeFileSync(new URL("../../bench/results/slow-start-sim.json", import.meta.url), `${JSON.stringify(slowStartFile(compared), null, 2)}\n`);
  }
}
