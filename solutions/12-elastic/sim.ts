// The whole elastic story in one seeded simulation on the hub's virtual clock and the simulated network: load rises,
// the autoscaler adds backends, which slow-start; load falls, the autoscaler drains and removes them. Every request
// goes through the elastic proxy (proxy.ts) to a simulated backend process. Built in chapter 12; story.ts runs it.
import { runVirtual, sleep } from "../02-hub/green";
import { getHub } from "../02-hub/hub";
import type { Green } from "../02-hub/suspend";
import { spawn } from "../03-cancellation/greenthread";
import { mulberry32, type Random } from "../05-green-sockets/random";
import { SimNetwork } from "../05-green-sockets/sim-network";
import type { Address, Listener, Socket } from "../05-green-sockets/socket";
import type { Backend } from "../08-tcp-proxy/balancer";
import { Autoscaler, type HpaConfig } from "./autoscaler";
import { startElasticProxy } from "./proxy";
import type { SlowStartConfig } from "./slow-start";

// #region fleet-config
export interface FleetConfig {
  readonly seed: number;
  /** Milliseconds of traffic. */
  readonly duration: number;
  /** Requests per second offered at time t (ms), Poisson arrivals. */
  readonly load: (t: number) => number;
  /** Milliseconds a warm backend works on a request. */
  readonly serviceTime: number;
  /** A new backend is this much slower at first (2: three times the service time), falling linearly to 0 over `warmup` ms. */
  readonly coldPenalty: number;
  readonly warmup: number;
  /** Milliseconds from asking for a backend to its listening (a process starting). */
  readonly boot: number;
  readonly hpa: HpaConfig;
  /** How often the autoscaler looks (the HPA's sync period). @default 15000 */
  readonly syncPeriod?: number;
  readonly slowStart: SlowStartConfig | null;
  /** @default 30000 */
  readonly drainTimeout?: number;
  /** A sample of the fleet every this many ms, for the plot. @default 10000 */
  readonly sampleEvery?: number;
}

export interface Sample {
  /** Seconds since the start. */
  readonly t: number;
  readonly offered: number;
  /** Requests per second answered since the last sample. */
  readonly served: number;
  readonly active: number;
  readonly warming: number;
  readonly draining: number;
  readonly booting: number;
  /** Mean ms from a client's connect to its last byte, since the last sample. */
  readonly meanLatency: number;
}

export interface FleetReport {
  readonly requests: number;
  readonly failed: number;
  readonly cut: number;
  readonly samples: Sample[];
  /** Each change of the set, as the membership logged it. */
  readonly events: string[];
  readonly peak: number;
}
/** Load over time: a quiet start, a rise, a plateau, a fall, a quiet end (requests per second at t ms). */
export const rampLoad =
  (low: number, high: number) =>
  (t: number): number => {
    const s = t / 1000;
    if (s < 60) return low;
    if (s < 180) return low + ((high - low) * (s - 60)) / 120;
    if (s < 300) return high;
    if (s < 360) return high - ((high - low) * (s - 300)) / 60;
    return low;
  };
// #endregion

const LB: Address = { host: "lb", port: 80 };

// #region fleet
export function simulateFleet(config: FleetConfig): FleetReport {
  return runVirtual(() => fleet(config)).result;
}

