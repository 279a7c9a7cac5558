// Active health checking: one green thread per backend that checks it, tells its state machine, and sleeps until
// the machine says to check again. Built in chapter 10.
import { getHub } from "../02-hub/hub";
import { sleep } from "../02-hub/green";
import type { Green } from "../02-hub/suspend";
import { spawn, type GreenThread } from "../03-cancellation/greenthread";
import type { Random } from "../05-green-sockets/random";
import type { Network } from "../05-green-sockets/socket";
import type { Backend } from "../08-tcp-proxy/balancer";
import type { CheckerConfig, CheckResult, HealthChecker } from "./checker";
import { makeChecker } from "./checkers";
import { tcpProbe, type Probe } from "./probe";

// #region monitor
export interface MonitorOptions {
  /** The probe. @default tcpProbe */
  readonly probe?: Probe;
  /** Where the jitter comes from. @default Math.random */
  readonly random?: Random;
}

/** A backend changed state: when, which, and the check result that did it. */
export interface Transition {
  readonly at: number;
  readonly backend: Backend;
  readonly healthy: boolean;
  readonly result: CheckResult;
}

export class HealthMonitor {
  readonly checkers = new Map<Backend, HealthChecker>();
  readonly transitions: Transition[] = [];
  readonly #threads = new Map<Backend, GreenThread<void>>();
  /** Between start() and stop(): a backend added then is checked at once, even if the monitor began with none. */
  #started = false;

  constructor(
    readonly network: Network,
    backends: readonly Backend[],
    readonly config: CheckerConfig,
    readonly options: MonitorOptions = {},
  ) {
    for (const b of backends) this.checkers.set(b, makeChecker(config, { random: options.random }));
  }

  /** True while `b`'s checker says healthy. A backend the monitor does not check is healthy. */
  healthy(b: Backend): boolean {
    return this.checkers.get(b)?.healthy ?? true;
  }

  /** Starts checking every backend, each in its own green thread. */
  start(): void {
    this.#started = true;
    for (const [b, checker] of this.checkers) if (!this.#threads.has(b)) this.#threads.set(b, spawn(checkLoop, this, b, checker));
  }

  /** Checks `b` too, from now on (chapter 12's membership adds backends while the proxy runs). */
  add(b: Backend): void {
    if (this.checkers.has(b)) return;
    this.checkers.set(b, makeChecker(this.config, { random: this.options.random }));
    if (this.#started) this.start(); // already running: start this one's loop too
  }

  /** Stops checking `b` and forgets its state (a backend chapter 12's membership let go). */
  remove(b: Backend): void {
    this.checkers.delete(b);
    const t = this.#threads.get(b);
    this.#threads.delete(b);
    t?.killSoon();
  }

  /** Stops checking (from a green thread). */
  *stop(): Green<void> {
    this.#started = false;
    const threads = [...this.#threads.values()];
    this.#threads.clear();
    for (const t of threads) yield* t.kill();
  }
}

/**
 * Checks `b` for ever. The first check starts after a random part of the first interval, so that backends added
 * together are not checked in step (HAProxy spreads its first checks evenly over `inter` at start-up for the same
 * reason; Envoy adds its `initial_jitter`).
 */
function* checkLoop(monitor: HealthMonitor, b: Backend, checker: HealthChecker): Green<void> {
  const hub = getHub();
  const probe = monitor.options.probe ?? tcpProbe;
  const random = monitor.options.random ?? Math.random;
  yield* sleep(Math.floor(random() * checker.nextDelay()));
  for (;;) {
    const before = checker.healthy;
    const result = yield* probe(monitor.network, b, checker.timeout);
    checker.record(result);
    if (checker.healthy !== before) monitor.transitions.push({ at: hub.now(), backend: b, healthy: checker.healthy, result });
    yield* sleep(checker.nextDelay());
  }
}
// #endregion
