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
import type { Green } from "../02-hub/suspend";
import { spawn } from "../03-cancellation/greenthread";
import { LightQueue } from "../04-primitives/queue";
import type { Address, Listener, Network } from "../05-green-sockets/socket";
import { formatAddress } from "../05-green-sockets/socket";
import type { Handler, HttpRequest, HttpResponse } from "../07-http/handler";
import { serveHttp } from "../07-http/server";
import { fastNetwork } from "../08-tcp-proxy/fast-net";
import { isLoopback } from "../12-elastic/admin";
import { balancerAdmin, startBalancer, type Balancer } from "./balancer";
import type { ToPrimary, ToWorker } from "./cluster-messages";
import type { LbConfig, ParseResult } from "./config";
import { HandoffListener } from "./front";
import { applyUpdate, EMPTY_VIEW, type BackendView, type ClusterView, type Update } from "./updates";
import { workerConfig } from "./cluster-worker";

// #region cluster-options
export interface ClusterOptions {
  /** Worker processes, 1–64. */
  readonly workers: number;
  /**
   * Who hands out connections. "rr": the primary accepts each one and passes it to the next worker in turn (Node's
   * default on Linux); "none": every worker accepts on the shared socket and the kernel decides.
   * @default "rr", or $NODE_CLUSTER_SCHED_POLICY
   */
  readonly schedule?: "rr" | "none";
  /** Workers that may die within a minute and be forked again before the primary gives up. @default 5 */
  readonly maxRestarts?: number;
  /** How often the primary compares its state with what it last told the workers, ms. @default 50 */
  readonly publishEvery?: number;
  /** Reads the config again, for SIGHUP and `POST /admin/reload` without a body (the CLI reads the file). */
  readonly load?: () => ParseResult;
  /** Where a relative discovery path starts (the config file's folder). */
  readonly baseDir?: string;
  /** More admin routes (`/metrics`). @default none */
  readonly routes?: Readonly<Record<string, Handler>>;
  /** Every event, as a line. @default console.log */
  readonly log?: (line: string) => void;
  /** The program each worker runs. @default worker-main.ts, beside this file */
  readonly exec?: string;
}

/** A worker as the admin API's `/workers` shows it. */
export interface WorkerInfo {
  readonly id: number;
  readonly pid: number;
  /** Client connections it accepted since it started, and open now (from its last report, every 250 ms). */
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
  /** Reads the config again and applies it (SIGHUP). */
  reload(): void;
  /** Every worker opens its access log again (SIGUSR1, after logrotate renamed it). */
  reopenLogs(): void;
  /** Drains every worker, then stops the primary's checks and admin API; resolves with the exit code. */
  stop(): Promise<number>;
  /** Resolves with the exit code once the cluster has stopped: 0, or 1 when workers died too often. */
  readonly stopped: Promise<number>;
}
// #endregion

const WORKER_MAIN = fileURLToPath(new URL("./worker-main.ts", import.meta.url));

