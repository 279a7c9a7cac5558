// `--workers N`: the balancer on every core. A primary process forks N workers with node:cluster; the workers share
// the listening sockets and run the data path; the primary owns everything that must be said once — the health
// checks, the admin API, the set of backends — and tells the workers through versioned updates (updates.ts).
// Built in chapter 14.
//
// Design principles
//   1. One source of truth. Two workers checking a backend on their own would disagree for a while (one sees it
//      down, the other not yet) and double the checks; an admin call that reached one worker would change a
//      quarter of the traffic. So the primary decides and the workers follow.
//   2. The primary carries no traffic. A crash in a worker costs that worker's connections, never the state; the
//      primary forks a new worker (a bounded number of times) and sends it a snapshot.
//   3. A stop is a drain everywhere: SIGTERM to the primary asks every worker to stop accepting and finish what it
//      has, and the primary exits once they all have.
import cluster, { type Worker } from "node:cluster";
import { timingSafeEqual } from "node:crypto";
import { fileURLToPath } from "node:url";
import { runReal, sleep } from "../02-hub/green";
import { spawn } from "../03-cancellation/greenthread";
import type { Green } from "../02-hub/suspend";
import { Event } from "../04-primitives/event";
import type { Address } from "../05-green-sockets/socket";
import { formatAddress } from "../05-green-sockets/socket";
import type { Backend } from "../08-tcp-proxy/balancer";
import { fastNetwork } from "../08-tcp-proxy/fast-net";
import { HealthMonitor } from "../10-health/monitor";
import { httpProbe, tcpProbe } from "../10-health/probe";
import { adminHandler, isLoopback } from "../12-elastic/admin";
import { Membership } from "../12-elastic/membership";
import type { Handler, HttpRequest, HttpResponse } from "../07-http/handler";
import { serveHttp } from "../07-http/server";
import type { ClusterConfig, ToPrimary, ToWorker } from "./cluster-messages";
import { applyUpdate, EMPTY_VIEW, type BackendView, type ClusterView, type Update } from "./updates";

// #region cluster-options
export interface ClusterOptions {
  /** Worker processes, 1–64. */
  readonly workers: number;
  /**
   * Who hands out connections. "rr": the primary accepts each one and passes it to the next worker in turn (Node's
   * default on Linux); "none": every worker accepts on the shared socket and the kernel decides. @default "rr"
   */
  readonly schedule?: "rr" | "none";
  /** Workers that may die within a minute and be forked again before the primary gives up. @default 5 */
  readonly maxRestarts?: number;
  /** How often the primary compares its state with what it last told the workers, ms. @default 50 */
  readonly publishEvery?: number;
  /** Every event, as a line. @default console.log */
  readonly log?: (line: string) => void;
  /** The program each worker runs. @default worker-main.ts, beside this file */
  readonly exec?: string;
}

/** A worker as the admin API's `/workers` shows it. */
export interface WorkerInfo {
  readonly id: number;
  readonly pid: number;
  /** Client connections it accepted since it started, and serves now (from its last report, every 250 ms). */
  readonly accepted: number;
  readonly active: number;
  /** The version of the set it has applied. */
  readonly version: number;
}

export interface RunningCluster {
  /** Where each listener accepts (the real port when the config said port 0). */
  readonly addresses: Readonly<Record<string, Address>>;
  /** Where the admin API listens; null without one. */
  readonly admin: Address | null;
  /** The primary's set, as the workers are told it. */
  view(): ClusterView;
  workers(): WorkerInfo[];
  /** Drains every worker, stops the checks and the admin API; resolves with the exit code (0, or 1 after a give-up). */
  stop(): Promise<number>;
  /** Resolves when the cluster has stopped, by `stop()` or because workers died too often (exit code 1). */
  readonly stopped: Promise<number>;
}
// #endregion

const WORKER_MAIN = fileURLToPath(new URL("./worker-main.ts", import.meta.url));

