// A discrete-event queueing simulator on the hub's virtual clock: Poisson arrivals, servers of their own speeds, any
// strategy of chapter 09 choosing where each job goes. Built in chapter 09 (lab task 5: the two event handlers).
//
// Each server is a FIFO queue in front of one worker: the supermarket model's checkout. Events are hub timers on the
// virtual clock (chapter 02), so a run of a hundred thousand jobs takes a fraction of a second and the same seed
// gives the same run. Arrivals and job sizes come from one seeded stream and the strategy's choices from another, so
// two strategies compared on one seed see exactly the same jobs.
import { runVirtual, sleep } from "../02-hub/green";
import { getHub, type Hub } from "../02-hub/hub";
import type { Green } from "../02-hub/suspend";
import { mulberry32, type Random } from "../05-green-sockets/random";
import type { Backend } from "../08-tcp-proxy/balancer";
import { makeStrategy, type StrategyConfig, type StrategyName } from "./strategies";
import { randomKey, type Peer, type Strategy, type StrategyOptions } from "./strategy";

// #region sim-config
/** Draws a job's size, of mean 1: its service time on a server of speed 1, in units of `meanService`. */
export type SizeDistribution = (random: Random) => number;

export const exponentialSize: SizeDistribution = (random) => -Math.log(1 - random());

/** Pareto of shape α (heavy-tailed: infinite variance for α ≤ 2), scaled to mean 1. */
export const paretoSize =
  (alpha = 2.1): SizeDistribution =>
  (random) =>
    ((alpha - 1) / alpha) * Math.pow(1 - random(), -1 / alpha);

/** Log-normal of shape σ (heavy-tailed), scaled to mean 1. */
export const lognormalSize =
  (sigma = 1.5): SizeDistribution =>
  (random) => {
    const z = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random()); // Box–Muller
    return Math.exp(sigma * z - (sigma * sigma) / 2);
  };

export interface SimConfig {
  /** Seeds every random draw: the same seed, the same run. */
  readonly seed: number;
  /** How many servers (all of speed 1), or the speed of each. */
  readonly servers: number | readonly number[];
  /** The load λ: arrivals per unit of time are λ × (sum of speeds) / meanService, so λ < 1 keeps queues finite. */
  readonly load: number;
  /** The strategy: a name, a config, or a factory (for a strategy of your own). */
  readonly strategy: StrategyName | StrategyConfig | ((backends: readonly Backend[], options: StrategyOptions) => Strategy);
  /** Job sizes. @default exponentialSize */
  readonly size?: SizeDistribution;
  /** Mean service time on a server of speed 1, in ms of the virtual clock. @default 1 */
  readonly meanService?: number;
  /** Arrivals stop at this time (ms); jobs in the system then still finish. */
  readonly duration: number;
  /** Jobs that arrive before this time are not measured (the system is still filling up). @default 0 */
  readonly warmup?: number;
  /** Jobs already queued at each server at time 0, drawn per server (not measured). @default none */
  readonly initial?: (random: Random) => number;
  /** A job whose time in system exceeds this (ms) counts as failed, as a client's timeout would. @default Infinity */
  readonly timeout?: number;
  /** Changes of speed: at time `at`, server `server` works at `speed`. */
  readonly speedChanges?: readonly { readonly at: number; readonly server: number; readonly speed: number }[];
  /** Width (ms) of the windows `windows` reports the success rate over. @default none */
  readonly window?: number;
}

export interface SimReport {
  /** Jobs measured (arrived after the warm-up and finished). */
  readonly jobs: number;
  /** Time in system, in ms: mean, median, 99th percentile. */
  readonly mean: number;
  readonly p50: number;
  readonly p99: number;
  /** The share of measured jobs that finished within the timeout. */
  readonly successRate: number;
  /** Jobs in the system per server, averaged over time after the warm-up. */
  readonly meanQueue: number;
  /** The longest queue seen at any server. */
  readonly maxQueue: number;
  /** Measured jobs per server. */
  readonly perServer: readonly number[];
  /** The success rate per window of arrival time (with `window`). */
  readonly windows: readonly { readonly start: number; readonly jobs: number; readonly successRate: number }[];
}
// #endregion

// #region sim-state
export interface Job {
  /** When it arrived (ms). */
  readonly arrival: number;
  /** Its size: service time = size × meanService / speed. */
  readonly size: number;
  /** What a hashing strategy hashes. */
  readonly key: number;
  /** False for the jobs of the warm-up and the initial queues. */
  readonly measured: boolean;
}

export interface Server {
  readonly backend: Peer;
  speed: number;
  /** Waiting jobs; the first one is in service while `busy`. */
  readonly queue: Job[];
  busy: boolean;
  measured: number;
}
// #endregion

// #region simulation
export class Simulation {
  readonly servers: Server[];
  readonly strategy: Strategy;
  readonly hub: Hub;
  /** Arrivals and sizes: one stream, whatever the strategy does. */
  readonly random: Random;
  readonly times: number[] = [];
  readonly #byBackend = new Map<Backend, Server>();
  readonly #meanService: number;
  readonly #size: SizeDistribution;
  #inSystem = 0;
  #maxQueue = 0;
  #area = 0;
  #areaSince = 0;
  #ok = 0;
  #open = true;
  /** The first error an event threw (a bug, a task not done yet): the run stops and `simulate` rethrows it. */
  failure: { error: unknown } | null = null;
  readonly #windows = new Map<number, { jobs: number; ok: number }>();

