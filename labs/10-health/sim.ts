// A simulation of a backend set through an outage, on the hub's virtual clock: the chapter's checks, ejection,
// retries and budgets with no network, so that minutes of traffic run in a second and replay exactly. Built in
// chapter 10; outage.ts runs its experiments.
//
// Each request is a green thread: pick a backend among the usable ones (health-aware round robin, chapter 09's
// strategy behind chapter 10's wrapper), try it, and on a failure retry — if the policy, the budget and the
// backoff allow — on a backend not tried yet. A backend answers in `latency` ms when it is up and has capacity;
// when it is down, the attempt fails in 1 ms (a refused connect); when it is over capacity, it refuses at once, and
// a refusal still costs it part of a request's work (accepting, parsing, answering 503): that is what turns
// retries into a storm.
import { runVirtual, sleep } from "../02-hub/green";
import { getHub } from "../02-hub/hub";
import type { Green } from "../02-hub/suspend";
import { spawn } from "../03-cancellation/greenthread";
import { exponential, mulberry32 } from "../05-green-sockets/random";
import type { Network } from "../05-green-sockets/socket";
import type { Backend } from "../08-tcp-proxy/balancer";
import { makeStrategy } from "../09-strategies/strategies";
import { fullJitter } from "./backoff";
import { makeBudget, type BudgetConfig } from "./budget";
import type { CheckerConfig } from "./checker";
import { allOf, HealthyBalancer } from "./healthy";
import { HealthMonitor } from "./monitor";
import { OutlierDetector, type OutlierConfig } from "./outlier";
import type { Probe } from "./probe";

// #region sim-config
export interface OutageConfig {
  readonly seed: number;
  readonly backends: number;
  /** Requests per second, Poisson arrivals, over the whole set. */
  readonly rate: number;
  /** Milliseconds a backend takes to answer. */
  readonly latency: number;
  readonly duration: number;
  /** The incident: from `at`, for `for` ms, backends `which` are down ("down") or serve only `capacity` ("brownout"). */
  readonly incident: { readonly at: number; readonly for: number; readonly which: readonly number[]; readonly kind: "down" | "brownout" };
  /** Requests per second each backend can serve; during a brownout, the incident's backends serve `brownoutCapacity`. */
  readonly capacity?: number;
  readonly brownoutCapacity?: number;
  /** A refusal costs this share of a request's work. @default 0.2 */
  readonly refusalCost?: number;
  readonly health?: CheckerConfig | null;
  readonly outlier?: OutlierConfig | null;
  readonly retry?: { readonly maxRetries: number; readonly budget: BudgetConfig | null } | null;
}

export interface OutageReport {
  readonly requests: number;
  /** Requests that failed after every try allowed. */
  readonly failed: number;
  /** Tries, first ones and retries. */
  readonly attempts: number;
  /** During the incident: requests, failed, tries. */
  readonly during: { readonly requests: number; readonly failed: number; readonly attempts: number };
  /** Ms from the incident's start until the first failing backend was taken out (null: never). */
  readonly timeToEject: number | null;
  /** Ms from the incident's end until every backend was usable again (null: not within the run). */
  readonly timeToRecover: number | null;
  /** Per second: tries sent and requests failed. */
  readonly seconds: { readonly t: number; readonly attempts: number; readonly failed: number }[];
}
// #endregion

/** The simulation has no network: its probe asks the model. Anything that tries to use one is a bug. */
const NO_NETWORK: Network = {
  listen: () => {
    throw new Error("the outage simulation has no network");
  },
  connect: () => {
    throw new Error("the outage simulation has no network");
  },
};

// #region sim
export function simulateOutage(config: OutageConfig): OutageReport {
  return runVirtual(() => outage(config)).result;
}

