// A worker of `--workers N` (cluster.ts forks it): the data path only. It gets its config and the set of backends
// from the primary, accepts on the listening sockets every worker shares, and follows the primary's updates; it
// runs no health check, no admin API and no reload of its own. Built in chapter 14.
import { runReal, sleep } from "../02-hub/green";
import { spawn } from "../03-cancellation/greenthread";
import type { Green } from "../02-hub/suspend";
import { LightQueue } from "../04-primitives/queue";
import type { Address } from "../05-green-sockets/socket";
import { fastNetwork } from "../08-tcp-proxy/fast-net";
import { spliceRelay } from "../08-tcp-proxy/splice";
import { startElasticProxy, type ElasticProxy } from "../12-elastic/proxy";
import type { ClusterConfig, ToPrimary, ToWorker } from "./cluster-messages";
import { applyUpdate, backendOf, follow, type ClusterView } from "./updates";

// #region worker
/** Runs this process as a worker until the primary says stop (or SIGTERM, or the primary is gone). */
export async function runWorker(): Promise<void> {
  const send = (m: ToPrimary): void => {
    if (process.connected) process.send!(m);
  };
  const inbox = new LightQueue<ToWorker>();
  const early: ToWorker[] = [];
  let deliver = (m: ToWorker): void => void early.push(m);
  process.on("message", (m: ToWorker) => deliver(m));
  // A stop from a signal or a lost primary is a stop message like the primary's: one way out.
  for (const signal of ["SIGTERM", "SIGINT"] as const) process.on(signal, () => deliver({ type: "stop" }));
  process.on("disconnect", () => deliver({ type: "stop" }));
  let last: ToPrimary | null = null;
  send({ type: "hello" });

  await runReal(function* worker(): Green<void> {
    deliver = (m) => inbox.putNowait(m);
    for (const m of early) inbox.putNowait(m);
    let first = yield* inbox.get();
    while (first.type !== "start" && first.type !== "stop") first = yield* inbox.get();
    if (first.type === "stop") return;
    const { config } = first;
    let view: ClusterView = first.view;
    const proxies = new Map<string, ElasticProxy>();
    const addresses: Record<string, Address> = {};
    for (const [name, l] of Object.entries(config.listeners)) {
      const ep = yield* startElasticProxy({
        network: fastNetwork,
        relay: spliceRelay,
        listen: l.listen,
        backlog: 4096,
        backends: view.backends.filter((b) => b.listener === name).map(backendOf),
        health: null, // the primary checks; this worker hears the verdicts
        outlier: null,
        drainTimeout: config.drainTimeout,
      });
      follow(ep.membership, name, view); // a backend down now goes to weight 0
      proxies.set(name, ep);
      addresses[name] = ep.proxy.address;
    }
    send({ type: "ready", addresses });
    const accepted = (): number => [...proxies.values()].reduce((n, p) => n + p.proxy.clients.total, 0);
    const active = (): number => [...proxies.values()].reduce((n, p) => n + p.proxy.clients.active, 0);
    const reporter = spawn(function* report(): Green<void> {
      for (;;) {
        send({ type: "stats", accepted: accepted(), active: active(), version: view.version });
        yield* sleep(250);
      }
    });
    for (;;) {
      const m = yield* inbox.get();
      if (m.type === "stop") break;
      if (m.type !== "update") continue;
      const r = applyUpdate(view, m.update);
      if (r.outcome === "gap") send({ type: "resync", version: view.version });
      if (r.outcome !== "applied") continue;
      view = r.view;
      for (const [name, ep] of proxies) follow(ep.membership, name, view);
    }
    yield* reporter.kill();
    for (const ep of proxies.values()) ep.proxy.listener.close(); // every listener stops accepting at once
    for (const ep of proxies.values()) yield* ep.shutdown(config.stopTimeout);
    last = { type: "stats", accepted: accepted(), active: 0, version: view.version };
  });
  // The last counters reach the primary before the exit (a send is asynchronous).
  if (last !== null && process.connected) await new Promise<void>((done) => process.send!(last, undefined, {}, () => done()));
  process.exit(0);
}
// #endregion

export type { ClusterConfig };