  constructor(readonly config: SimConfig) {
    this.hub = getHub();
    this.random = mulberry32(config.seed);
    const speeds = typeof config.servers === "number" ? Array.from({ length: config.servers }, () => 1) : config.servers;
    this.servers = speeds.map((speed, i) => ({ backend: { name: `s${i + 1}`, address: { host: `s${i + 1}`, port: 80 } }, speed, queue: [], busy: false, measured: 0 }));
    for (const s of this.servers) this.#byBackend.set(s.backend, s);
    const backends = this.servers.map((s) => s.backend);
    const options: StrategyOptions = { random: mulberry32(config.seed ^ 0x5bd1e995), now: () => this.hub.now() };
    this.strategy = typeof config.strategy === "function" ? config.strategy(backends, options) : makeStrategy(config.strategy, backends, options);
    this.#meanService = config.meanService ?? 1;
    this.#size = config.size ?? exponentialSize;
  }

  /** A new job arriving now. */
  newJob(measured: boolean): Job {
    return { arrival: this.hub.now(), size: this.#size(this.random), key: randomKey(this.random), measured };
  }

  /** Starts serving the first job of `s`'s queue: its departure is a hub timer at size × meanService / speed. */
  startService(s: Server): void {
    s.busy = true;
    this.hub.schedule((s.queue[0].size * this.#meanService) / s.speed, () => this.depart(s));
  }

  /** Adds the time since the last event × jobs in the system to the area under the queue curve. */
  #account(): void {
    const now = this.hub.now();
    const from = Math.max(this.#areaSince, this.config.warmup ?? 0);
    if (this.#open && now > from) this.#area += (now - from) * this.#inSystem;
    this.#areaSince = now;
  }

  /**
   * Event: `job` arrives. The strategy picks a server (any server is usable: none is down in the simulator), is told
   * the work started there, and the job joins that server's queue; an idle server starts on it at once.
   */
  arrive(job: Job): void {
    this.#account();
    // TODO(task 5): Simulation.arrive. See README.md.
    throw new Error("not implemented yet — lab 09-strategies, task 5: Simulation.arrive");
  }

  /**
   * Event: the job in service at `s` is done. Its time in system is a latency the strategy observes; the strategy
   * is told the work finished; a measured job's time is recorded; the next job in the queue, if any, starts.
   */
  depart(s: Server): void {
    this.#account();
    // TODO(task 5): Simulation.depart. See README.md.
    throw new Error("not implemented yet — lab 09-strategies, task 5: Simulation.depart");
  }

  /** Records the time in system `t` of a measured job that `s` served. */
  record(s: Server, job: Job, t: number): void {
    this.times.push(t);
    s.measured++;
    const ok = t <= (this.config.timeout ?? Infinity);
    if (ok) this.#ok++;
    if (this.config.window) {
      const w = Math.floor(job.arrival / this.config.window) * this.config.window;
      const win = this.#windows.get(w) ?? { jobs: 0, ok: 0 };
      win.jobs++;
      if (ok) win.ok++;
      this.#windows.set(w, win);
    }
  }

  /** Runs the whole simulation: the initial queues, arrivals until `duration`, then until every job is done. */
  *run(): Green<SimReport> {
    const { config, hub } = this;
    const warmup = config.warmup ?? 0;
    // The initial queues go straight to their servers (the strategy is told), not through a pick.
    if (config.initial) for (const s of this.servers) {
      for (let k = config.initial(this.random); k > 0; k--) {
        s.queue.push(this.newJob(false));
        this.strategy.started(s.backend);
        this.#inSystem++;
      }
      if (s.queue.length > 0) this.startService(s);
    }
    for (const c of config.speedChanges ?? []) hub.schedule(c.at, () => (this.servers[c.server].speed = c.speed));
    const rate = (config.load * this.servers.reduce((sum, s) => sum + s.speed, 0)) / this.#meanService;
    const next = (): void => {
      if (!this.#open || this.failure) return;
      this.arrive(this.newJob(hub.now() >= warmup));
      hub.schedule(-Math.log(1 - this.random()) / rate, next); // Poisson: exponential gaps
    };
    hub.schedule(-Math.log(1 - this.random()) / rate, next);
    yield* sleep(config.duration);
    this.#account();
    this.#open = false;
    while (this.#inSystem > 0 && !this.failure) yield* sleep(this.#meanService * 10);
    return this.report();
  }

  report(): SimReport {
    const sorted = Float64Array.from(this.times).sort();
    const at = (q: number): number => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] : NaN);
    let sum = 0;
    for (const t of sorted) sum += t;
    const span = this.config.duration - (this.config.warmup ?? 0);
    return {
      jobs: sorted.length,
      mean: sorted.length ? sum / sorted.length : NaN,
      p50: at(0.5),
      p99: at(0.99),
      successRate: sorted.length ? this.#ok / sorted.length : NaN,
      meanQueue: span > 0 ? this.#area / span / this.servers.length : NaN,
      maxQueue: this.#maxQueue,
      perServer: this.servers.map((s) => s.measured),
      windows: [...this.#windows].sort((a, b) => a[0] - b[0]).map(([start, w]) => ({ start, jobs: w.jobs, successRate: w.ok / w.jobs })),
    };
  }
}

/** Runs one simulation on a fresh hub with a virtual clock and returns its report; rethrows an event's error. */
export function simulate(config: SimConfig): SimReport {
  let sim: Simulation | null = null;
  const { result } = runVirtual(
    function* () {
      sim = new Simulation(config); // built inside the run: it needs the hub
      return yield* sim.run();
    },
    // An event is a timer callback: the hub would only report its error. Keep the first, stop, rethrow it below.
    { report: (_g, error) => sim && !sim.failure && (sim.failure = { error }) },
  );
  const failure = (sim as Simulation | null)?.failure;
  if (failure) throw failure.error;
  return result;
}
// #endregion