function* outage(c: OutageConfig): Green<OutageReport> {
  const hub = getHub();
  const now = () => hub.now();
  const random = mulberry32(c.seed);
  const bs: Backend[] = Array.from({ length: c.backends }, (_, i) => ({ name: `b${i + 1}`, address: { host: `b${i + 1}`, port: 80 } }));
  const { at, which, kind } = c.incident;
  const end = at + c.incident.for;
  const hit = new Set(which.map((i) => bs[i]));
  const inIncident = () => now() >= at && now() < end;
  const down = (b: Backend) => kind === "down" && hit.has(b) && inIncident();
  // Capacity as a token bucket per backend, refilled continuously, holding at most 100 ms of work.
  const tokens = new Map<Backend, { level: number; t: number }>(bs.map((b) => [b, { level: 0, t: 0 }]));
  const admit = (b: Backend): boolean => {
    if (c.capacity === undefined) return true;
    const cap = kind === "brownout" && hit.has(b) && inIncident() ? c.brownoutCapacity ?? c.capacity : c.capacity;
    const s = tokens.get(b)!;
    s.level = Math.min(cap / 10, s.level + ((now() - s.t) * cap) / 1000);
    s.t = now();
    if (s.level >= 1) {
      s.level -= 1;
      return true;
    }
    // Refusing is work too: it takes from what could have served the next request (at most 100 ms of it).
    s.level = Math.max(-cap / 10, s.level - (c.refusalCost ?? 0.2));
    return false;
  };

  const strategy = makeStrategy("round-robin", bs, { random, now });
  const outlier = c.outlier ? new OutlierDetector(bs, c.outlier, { now, random }) : null;
  // Active checks see what a request would: a backend down refuses them, one up passes.
  const probe: Probe = function* (_n, b) {
    yield* sleep(1);
    return down(b) ? "network" : "pass";
  };
  const monitor = c.health ? new HealthMonitor(NO_NETWORK, bs, c.health, { probe, random }) : null;
  const usable = allOf((b) => monitor?.healthy(b) ?? true, (b) => !(outlier?.isEjected(b) ?? false));
  const balancer = new HealthyBalancer(strategy, usable);
  const budget = c.retry?.budget ? makeBudget(c.retry.budget, now) : null;
  monitor?.start();
  if (outlier)
    spawn(function* sweep() {
      for (;;) {
        yield* sleep(outlier.config.interval);
        outlier.tick();
      }
    });

  let requests = 0, failed = 0, attempts = 0;
  const during = { requests: 0, failed: 0, attempts: 0 };
  const seconds: { t: number; attempts: number; failed: number }[] = [];
  const second = () => (seconds[Math.floor(now() / 1000)] ??= { t: Math.floor(now() / 1000), attempts: 0, failed: 0 });
  let timeToEject: number | null = null;
  let timeToRecover: number | null = null;
  spawn(function* watch() {
    for (;;) {
      yield* sleep(100);
      if (timeToEject === null && inIncident() && [...hit].some((b) => !usable(b))) timeToEject = now() - at;
      if (timeToRecover === null && now() >= end && bs.every(usable)) timeToRecover = now() - end;
    }
  });

  function* request(): Green<void> {
    const counted = inIncident();
    requests++;
    if (counted) during.requests++;
    budget?.requestStarted();
    const tried = new Set<Backend>();
    let ok = false;
    for (let attempt = 0; !ok; attempt++) {
      const retry = attempt > 0;
      if (retry) {
        if (!c.retry || attempt > c.retry.maxRetries || (budget !== null && !budget.tryRetry())) break;
        yield* sleep(fullJitter(attempt - 1, 25, 250, random));
      }
      const b = balancer.pick((x) => !tried.has(x));
      if (b === null) {
        if (retry) budget?.retryEnded();
        break; // no usable backend left to try
      }
      tried.add(b);
      attempts++;
      second().attempts++;
      if (inIncident()) during.attempts++;
      if (down(b)) {
        yield* sleep(1);
        outlier?.record(b, 503);
      } else if (!admit(b)) {
        outlier?.record(b, 503);
      } else {
        yield* sleep(c.latency);
        outlier?.record(b, 200);
        ok = true;
      }
      if (retry) budget?.retryEnded();
    }
    budget?.requestEnded();
    if (!ok) {
      failed++;
      second().failed++;
      if (counted) during.failed++;
    }
  }

  const gap = exponential(0, 1000 / c.rate);
  for (let t = gap(random); t < c.duration; t += gap(random)) {
    yield* sleep(t - now());
    spawn(request);
  }
  yield* sleep(1000); // let the last requests end
  return { requests, failed, attempts, during, timeToEject, timeToRecover, seconds: Array.from(seconds, (s, i) => s ?? { t: i, attempts: 0, failed: 0 }) };
}
// #endregion
