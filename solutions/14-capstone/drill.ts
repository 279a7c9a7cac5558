// The chaos drill: a scenario (drill-scenario.ts) run against the balancer under a seeded open-loop load, logging
// every request and every change of the balancer's mind; the report (drill-report.ts) is computed from that log.
// Chapter 14; `npm run drill` runs it (drill-cli.ts).
//
// On the hub's virtual clock and the simulated network, everything random — arrivals, service times, the network,
// the balancer's picks and jitter — comes from the seed, and nothing reads the wall clock: a seed replays exactly,
// and its report is the same byte for byte. The same code runs a short drill on loopback with real sockets.
import { runVirtual, sleep } from "../02-hub/green";
import { getHub } from "../02-hub/hub";
import type { Green } from "../02-hub/suspend";
import { spawn } from "../03-cancellation/greenthread";
import { mulberry32, type Random } from "../05-green-sockets/random";
import { SimNetwork } from "../05-green-sockets/sim-network";
import type { Address, Network } from "../05-green-sockets/socket";
import { HttpClient } from "../07-http/client";
import { DrillBackend, serviceTime, startTimeline, type Stage } from "./drill-faults";
import { summarize, verdict, type DrillEvent, type DrillReport } from "./drill-report";
import { allBackends, checkScenario, DEFAULT_SCENARIO, type Scenario } from "./drill-scenario";
import { capstoneTarget, type StartTarget } from "./drill-target";

export interface DrillOptions {
  /** Retries on another backend (the balancer's), or none. @default true */
  readonly retries?: boolean;
  /** The balancer under test. @default the capstone's balancer */
  readonly target?: StartTarget;
}

export interface DrillRun {
  readonly report: DrillReport;
  readonly events: readonly DrillEvent[];
  /** What went wrong (drill-report.ts's verdict); empty when the drill passed. Without retries, expect some. */
  readonly problems: readonly string[];
}

/** Where the drill's load comes from and where the balancer listens: a simulated network, or loopback. */
export interface World {
  /** The clients' network, and the balancer's. */
  readonly clients: Network;
  readonly lb: Network;
  readonly listen: Address;
  /** A backend process called `name`. */
  backend(name: string, service: () => number): DrillBackend;
  readonly partition: Stage["partition"];
}

/** How often the drill asks the balancer which backends it would use: the resolution of the times to eject. */
const WATCH_EVERY = 10;

/** A simulated network seeded from `seed`: hosts "clients", "lb" and one per backend, 0.5 ms apart. */
export function simWorld(seed: number): World {
  const net = new SimNetwork({ seed, latency: 0.5 });
  return {
    clients: net.host("clients"),
    lb: net.host("lb"),
    listen: { host: "lb", port: 80 },
    backend: (name, service) => new DrillBackend(net.host(name), name, { host: name, port: 8080 }, service),
    partition: { cut: (name) => net.partition("lb", name), heal: () => net.heal() },
  };
}

// #region run-drill
export function runDrill(scenario: Scenario = DEFAULT_SCENARIO, options: DrillOptions = {}): DrillRun {
  checkScenario(scenario);
  const retries = options.retries ?? true;
  const events = runVirtual(() => drill(scenario, retries, options.target ?? capstoneTarget, simWorld(scenario.seed + 2))).result;
  const report = summarize(scenario, retries, events);
  return { report, events, problems: verdict(scenario, report) };
}