// #region start-cluster
/** Starts the primary's part and forks the workers; resolves once every worker listens. */
export async function startCluster(config: LbConfig, options: ClusterOptions): Promise<RunningCluster> {
  const n = options.workers;
  if (!(Number.isInteger(n) && n >= 1 && n <= 64)) throw new Error(`--workers is a whole number from 1 to 64, not ${n}`);
  if (!cluster.isPrimary) throw new Error("startCluster runs in the primary process only");
  const log = options.log ?? ((line: string) => console.log(line));
  const schedule = options.schedule ?? (process.env.NODE_CLUSTER_SCHED_POLICY === "none" ? "none" : "rr");
  // Node reads the policy once, at the first fork.
  cluster.schedulingPolicy = schedule === "none" ? cluster.SCHED_NONE : cluster.SCHED_RR;
  cluster.setupPrimary({ exec: options.exec ?? WORKER_MAIN });

  const infos = new Map<Worker, WorkerInfo>();
  /** Workers that said hello: their signal handlers are installed. */
  const greeted = new Set<Worker>();
  const inbox = new LightQueue<"reload" | "stop">();
  const primary = new Primary(config, options, log, () => [...infos.values()].sort((a, b) => a.id - b.id));
  const restarts: number[] = [];
  let stopping = false;
  let giveUp = false;
  let addresses: Record<string, Address> = {};
  let readyCount = 0;
  let allReady!: () => void;
  let failStart!: (e: Error) => void;
  const ready = new Promise<void>((ok, fail) => {
    allReady = ok;
    failStart = fail;
  });

  const send = (w: Worker, m: ToWorker): void => {
    if (w.isConnected()) w.send(m);
  };
  primary.broadcast = (m) => {
    for (const w of infos.keys()) send(w, m);
  };
  const fork = (): void => {
    const w = cluster.fork();
    infos.set(w, { id: w.id, pid: w.process.pid ?? 0, accepted: 0, active: 0, version: 0 });
    // A worker that dies between two of our messages still looks connected until the primary reads its end of the
    // channel, and a send in that moment fails (EPIPE): Node reports it as the worker's 'error', which would crash the
    // primary if nobody listened. Nothing is lost by hearing it: the 'exit' below forks a new worker, whose first
    // message is a snapshot of the set.
    w.on("error", (e: Error) => log(`worker ${w.id} (pid ${w.process.pid ?? 0}): ${e.message}`));
    w.on("message", (m: ToPrimary) => {
      const info = infos.get(w);
      if (info === undefined) return;
      if (m.type === "hello") {
        greeted.add(w);
        // The worker listens for messages now. Its first: the config, and the set as it is now — a snapshot at
        // the current version, so the updates sent after it apply on top.
        send(w, { type: "start", config: workerConfig(primary.lb.config, primary.view), view: primary.view, baseDir: options.baseDir, schedule });
      } else if (m.type === "ready") {
        addresses = { ...m.addresses };
        log(`worker ${w.id} (pid ${info.pid}) listens on ${Object.values(m.addresses).map(formatAddress).join(", ")}`);
        if (++readyCount === n) allReady();
      } else if (m.type === "resync") {
        log(`worker ${w.id} missed an update after version ${m.version}: sending a snapshot`);
        send(w, { type: "update", update: { type: "snapshot", version: primary.view.version, backends: primary.view.backends } });
      } else if (m.type === "stats") {
        infos.set(w, { ...info, accepted: m.accepted, active: m.active, version: m.version });
      }
    });
  };

  let done!: (code: number) => void;
  const stopped = new Promise<number>((r) => (done = r));
  let killTimer: NodeJS.Timeout | null = null;
  const afterWorkers = (): void => {
    if (killTimer !== null) clearTimeout(killTimer);
    inbox.putNowait("stop");
  };
  const stop = (): Promise<number> => {
    if (!stopping) {
      stopping = true;
      log(`stopping: ${infos.size} worker(s) drain for up to ${primary.lb.config.stopTimeout} ms`);
      if (infos.size === 0) afterWorkers();
      for (const w of infos.keys()) send(w, { type: "stop" });
      // A worker still there well after its drain deadline is killed.
      killTimer = setTimeout(() => {
        for (const w of infos.keys()) w.process.kill("SIGKILL");
      }, primary.lb.config.stopTimeout + 5000);
    }
    return stopped;
  };

  cluster.on("exit", (w, code, signal) => {
    const info = infos.get(w);
    infos.delete(w);
    greeted.delete(w);
    if (info === undefined) return;
    const how = signal ?? `exit ${code}`;
    if (stopping) {
      log(`worker ${info.id} (pid ${info.pid}) stopped (${how})`);
      if (infos.size === 0) afterWorkers();
      return;
    }
    if (readyCount < n) {
      failStart(new Error(`worker ${info.id} exited (${how}) before it listened`));
      return;
    }
    const now = Date.now();
    while (restarts.length > 0 && restarts[0]! < now - 60_000) restarts.shift();
    if (restarts.length >= (options.maxRestarts ?? 5)) {
      log(`worker ${info.id} (pid ${info.pid}) died (${how}); ${restarts.length} restarts in the last minute already: giving up`);
      giveUp = true;
      void stop();
      return;
    }
    restarts.push(now);
    log(`worker ${info.id} (pid ${info.pid}) died (${how}); forking another`);
    fork();
  });

  // The primary's green threads: its balancer (checks, discovery, admin API), the publisher, and the signals.
  let started!: () => void;
  const hubStarted = new Promise<void>((r) => (started = r));
  const hub = runReal(function* primaryMain(): Green<void> {
    yield* primary.start();
    const publisher = spawn(function* publish(): Green<void> {
      for (;;) {
        yield* sleep(options.publishEvery ?? 50);
        primary.publish();
      }
    });
    started();
    for (;;) {
      const m = yield* inbox.get();
      if (m === "stop") break;
      yield* primary.lb.reloadFromSource();
      primary.publish();
    }
    yield* publisher.kill();
    yield* primary.stop();
  });
  void hub.then(
    () => done(giveUp ? 1 : 0),
    (e: unknown) => {
      log(`the primary failed: ${(e as Error).stack ?? String(e)}`);
      for (const w of infos.keys()) w.process.kill("SIGKILL");
      done(1);
    },
  );
  await Promise.race([hubStarted, hub]);

  for (let i = 0; i < n; i++) fork();
  try {
    await ready;
  } catch (e) {
    await stop();
    throw e;
  }
  log(`${n} worker(s) ready; connections handed out ${schedule === "none" ? "by the kernel (SCHED_NONE)" : "by the primary, in turn (SCHED_RR)"}`);
  return {
    addresses,
    admin: primary.adminAddress,
    view: () => primary.view,
    workers: () => [...infos.values()].sort((a, b) => a.id - b.id),
    reload: () => {
      if (!stopping) inbox.putNowait("reload");
    },
    reopenLogs: () => {
      // Only workers that said hello: one forked a moment ago has no handler yet, and Node's default for SIGUSR1 opens
      // the debugger's port. A worker that starts later opens its log afresh anyway.
      for (const w of greeted) w.process.kill("SIGUSR1");
    },
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

/**
 * The primary's network: connects for real (health checks), listens nowhere. The workers accept on the listeners'
 * ports; the primary's balancer gets listeners that never hand over a connection.
 */
const primaryNetwork = (inner: Network): Network => ({
  *listen(addr: Address): Green<Listener> {
    return new HandoffListener(addr);
  },
  connect: (addr, options) => inner.connect(addr, options),
});

// #region primary
/**
 * What the primary owns: a balancer of its own (balancer.ts) that carries no traffic — its memberships, health
 * checks, discovery and reloads are the one source of truth — and the admin API in front of it. `publish` turns
 * what changed into versioned updates for the workers.
 */
class Primary {
  lb!: Balancer;
  view: ClusterView = EMPTY_VIEW;
  adminAddress: Address | null = null;
  broadcast: (m: ToWorker) => void = () => {};
  #admin: Listener | null = null;
  #sentConfig: LbConfig | null = null;

  constructor(
    readonly config: LbConfig,
    readonly options: ClusterOptions,
    readonly log: (line: string) => void,
    readonly workers: () => WorkerInfo[],
  ) {}

  *start(): Green<void> {
    const admin = this.config.admin;
    const load = this.options.load;
    this.lb = yield* startBalancer(
      { ...this.config, admin: null }, // the admin API is served below, on a real port
      {
        network: primaryNetwork(fastNetwork),
        baseDir: this.options.baseDir,
        log: this.log,
        routes: { ...this.options.routes, "/workers": this.#workersRoute() },
        load: load && ((): ParseResult => {
          const r = load();
          if (!r.ok) return r;
          // Simplification: with --workers, the admin API's address and token are read at the start only.
          if (JSON.stringify(r.config.admin) !== JSON.stringify(admin)) this.log("reload: the admin API's settings change at the next start (--workers)");
          return { ok: true, config: { ...r.config, admin: null } };
        }),
      },
    );
    this.#sentConfig = this.lb.config;
    this.view = { version: 1, backends: this.desired() };
    if (admin !== null) {
      if (!isLoopback(admin.listen.host) && admin.token === undefined) {
        throw new Error(`the admin API refuses to listen on ${admin.listen.host} without a token: only loopback is safe without one`);
      }
      const listener = yield* fastNetwork.listen(admin.listen);
      const inner = balancerAdmin(this.lb);
      const token = admin.token;
      const guarded: Handler = function* (req: HttpRequest): Green<HttpResponse> {
        if (!authorized(req, token)) {
          const body = `${JSON.stringify({ error: "a valid token is required (Authorization: Bearer <token>)" })}\n`;
          return { status: 401, headers: { "Content-Type": "application/json", "WWW-Authenticate": "Bearer" }, body };
        }
        return yield* inner(req);
      };
      spawn(serveHttp, listener, guarded, { maxConnections: 16 });
      this.#admin = listener;
      this.adminAddress = listener.address;
      this.log(`admin API on ${formatAddress(listener.address)}`);
    }
  }

  /** The set as the primary's memberships and checks say it is now. */
  desired(): BackendView[] {
    const out: BackendView[] = [];
    for (const [listener, r] of this.lb.running) {
      const g = r.generation;
      for (const m of g.membership.members.values()) {
        if (m.state !== "active") continue;
        const b = m.backend;
        // Simplification: the primary carries no traffic, so passive checks (outlier ejection) never fire in it;
        // each worker ejects on its own evidence, as each HAProxy thread's observe does.
        const healthy = g.tcp !== null ? g.tcp.usable(b) : g.http!.usable(b);
        out.push({ listener, name: b.name, host: b.address.host, port: b.address.port, weight: m.weight, healthy });
      }
    }
    return out;
  }

  /**
   * Tells the workers what changed since the last call: a new config when a reload changed one, then one
   * versioned update per backend that joined, changed or left.
   */
  publish(): void {
    if (this.lb.config !== this.#sentConfig) {
      this.#sentConfig = this.lb.config;
      this.broadcast({ type: "config", config: workerConfig(this.lb.config, this.view) });
    }
    const want = this.desired();
    const key = (b: { listener: string; name: string }): string => `${b.listener}\u0000${b.name}`;
    const have = new Map(this.view.backends.map((b) => [key(b), b]));
    const wanted = new Set(want.map(key));
    const changes: Update[] = [];
    const next = (): number => this.view.version + changes.length + 1;
    for (const b of this.view.backends) if (!wanted.has(key(b))) changes.push({ type: "remove", version: next(), listener: b.listener, name: b.name });
    for (const b of want) {
      const old = have.get(key(b));
      if (old !== undefined && old.host === b.host && old.port === b.port && old.weight === b.weight && old.healthy === b.healthy) continue;
      changes.push({ type: "upsert", version: next(), backend: b });
      if (old !== undefined && old.healthy !== b.healthy) this.log(`${b.listener}: ${b.name} is ${b.healthy ? "up" : "down"}: telling the workers`);
    }
    for (const u of changes) {
      this.view = applyUpdate(this.view, u).view; // the primary's copy moves by the workers' rule
      this.broadcast({ type: "update", update: u });
    }
  }

  *stop(): Green<void> {
    this.#admin?.close();
    yield* this.lb.stop(0);
  }

  /** `GET /workers`: each worker's pid, its connections and the version of the set it has applied. */
  #workersRoute(): Handler {
    const self = this;
    return function* workers(): Green<HttpResponse> {
      const body = JSON.stringify({ version: self.view.version, workers: self.workers() });
      return { status: 200, headers: { "Content-Type": "application/json" }, body: `${body}\n` };
    };
  }
}
// #endregion

// #region run-cluster
/**
 * `--workers N` from the command line: starts the cluster, says where it listens, reloads on SIGHUP, and on SIGTERM
 * or SIGINT drains every worker; resolves with the exit code (0; 1 when it could not start or workers died too often).
 */
export async function runCluster(config: LbConfig, options: ClusterOptions): Promise<number> {
  const log = options.log ?? ((line: string) => console.log(line));
  // SIGHUP and SIGUSR1 are heard from the start: the workers take seconds to start, and meanwhile Node's defaults would
  // end the primary (SIGHUP) or open its debugger's port (SIGUSR1, logrotate's signal). They are acted on once it runs.
  let c: RunningCluster | null = null;
  const early: ("reload" | "reopen")[] = [];
  const onHup = (): void => (c === null ? void early.push("reload") : c.reload());
  const onUsr1 = (): void => (c === null ? void early.push("reopen") : c.reopenLogs());
  process.on("SIGHUP", onHup);
  process.on("SIGUSR1", onUsr1);
  try {
    c = await startCluster(config, { ...options, log });
  } catch (e) {
    process.off("SIGHUP", onHup);
    process.off("SIGUSR1", onUsr1);
    log(`the cluster did not start: ${(e as Error).message}`);
    return 1;
  }
  const running = c;
  const where = Object.entries(running.addresses).map(([name, a]) => `${name} on ${formatAddress(a)}`);
  log(`listening: ${where.join(", ")}${running.admin ? `; admin API on ${formatAddress(running.admin)}` : ""}`);
  log(`pid ${process.pid} (primary): SIGHUP reloads, SIGUSR1 reopens the workers' access logs, SIGTERM or Ctrl-C stops`);
  for (const what of early.splice(0)) {
    if (what === "reload") running.reload();
    else running.reopenLogs();
  }
  const onStop = (): void => void running.stop();
  process.on("SIGTERM", onStop);
  process.on("SIGINT", onStop);
  try {
    return await running.stopped;
  } finally {
    process.off("SIGTERM", onStop);
    process.off("SIGINT", onStop);
    process.off("SIGHUP", onHup);
    process.off("SIGUSR1", onUsr1);
  }
}
// #endregion
