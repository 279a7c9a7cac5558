// `npm run drill`: the chaos drill from the command line. Chapter 14. `npm run lab 14 drill -- …` runs the one in
// your lab (labs/14-capstone), with the same options.
//
//   npm run drill                      the default scenario, seed 14, with retries on and then off
//   npm run drill -- --seed 7          another seed (the same seed always prints the same report)
//   npm run drill -- --seeds 1..20     every seed of a range, retries on; a failing one is named with its replay
//   npm run drill -- --quick           the short scenario (20 s) instead of the default (60 s); with any of these
//   npm run drill -- --no-retries      retries off only (the verdict then fails: requests are lost)
//   npm run drill -- --real            the short version on loopback: real sockets, at most 500 requests and 10 s
//   npm run drill -- --write           also writes the default seed's report to bench/results/drill.json
//
// Exits 1 when a drill fails its verdict (a request lost, a backend never taken out or never back): with retries on,
// or with retries off when --no-retries asked for that run alone; on loopback (--real), when a request was lost.
import { writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { DRILL_COMMAND, replayCommand, runDrill, runSeeds, seedLine } from "./drill";
import { REAL_LIMITS, REAL_SCENARIO, runRealDrill } from "./drill-real";
import { formatReport, type DrillReport } from "./drill-report";
import { DEFAULT_SCENARIO, QUICK_SCENARIO, type Scenario } from "./drill-scenario";

/** "7" → [7]; "1..20" → [1, 2, …, 20]. A range of at most 1,000 seeds. */
export function parseSeeds(text: string): number[] {
  const m = /^(\d+)(?:\.\.(\d+))?$/.exec(text.trim());
  if (!m) throw new Error(`--seeds: expected a seed or a range such as 1..20, not "${text}"`);
  const from = Number(m[1]);
  const to = m[2] === undefined ? from : Number(m[2]);
  if (to < from) throw new Error(`--seeds: the range ${text} is empty`);
  if (to - from >= 1000) throw new Error(`--seeds: at most 1,000 seeds at once, not ${to - from + 1}`);
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

/** The results file of the default seed: both runs, in the shape of bench/results/*.json. */
function resultsFile(scenario: Scenario, on: DrillReport, off: DrillReport): unknown {
  const rows = [on, off].flatMap((r) => {
    const system = r.retries ? "retries on" : "retries off";
    return [
      { case: "requests lost", system, value: r.lost, unit: "requests", better: "lower" },
      ...r.windows.flatMap((w) => [
        ...(w.p99 === null ? [] : [{ case: `${w.name}: p99`, system, value: w.p99, unit: "ms", better: "lower" }]),
        { case: `${w.name}: lost`, system, value: w.lost, unit: "requests", better: "lower" },
        ...(w.outAfter === null ? [] : [{ case: `${w.name}: taken out after`, system, value: w.outAfter, unit: "ms", better: "lower" }]),
        ...(w.backAfter === null ? [] : [{ case: `${w.name}: back after`, system, value: w.backAfter, unit: "ms", better: "lower" }]),
      ]),
    ];
  });
  return {
    suite: "drill",
    title: "The chaos drill of chapter 14, seed " + scenario.seed + ", simulated",
    subject: "retries on",
    machine: "a simulation on the hub's virtual clock: the same on every machine",
    rows,
    reports: { retriesOn: on, retriesOff: off },
    scenario,
    notes: [
      "Not a benchmark: a seeded simulation (npm run drill -- --write), the same on every run.",
      `${scenario.backends.length} backends, ${scenario.rate} requests/s (Poisson) for ${scenario.duration / 1000} s; faults: ${scenario.faults.map((f) => `${f.kind} at ${f.at / 1000} s`).join(", ")}.`,
    ],
  };
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      seed: { type: "string" },
      seeds: { type: "string" },
      real: { type: "boolean", default: false },
      write: { type: "boolean", default: false },
      quick: { type: "boolean", default: false },
      "no-retries": { type: "boolean", default: false },
    },
  });
  const base = values.quick ? QUICK_SCENARIO : DEFAULT_SCENARIO;
  // `npm run lab 14 drill` names itself in LAB_COMMAND (tools/lab.ts): a replay line then runs the same code.
  const replay = { quick: values.quick, retries: !values["no-retries"], command: process.env.LAB_COMMAND || DRILL_COMMAND };
  if (values.write && (values.quick || values["no-retries"] || values.seeds !== undefined || values.real)) {
    throw new Error("--write writes the default scenario's report, with retries on and off: give it alone, or with --seed");
  }
  if (values.real) {
    console.log(`The loopback drill: real sockets on 127.0.0.1, at most ${REAL_LIMITS.requests} requests and ${REAL_LIMITS.milliseconds / 1000} s.`);
    const report = await runRealDrill(REAL_SCENARIO, { retries: true });
    console.log(formatReport(report).replace(/^seed \d+, /, ""));
    // Only what loopback can promise: nothing lost. How fast a backend comes back depends on real timing (an
    // ejection lasts 5 s, longer than this run), so the times are shown, not judged.
    const problems = report.lost > 0 ? [`${report.lost} of ${report.sent} requests lost`] : [];
    console.log(problems.length === 0 ? "\npassed" : `\nFAILED: ${problems.join("; ")}`);
    return problems.length === 0 ? 0 : 1;
  }
  if (values.seeds !== undefined) {
    const seeds = parseSeeds(values.seeds);
    console.log(`The ${values.quick ? "quick" : "default"} scenario with ${seeds.length} seeds, retries ${replay.retries ? "on" : "off"}.`);
    let failed = 0;
    for (const seed of seeds) {
      const [r] = runSeeds(base, [seed], { retries: replay.retries }); // one at a time: each line shows when known
      if (r!.problems.length > 0) failed++;
      console.log(seedLine(r!, replay));
    }
    console.log(`\n${seeds.length - failed} of ${seeds.length} seeds passed`);
    return failed === 0 ? 0 : 1;
  }
  const seed = values.seed === undefined ? base.seed : parseSeeds(values.seed)[0]!;
  const scenario = { ...base, seed };
  console.log(`The ${values.quick ? "quick" : "default"} scenario, seed ${seed} (another: ${replay.command} --seed N):`);
  for (const f of scenario.faults) console.log(`  ${JSON.stringify(f)}`);
  if (!replay.retries) {
    const off = runDrill(scenario, { retries: false });
    console.log(`\n${formatReport(off.report)}\n\n${seedLine({ seed, ...off }, replay)}`);
    return off.problems.length === 0 ? 0 : 1;
  }
  const on = runDrill(scenario, { retries: true });
  const off = runDrill(scenario, { retries: false });
  console.log(`\n${formatReport(on.report)}\n\n${formatReport(off.report)}\n`);
  console.log(on.problems.length === 0 ? "passed (with retries on)" : `FAILED (with retries on): ${on.problems.join("; ")}\n  replay: ${replayCommand(seed, replay)}`);
  if (values.write) {
    const file = new URL("../../bench/results/drill.json", import.meta.url);
    writeFileSync(file, `${JSON.stringify(resultsFile(scenario, on.report, off.report), null, 2)}\n`);
    console.log("wrote bench/results/drill.json");
  }
  return on.problems.length === 0 ? 0 : 1;
}

if (process.argv[1]?.endsWith("drill-cli.ts")) {
  main().then(
    (code) => process.exit(code),
    (e: unknown) => {
      console.error(e instanceof Error ? e.message : e);
      process.exit(2);
    },
  );
}