/** Runs scenario `s` in `world` on the current hub; its event log, times in ms from the start. */
export function* drill(s: Scenario, retries: boolean, startTarget: StartTarget, world: World): Green<DrillEvent[]> {
  const hub = getHub();
  const t0 = hub.now();
  const now = (): number => hub.now() - t0;
  // Separate streams from one seed, so that one more request does not change the service times, and so on.
  const arrivals: Random = mulberry32(s.seed);
  const service = serviceTime(s.service, mulberry32(s.seed + 1));
  const procs = new Map(allBackends(s).map((n) => [n, world.backend(n, service)]));
  for (const n of s.backends) yield* procs.get(n)!.up();
  const target = yield* startTarget({
    network: world.lb,
    listen: world.listen,
    backends: s.backends.map((n) => procs.get(n)!.backend),
    retries,
    random: mulberry32(s.seed + 3),
  });
  const events: DrillEvent[] = [];
  startTimeline(s, { procs, reload: target.reload, partition: world.partition }, t0);

  // The balancer's view of every backend, written down when it changes.
  const names = [...procs.keys()];
  const seen = new Map(names.map((n) => [n, s.backends.includes(n)]));
  const watcher = spawn(function* watch() {
    for (;;) {
      for (const n of names) {
        const usable = target.usable(n);
        if (usable !== seen.get(n)) {
          seen.set(n, usable);
          events.push({ kind: "state", t: now(), backend: n, usable });
        }
      }
      yield* sleep(WATCH_EVERY);
    }
  });

  // The load: Poisson arrivals, each request a client of its own on a fresh connection.
  const url = `http://${target.address.host}:${target.address.port}/`;
  let open = 0;
  const request = function* (): Green<void> {
    const start = now();
    open++;
    let ok = false;
    try {
      const client = new HttpClient({ network: world.clients, timeout: s.clientTimeout });
      const res = yield* client.get(url, { Connection: "close" });
      ok = res.status === 200;
    } catch {
      ok = false; // a reset, a timeout: the client saw an error
    } finally {
      open--;
    }
    events.push({ kind: "request", start, end: now(), ok });
  };
  for (let t = 0; ; ) {
    t += -Math.log(1 - arrivals()) * (1000 / s.rate);
    if (t >= s.duration) break;
    yield* sleep(t - now());
    spawn(request);
  }
  while (open > 0) yield* sleep(50); // the last requests end (each within the client's timeout)
  yield* watcher.kill();
  yield* target.stop();
  for (const p of procs.values()) p.down();
  return events;
}
// #endregion

/** One run per seed of `seeds`, the scenario otherwise the same, each with what went wrong. */
export function runSeeds(scenario: Scenario, seeds: readonly number[], options: DrillOptions = {}): { seed: number; problems: readonly string[]; report: DrillReport }[] {
  return seeds.map((seed) => {
    const run = runDrill({ ...scenario, seed }, options);
    return { seed, problems: run.problems, report: run.report };
  });
}

/** The course's command for the drill, up to its options (package.json's `drill`). */
export const DRILL_COMMAND = "npm run drill --";

/** Which of the CLI's scenarios and settings a run used: what its replay command must say. */
export interface ReplayOptions {
  /** QUICK_SCENARIO (`--quick`) rather than DEFAULT_SCENARIO. @default false */
  readonly quick?: boolean;
  /** @default true; false is `--no-retries` */
  readonly retries?: boolean;
  /**
   * The command that started the drill, up to its options: a learner's drill, started by `npm run lab 14 drill`,
   * names that, so that its replay runs their code again and not the course's. @default DRILL_COMMAND
   */
  readonly command?: string;
}

/** The command that runs a seed again: `npm run drill -- --quick --no-retries --seed 7`. */
export function replayCommand(seed: number, o: ReplayOptions = {}): string {
  return [o.command ?? DRILL_COMMAND, ...(o.quick ? ["--quick"] : []), ...(o.retries === false ? ["--no-retries"] : []), `--seed ${seed}`].join(" ");
}

/** A seed's line: "seed 3: passed (1008 requests, 0 lost)", or FAILED with its problems and how to replay it. */
export function seedLine(r: { seed: number; problems: readonly string[]; report: DrillReport }, o: ReplayOptions = {}): string {
  if (r.problems.length === 0) return `seed ${r.seed}: passed (${r.report.sent} requests, ${r.report.lost} lost)`;
  return `seed ${r.seed}: FAILED: ${r.problems.join("; ")}\n  replay: ${replayCommand(r.seed, o)}`;
}