function* fleet(c: FleetConfig): Green<FleetReport> {
  const hub = getHub();
  const random: Random = mulberry32(c.seed);
  const net = new SimNetwork({ seed: c.seed, latency: 1 });
  const processes = new Map<string, { listener: Listener; started: number }>();
  let serial = 0;
  const booting = new Set<string>();

  /** A backend process: answers each request after its service time, slower while it is cold. */
  function* start(name: string, warm = false): Green<Backend> {
    const b: Backend = { name, address: { host: name, port: 8080 } };
    const listener = yield* net.host(name).listen(b.address);
    const started = warm ? hub.now() - c.warmup : hub.now(); // the starting set has run for a while: warm
    processes.set(name, { listener, started });
    spawn(function* acceptor() {
      for (;;) {
        let s: Socket;
        try {
          s = yield* listener.accept();
        } catch {
          return; // the process ended
        }
        spawn(serve, s, started);
      }
    });
    return b;
  }
  function* serve(s: Socket, started: number): Green<void> {
    try {
      for (let b = yield* s.recv(); b.length > 0; b = yield* s.recv());
      const cold = Math.max(0, 1 - (hub.now() - started) / c.warmup);
      yield* sleep(c.serviceTime * (1 + c.coldPenalty * cold));
      yield* s.sendall("ok");
    } catch {
      // the proxy cut it: counted on the client's side
    } finally {
      s.close();
    }
  }

  const initial: Backend[] = [];
  const minReplicas = c.hpa.minReplicas ?? 1;
  for (let i = 0; i < minReplicas; i++) initial.push(yield* start(`b${++serial}`, true));
  const events: string[] = [];
  const ep = yield* startElasticProxy({
    network: net.host("lb"),
    listen: LB,
    backends: initial,
    random,
    slowStart: c.slowStart,
    drainTimeout: c.drainTimeout ?? 30_000,
    log: (line) => events.push(line),
    idleTimeout: null,
  });
  const membership = ep.membership;
  // The process of a backend the membership forgot ends.
  membership.attach({
    joined() {},
    leaving() {},
    forgotten(b: Backend) {
      processes.get(b.name)?.listener.close();
      processes.delete(b.name);
    },
  });

  /** Asks for a backend: it boots, then joins (a readiness gate: nothing is sent to a process not listening). */
  const launch = (): void => {
    const name = `b${++serial}`;
    booting.add(name);
    spawn(function* boot() {
      yield* sleep(c.boot);
      const b = yield* start(name);
      booting.delete(name);
      membership.add(b, { source: "autoscaler" });
    });
  };

  // Traffic: Poisson arrivals at the rate of the moment; each request a client of its own.
  let requests = 0;
  let failed = 0;
  let answered = 0;
  let latencySum = 0;
  let windowAnswered = 0;
  const client = function* (): Green<void> {
    const t0 = hub.now();
    let ok = false;
    try {
      const s = yield* net.host("client").connect(LB);
      yield* s.sendall("GET");
      s.shutdown();
      let got = "";
      for (let b = yield* s.recv(); b.length > 0; b = yield* s.recv()) got += b.toString();
      s.close();
      ok = got === "ok";
    } catch {
      ok = false;
    }
    if (!ok) failed++;
    else {
      answered++;
      windowAnswered++;
      latencySum += hub.now() - t0;
    }
  };
  const traffic = spawn(function* () {
    for (let t = 0; t < c.duration; ) {
      const rate = c.load(t);
      t += -Math.log(1 - random()) * (1000 / rate);
      const wait = t - hub.now();
      if (wait > 0) yield* sleep(wait);
      requests++;
      spawn(client);
    }
  });

  // The autoscaler: every sync period, the request rate per ready backend against the target.
  const hpa = new Autoscaler(c.hpa);
  const period = c.syncPeriod ?? 15_000;
  let lastAnswered = 0;
  let peak = minReplicas;
  const controller = spawn(function* () {
    for (;;) {
      yield* sleep(period);
      const ready = membership.active.length;
      const rate = ((answered - lastAnswered) * 1000) / period;
      lastAnswered = answered;
      const current = ready + booting.size;
      const desired = hpa.decide(hub.now(), current, rate / Math.max(1, ready));
      for (let i = current; i < desired; i++) launch();
      // Scale down: the newest backends go first (as a ReplicaSet prefers to delete the pods ready the shortest time).
      const victims = membership.active.slice(-(current - desired));
      if (desired < current) for (const b of victims) membership.drain(b);
      peak = Math.max(peak, desired);
    }
  });

  const samples: Sample[] = [];
  const every = c.sampleEvery ?? 10_000;
  let lastLatency = 0;
  let lastCount = 0;
  for (let t = 0; t <= c.duration; t += every) {
    if (t > 0) yield* sleep(every);
    const members = [...membership.members.values()];
    const n = answered - lastCount;
    samples.push({
      t: t / 1000,
      offered: Math.round(c.load(t)),
      served: Math.round((windowAnswered * 1000) / every),
      active: members.filter((m) => m.state === "active").length,
      warming: members.filter((m) => membership.warming(m.backend)).length,
      draining: members.filter((m) => m.state === "draining").length,
      booting: booting.size,
      meanLatency: n > 0 ? Math.round(((latencySum - lastLatency) / n) * 10) / 10 : 0,
    });
    windowAnswered = 0;
    lastLatency = latencySum;
    lastCount = answered;
  }
  yield* traffic.wait();
  yield* controller.kill();
  yield* sleep(5000); // the last requests end
  const cut = membership.cut;
  yield* ep.shutdown(1000);
  for (const p of processes.values()) p.listener.close();
  return { requests, failed, cut, samples, events, peak };
}
// #endregion
