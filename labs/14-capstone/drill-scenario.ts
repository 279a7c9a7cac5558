// A chaos drill as data: the backends, the load, and a timeline of faults on the simulated network. Chapter 14
// builds it; drill.ts runs a scenario, drill-report.ts turns what happened into the report.
//
// Every time here is a virtual millisecond from the start of the run, so a scenario and a seed give the same run,
// and the same report, on every machine.

// #region scenario
/** One fault of the timeline. `backend` names one of the scenario's backends. */
export type Fault =
  /**
   * The backend's process dies at `at`: its port refuses, its open connections are reset; it stays dead. The
   * report watches the window [at, at + for).
   */
  | { readonly kind: "kill"; readonly backend: string; readonly at: number; readonly for: number }
  /** From `at`, for `for` ms, the backend takes `extra` ms longer to answer each request. */
  | { readonly kind: "slow"; readonly backend: string; readonly at: number; readonly for: number; readonly extra: number }
  /** From `at`, for `for` ms, the backend goes down and comes back every `every` ms (down first); up at the end. */
  | { readonly kind: "flap"; readonly backend: string; readonly at: number; readonly for: number; readonly every: number }
  /** From `at`, for `for` ms, no packet crosses between the balancer and the backend; then the partition heals. */
  | { readonly kind: "partition"; readonly backend: string; readonly at: number; readonly for: number }
  /**
   * At `at`, the balancer reloads a changed config: backends `add` join (their processes start first), backends
   * `remove` leave. The report watches the window [at, at + for).
   */
  | { readonly kind: "reload"; readonly at: number; readonly for: number; readonly add: readonly string[]; readonly remove: readonly string[] };

export interface Scenario {
  /** Seeds the network, the arrivals and every random choice of the balancer. Same seed, same report. */
  readonly seed: number;
  /** Backends at the start, by name; each listens on port 8080 of a host of that name. */
  readonly backends: readonly string[];
  /** Milliseconds of load. */
  readonly duration: number;
  /** Requests per second, Poisson arrivals (an open loop: a slow answer does not slow the load down). */
  readonly rate: number;
  /** Milliseconds a healthy backend takes to answer: the least, and the mean of an exponential tail above it. */
  readonly service: { readonly min: number; readonly mean: number };
  /** Milliseconds a client waits for a whole answer before it counts the request as lost. */
  readonly clientTimeout: number;
  readonly faults: readonly Fault[];
}
// #endregion

// #region default-scenario
/**
 * The default drill: five backends under 100 requests a second for a minute, one fault after another, each in a
 * window of its own so that its p99 is its own.
 */
export const DEFAULT_SCENARIO: Scenario = {
  seed: 14,
  backends: ["b1", "b2", "b3", "b4", "b5"],
  duration: 60_000,
  rate: 100,
  service: { min: 5, mean: 5 },
  clientTimeout: 10_000,
  faults: [
    { kind: "kill", backend: "b1", at: 5_000, for: 5_000 },
    { kind: "slow", backend: "b2", at: 12_000, for: 8_000, extra: 200 },
    { kind: "flap", backend: "b3", at: 22_000, for: 12_000, every: 3_000 },
    { kind: "partition", backend: "b4", at: 36_000, for: 6_000 },
    { kind: "reload", at: 46_000, for: 8_000, add: ["b6"], remove: ["b5"] },
  ],
};

/** The same five faults in twenty seconds at 50 requests a second: what the tests and the demo run (cheap). */
export const QUICK_SCENARIO: Scenario = {
  seed: 14,
  backends: ["b1", "b2", "b3", "b4"],
  duration: 20_000,
  rate: 50,
  service: { min: 5, mean: 5 },
  clientTimeout: 10_000,
  faults: [
    { kind: "kill", backend: "b1", at: 2_000, for: 3_000 },
    { kind: "slow", backend: "b2", at: 5_000, for: 3_000, extra: 200 },
    { kind: "flap", backend: "b3", at: 8_000, for: 4_000, every: 1_000 },
    { kind: "partition", backend: "b4", at: 13_000, for: 2_000 },
    { kind: "reload", at: 16_000, for: 3_000, add: ["b5"], remove: ["b2"] },
  ],
};
// #endregion

/** The window of the run a fault's report covers: [at, at + for). */
export function faultWindow(f: Fault): { from: number; to: number } {
  return { from: f.at, to: f.at + f.for };
}

/** A short name for a fault, used as the row of the report: "kill b1", "partition b4", "reload +b6 -b5". */
export function faultName(f: Fault): string {
  if (f.kind === "reload") return ["reload", ...f.add.map((n) => `+${n}`), ...f.remove.map((n) => `-${n}`)].join(" ");
  return `${f.kind} ${f.backend}`;
}

/** Every backend name the scenario uses, at the start or added by a reload. */
export function allBackends(s: Scenario): string[] {
  const names = [...s.backends];
  for (const f of s.faults) if (f.kind === "reload") for (const n of f.add) if (!names.includes(n)) names.push(n);
  return names;
}

/** A scenario that names a backend it does not have, or a fault outside the run, is refused with the reason. */
export function checkScenario(s: Scenario): void {
  const known = new Set(allBackends(s));
  if (s.backends.length === 0) throw new Error("scenario: no backends");
  if (!(s.rate > 0) || !(s.duration > 0)) throw new Error("scenario: rate and duration must be positive");
  for (const f of s.faults) {
    const name = faultName(f);
    if (!(f.for > 0)) throw new Error(`scenario: ${name} needs a window: for > 0`);
    if (f.at < 0 || f.at >= s.duration) throw new Error(`scenario: ${name} at ${f.at} ms is outside the run (0–${s.duration} ms)`);
    if (f.kind !== "reload" && !known.has(f.backend)) throw new Error(`scenario: ${name} names an unknown backend`);
    if (f.kind === "flap" && !(f.every > 0)) throw new Error(`scenario: ${name} needs every > 0`);
    if (f.kind === "reload") for (const n of f.remove) if (!known.has(n)) throw new Error(`scenario: ${name} removes an unknown backend ${n}`);
  }
}