// #region start-cluster
/** Starts the primary's part and forks the workers; resolves once every worker listens. */
export async function startCluster(config: ClusterConfig, options: ClusterOptions): Promise<RunningCluster> {
  const n = options.workers;
  if (!(Number.isInteger(n) && n >= 1 && n <= 64)) throw new Error(`--workers is a whole number from 1 to 64, not ${n}`);
  if (!cluster.isPrimary) throw new Error("startCluster runs in the primary process only");
  const log = options.log ?? ((line: string) => console.log(line));
  // The policy must be chosen before the first fork; Node reads it once.
  cluster.schedulingPolicy = options.schedule === "none" ? cluster.SCHED_NONE : cluster.SCHED_RR;
  cluster.setupPrimary({ exec: options.exec ?? WORKER_MAIN, silent: false });

  const state = new PrimaryState(config, log);
  const infos = new Map<Worker, WorkerInfo>();
  const restarts: number[] = [];
  let stopping = false;
  let giveUp = false;
  let addresses: Record<string, Address> = {};
  let firstReady: (() => void) | null = null;
  let failStart: ((e: Error) => void) | null = null;
  const readyAll = new Promise<void>((res, rej) => {
    firstReady = res;
    failStart = rej;
  });
  let readyCount = 0;

  const send = (w: Worker, m: ToWorker): void => {
    if (w.isConnected()) w.send(m);
  };
  const fork = (): void => {
    const w = cluster.fork();
    infos.set(w, { id: w.id, pid: w.process.pid ?? 0, accepted: 0, active: 0, version: 0 });
    w.on("message", (m: ToPrimary) => {
      const info = infos.get(w)!;
      if (m.type === "hello") {
        // The worker listens for messages now: its first one is the config and the set as it is now (the
        // snapshot carries the current version, so the updates after it apply on top).
        send(w, { type: "start", config, view: state.view });
      } else if (m.type === "ready") {
        addresses = { ...m.addresses };
        log(`worker ${w.id} (pid ${info.pid}) listens on ${Object.values(m.addresses).map(formatAddress).join(", ")}`);
        if (++readyCount === n) firstReady?.();
      } else if (m.type === "resync") {
        log(`worker ${w.id} missed an update after version ${m.version}: sending a snapshot`);
        send(w, { type: "update", update: state.snapshot() });
      } else if (m.type === "stats") {
        infos.set(w, { ...info, accepted: m.accepted, active: m.active, version: m.version });
      }
    });
  };
  state.onUpdate = (u) => {
    for (const w of infos.keys()) send(w, { type: "update", update: u });
  };

  let done!: (code: number) => void;
  const stopped = new Promise<number>((r) => (done = r));
  const primaryStop = new Event<void>();

  cluster.on("exit", (w, code, signal) => {
    const info = infos.get(w);
    infos.delete(w);
    if (info === undefined) return;
    if (stopping) {
      log(`worker ${info.id} (pid ${info.pid}) stopped (${signal ?? `exit ${code}`})`);
      if (infos.size === 0) afterWorkers();
      return;
    }
    const now = Date.now();
    while (restarts.length > 0 && restarts[0]! < now - 60_000) restarts.shift();
    if (readyCount < n) {
      failStart?.(new Error(`worker ${info.id} exited (${signal ?? `exit ${code}`}) before it listened`));
      return;
    }
    if (restarts.length >= (options.maxRestarts ?? 5)) {
      log(`worker ${info.id} (pid ${info.pid}) died (${signal ?? `exit ${code}`}); ${restarts.length} restarts in the last minute: giving up`);
      giveUp = true;
      void stop();
      return;
    }
    restarts.push(now);
    log(`worker ${info.id} (pid ${info.pid}) died (${signal ?? `exit ${code}`}); forking another`);
    fork();
  });

  // The primary's own green threads: the checks, the admin API, and the publisher.
  let hubReady!: () => void;
  const hubStarted = new Promise<void>((r) => (hubReady = r));
  const hubDone = runReal(function* primary(): Green<void> {
    yield* state.start(() => [...infos.values()]);
    const publisher = spawn(function* publish(): Green<void> {
      for (;;) {
        yield* sleep(options.publishEvery ?? 50);
        state.publish();
      }
    });
    hubReady();
    yield* primaryStop.wait();
    yield* publisher.kill();
    yield* state.stop();
  });
  await Promise.race([hubStarted, hubDone]);

  let killTimer: NodeJS.Timeout | null = null;
  const afterWorkers = (): void => {
    if (killTimer !== null) clearTimeout(killTimer);
    primaryStop.send();
    void hubDone.then(() => done(giveUp ? 1 : 0));
  };
  const stop = (): Promise<number> => {
    if (!stopping) {
      stopping = true;
      log(`stopping: ${infos.size} worker(s) drain for up to ${config.stopTimeout} ms`);
      if (infos.size === 0) afterWorkers();
      for (const w of infos.keys()) send(w, { type: "stop" });
      // A worker that has not exited well after its drain deadline is killed.
      killTimer = setTimeout(() => {
        for (const w of infos.keys()) w.process.kill("SIGKILL");
      }, config.stopTimeout + 5000);
    }
    return stopped;
  };

  for (let i = 0; i < n; i++) fork();
  try {
    await readyAll;
  } catch (e) {
    await stop();
    throw e;
  }
  log(`${n} worker(s) ready, connections handed out by ${options.schedule === "none" ? "the kernel (SCHED_NONE)" : "the primary, in turn (SCHED_RR)"}`);
  return {
    addresses,
    admin: state.adminAddress,
    view: () => state.view,
    workers: () => [...infos.values()].sort((a, b) => a.id - b.id),
    stop,
    stopped,
  };
}
// #endregion

