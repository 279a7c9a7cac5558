// A worker of `--workers N` (cluster.ts forks it): the data path only. It runs the balancer (balancer.ts) on the
// config the primary sends, with no admin API, no health checks and no discovery of its own; it accepts on the
// listening sockets every worker shares, and follows the primary's updates. Built in chapter 14.
import { runReal, sleep } from "../02-hub/green";
import type { Green } from "../02-hub/suspend";
import { spawn } from "../03-cancellation/greenthread";
import { LightQueue } from "../04-primitives/queue";
import type { Address, Listener, Network } from "../05-green-sockets/socket";
import { fastNetwork } from "../08-tcp-proxy/fast-net";
import { acceptingNetwork } from "./acceptors";
import { startBalancer, type Balancer } from "./balancer";
import type { ToPrimary, ToWorker } from "./cluster-messages";
import type { LbConfig } from "./config";
import { applyUpdate, follow, type ClusterView } from "./updates";

// #region worker-config
/**
 * The config a worker runs: the primary's, without what only the primary does — the admin API, the health checks,
 * the discovery files — and with each listener's backends as the primary's view says (a backend down at weight 0).
 */
export function workerConfig(config: LbConfig, view: ClusterView): LbConfig {
  const listeners: Record<string, LbConfig["listeners"][string]> = {};
  for (const [name, l] of Object.entries(config.listeners)) {
    const { discovery: _discovery, ...rest } = l;
    const caps = new Map((l.backends ?? []).map((b) => [b.name, b.maxConnections]));
    const backends = view.backends
      .filter((b) => b.listener === name)
      .map((b) => ({ name: b.name, address: { host: b.host, port: b.port }, weight: b.healthy ? b.weight : 0, maxConnections: caps.get(b.name) }));
    listeners[name] = { ...rest, health: null, backends };
  }
  return { ...config, admin: null, listeners };
}
// #endregion

// #region worker
/** Runs this process as a worker until the primary says stop (or SIGTERM, or the primary is gone). */
export async function runWorker(): Promise<void> {
  // A send in the moment the primary dies fails (EPIPE) before 'disconnect' arrives. Given a callback, Node hands the
  // error to it instead of raising it on `process`, where it would crash the worker and cut its connections short;
  // 'disconnect' comes next and starts the drain.
  const send = (m: ToPrimary): void => {
    if (process.connected) process.send!(m, undefined, {}, () => {});
  };
  const inbox = new LightQueue<ToWorker>();
  const early: ToWorker[] = [];
  let deliver = (m: ToWorker): void => void early.push(m);
  process.on("message", (m: ToWorker) => deliver(m));
  // A stop from a signal or a lost primary is a stop message like the primary's: one way out.
  for (const signal of ["SIGTERM", "SIGINT"] as const) process.on(signal, () => deliver({ type: "stop" }));
  process.on("disconnect", () => deliver({ type: "stop" }));
  process.on("SIGHUP", () => {}); // the primary reloads; a terminal's hang-up must not kill a worker
  const here: { lb: Balancer | null } = { lb: null };
  process.on("SIGUSR1", () => void here.lb?.reopenLogs()); // the primary passes logrotate's signal on
  let last: ToPrimary | null = null;
  send({ type: "hello" });

  await runReal(function* worker(): Green<void> {
    deliver = (m) => inbox.putNowait(m);
    for (const m of early) inbox.putNowait(m);
    let first = yield* inbox.get();
    while (first.type !== "start" && first.type !== "stop") first = yield* inbox.get();
    if (first.type === "stop") return;
    let config = first.config;
    let view: ClusterView = first.view;
    // Under SCHED_NONE this worker accepts from the shared socket itself, through a descriptor of its own that the
    // primary sent, so it can watch copies of it too (acceptors.ts). Under round robin the primary accepts, and the
    // worker's server has no descriptor to copy.
    const network = first.schedule === "none" ? acceptingNetwork(config.acceptors) : fastNetwork;
    const counted = countingNetwork(network);
    const running: Balancer = yield* startBalancer(workerConfig(config, view), { network: counted.network, baseDir: first.baseDir });
    here.lb = running;
    const followAll = (): void => {
      for (const [name, r] of running.running) follow(r.generation.membership, name, view, r.generation.config.protocol);
    };
    send({ type: "ready", addresses: Object.fromEntries(running.listeners) as Record<string, Address> });
    const open = (): number => [...running.running.values()].reduce((n, r) => n + r.generation.open(), 0);
    const reporter = spawn(function* report(): Green<void> {
      for (let tick = 0; ; tick++) {
        send({ type: "stats", accepted: counted.accepted(), active: open(), version: view.version });
        // An http backend that came back up while its earlier self still drained is added once that one is gone.
        if (tick % 4 === 3) followAll();
        yield* sleep(250);
      }
    });
    for (;;) {
      const m = yield* inbox.get();
      if (m.type === "stop") break;
      if (m.type === "config") {
        config = m.config;
        const r = yield* running.reload(workerConfig(config, view));
        if (!r.ok) console.error(`worker ${process.pid}: reload refused: ${r.errors.map((e) => e.message).join("; ")}`);
        followAll();
        continue;
      }
      if (m.type !== "update") continue;
      const r = applyUpdate(view, m.update);
      if (r.outcome === "gap") send({ type: "resync", version: view.version });
      if (r.outcome !== "applied") continue;
      view = r.view;
      followAll();
    }
    yield* reporter.kill();
    yield* running.stop(config.stopTimeout);
    last = { type: "stats", accepted: counted.accepted(), active: 0, version: view.version };
  });
  await here.lb?.closeLogs(); // the access log's last lines are written out
  // The last counters reach the primary before the exit (a send is asynchronous).
  if (last !== null && process.connected) await new Promise<void>((done) => process.send!(last, undefined, {}, () => done()));
  process.exit(0);
}

/** `inner`, counting the connections its listeners accept (what `/workers` shows per worker). */
function countingNetwork(inner: Network): { network: Network; accepted: () => number } {
  let accepted = 0;
  const network: Network = {
    *listen(addr, backlog): Green<Listener> {
      const l = yield* inner.listen(addr, backlog);
      return {
        get address() {
          return l.address;
        },
        get closed() {
          return l.closed;
        },
        *accept(timeout) {
          const s = yield* l.accept(timeout);
          accepted++;
          return s;
        },
        close: () => l.close(),
      };
    },
    connect: (addr, options) => inner.connect(addr, options),
  };
  return { network, accepted: () => accepted };
}
// #endregion
