// The chaos drill on loopback: real sockets on 127.0.0.1, real backends in this process, the real clock. Short and
// bounded — a few seconds, a few hundred requests, a hard limit on both — and it stops by itself. Chapter 14.
//
// It cannot replay (the kernel and the clock are not seeded) and cannot cut a link (no partitions on loopback), so
// it checks less than the simulated drill: that nothing is lost when real connections are refused and reset.
import { runReal } from "../02-hub/green";
import { getHub } from "../02-hub/hub";
import { realNetwork } from "../05-green-sockets/node-network";
import { DrillBackend } from "./drill-faults";
import { summarize, type DrillReport } from "./drill-report";
import { checkScenario, type Scenario } from "./drill-scenario";
import { drill, type World } from "./drill";
import { capstoneTarget, type StartTarget } from "./drill-target";

// #region real-scenario
/** Four seconds at 60 requests a second: a kill, a slow backend, a flapping one and a reload; no partition. */
export const REAL_SCENARIO: Scenario = {
  seed: 14,
  backends: ["b1", "b2", "b3", "b4"],
  duration: 4_000,
  rate: 60,
  service: { min: 2, mean: 2 },
  clientTimeout: 5_000,
  faults: [
    { kind: "kill", backend: "b1", at: 500, for: 1_000 },
    { kind: "slow", backend: "b2", at: 1_000, for: 1_000, extra: 100 },
    { kind: "flap", backend: "b3", at: 1_500, for: 1_500, every: 500 },
    { kind: "reload", at: 3_000, for: 1_000, add: ["b5"], remove: ["b4"] },
  ],
};
// #endregion

/** Bounds of a loopback drill: past them it is refused (requests) or stopped (time). */
export const REAL_LIMITS = { requests: 500, milliseconds: 10_000 } as const;

const loopback: World = {
  clients: realNetwork,
  lb: realNetwork,
  listen: { host: "127.0.0.1", port: 0 },
  backend: (name, service) => new DrillBackend(realNetwork, name, { host: "127.0.0.1", port: 0 }, service),
  partition: null,
};

/**
 * Runs `scenario` on loopback with retries on or off; its report (times measured on the real clock, so not the
 * same twice). Refuses a scenario that would send more than REAL_LIMITS.requests on average, and fails one still
 * running after REAL_LIMITS.milliseconds.
 */
export async function runRealDrill(scenario: Scenario = REAL_SCENARIO, options: { retries?: boolean; target?: StartTarget } = {}): Promise<DrillReport> {
  checkScenario(scenario);
  if (scenario.faults.some((f) => f.kind === "partition")) throw new Error("a loopback drill cannot partition: run it on the simulated network");
  const expected = (scenario.rate * scenario.duration) / 1000;
  if (expected > REAL_LIMITS.requests) throw new Error(`a loopback drill sends at most ${REAL_LIMITS.requests} requests, and this one would send about ${Math.round(expected)}`);
  const retries = options.retries ?? true;
  const events = await runReal(function* () {
    const hub = getHub();
    const main = hub.current!;
    const guard = hub.schedule(REAL_LIMITS.milliseconds, () => hub.throwInto(main, new Error(`the loopback drill took over ${REAL_LIMITS.milliseconds} ms`)));
    try {
      return yield* drill(scenario, retries, options.target ?? capstoneTarget, loopback);
    } finally {
      guard.cancel();
    }
  });
  return summarize(scenario, retries, events);
}