/** Whether `req` carries the admin token (or none is needed). */
function authorized(req: HttpRequest, token: string | undefined): boolean {
  if (token === undefined) return true;
  const given = Buffer.from(/^Bearer (.+)$/.exec(req.headers.get("authorization") ?? "")?.[1] ?? "");
  const want = Buffer.from(token);
  return given.length === want.length && timingSafeEqual(given, want);
}

// #region primary-state
/** What the primary owns: per listener a membership (chapter 12) and health checks (chapter 10), and the admin API. */
class PrimaryState {
  view: ClusterView = EMPTY_VIEW;
  onUpdate: (u: Update) => void = () => {};
  adminAddress: Address | null = null;
  readonly #listeners = new Map<string, { membership: Membership; monitor: HealthMonitor | null }>();
  #closeAdmin: () => void = () => {};

  constructor(
    readonly config: ClusterConfig,
    readonly log: (line: string) => void,
  ) {}

  /** Builds the memberships from the config, starts the checks and the admin API, takes the first snapshot. */
  *start(workers: () => WorkerInfo[]): Green<void> {
    for (const [name, l] of Object.entries(this.config.listeners)) {
      const membership = new Membership({ drainTimeout: this.config.drainTimeout, log: (line) => this.log(`${name}: ${line}`) });
      const backends: Backend[] = (l.backends ?? []).map((b) => ({ name: b.name, address: b.address }));
      for (const [i, b] of backends.entries()) membership.add(b, { weight: l.backends![i]!.weight, source: "config", initial: true });
      const monitor = l.health ? new HealthMonitor(fastNetwork, backends, l.health, { probe: l.health.path ? httpProbe(l.health.path) : tcpProbe }) : null;
      membership.attach({ joined: (b) => monitor?.add(b), leaving: () => {}, forgotten: (b) => monitor?.remove(b) });
      monitor?.start();
      this.#listeners.set(name, { membership, monitor });
    }
    this.view = { version: 1, backends: this.desired() };
    if (this.config.admin !== null) {
      const admin = this.config.admin;
      if (!isLoopback(admin.listen.host) && !admin.token) {
        throw new Error(`the admin API refuses to listen on ${admin.listen.host} without a token: only loopback is safe without one`);
      }
      const listener = yield* fastNetwork.listen(admin.listen);
      spawn(serveHttp, listener, this.#adminHandler(workers), { maxConnections: 16 });
      this.adminAddress = listener.address;
      this.#closeAdmin = () => listener.close();
    }
  }

  /** The set as the memberships and the checks say it is now. */
  desired(): BackendView[] {
    const out: BackendView[] = [];
    for (const [listener, { membership, monitor }] of this.#listeners) {
      for (const m of membership.members.values()) {
        if (m.state !== "active") continue;
        const { name, address } = m.backend;
        out.push({ listener, name, host: address.host, port: address.port, weight: m.weight, healthy: monitor?.healthy(m.backend) ?? true });
      }
    }
    return out;
  }

  /** Tells the workers what changed since the last call, one versioned update per backend that changed. */
  publish(): void {
    const want = this.desired();
    const key = (b: { listener: string; name: string }): string => `${b.listener}\u0000${b.name}`;
    const have = new Map(this.view.backends.map((b) => [key(b), b]));
    const changes: Update[] = [];
    const next = (): number => this.view.version + changes.length + 1;
    const wanted = new Set(want.map(key));
    for (const b of this.view.backends) if (!wanted.has(key(b))) changes.push({ type: "remove", version: next(), listener: b.listener, name: b.name });
    for (const b of want) {
      const old = have.get(key(b));
      if (old === undefined || old.host !== b.host || old.port !== b.port || old.weight !== b.weight || old.healthy !== b.healthy) {
        changes.push({ type: "upsert", version: next(), backend: b });
        if (old !== undefined && old.healthy !== b.healthy) this.log(`${b.listener}: ${b.name} is ${b.healthy ? "up" : "down"}: telling the workers`);
      }
    }
    for (const u of changes) {
      this.view = applyUpdate(this.view, u).view; // the primary's view moves by the same rule as the workers'
      this.onUpdate(u);
    }
  }

  snapshot(): Update {
    return { type: "snapshot", version: this.view.version, backends: this.view.backends };
  }

  *stop(): Green<void> {
    this.#closeAdmin();
    for (const { monitor } of this.#listeners.values()) yield* monitor?.stop() ?? [];
  }

  /**
   * Chapter 12's admin API on the first listener's membership, and `/workers`: each worker's pid, connections and
   * the version of the set it has applied — where a reader sees that the workers follow.
   */
  #adminHandler(workers: () => WorkerInfo[]): Handler {
    const [first] = this.#listeners.values();
    const backends = adminHandler({
      network: fastNetwork,
      membership: first!.membership,
      healthy: (b) => first!.monitor?.healthy(b) ?? true,
      token: this.config.admin?.token,
      log: this.log,
    });
    const version = (): number => this.view.version;
    const token = this.config.admin?.token;
    return function* admin(req: HttpRequest): Green<HttpResponse> {
      if (req.target.split("?")[0] !== "/workers") return yield* backends(req);
      if (!authorized(req, token)) return yield* backends(req); // the admin API's own 401
      const body = JSON.stringify({ version: version(), workers: workers() });
      return { status: 200, headers: { "Content-Type": "application/json" }, body: `${body}\n` };
    };
  }
}
// #endregion

// #region run-cluster
/**
 * `--workers N` from the command line: starts the cluster, prints where it listens, and on SIGTERM or SIGINT drains
 * every worker and exits (0; 1 when workers died too often).
 */
export async function runCluster(config: ClusterConfig, options: ClusterOptions): Promise<never> {
  const log = options.log ?? ((line: string) => console.log(line));
  let c: RunningCluster;
  try {
    c = await startCluster(config, { ...options, log });
  } catch (e) {
    console.error(`the cluster did not start: ${(e as Error).message}`);
    process.exit(1);
  }
  const where = Object.entries(c.addresses).map(([name, a]) => `${name} on ${formatAddress(a)}`);
  log(`listening: ${where.join(", ")}${c.admin ? `; admin API on ${formatAddress(c.admin)}` : ""}`);
  for (const signal of ["SIGTERM", "SIGINT"] as const) process.on(signal, () => void c.stop());
  process.exit(await c.stopped);
}
// #endregion
