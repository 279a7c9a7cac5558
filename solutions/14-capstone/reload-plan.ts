// Planning a reload: from the config that runs and the one read again, what each listener must do. A pure function,
// so the whole of "what a reload touches" can be read and tested without a network. Built in chapter 14 (lab task 2).
import { isDeepStrictEqual } from "node:util";
import type { LbConfig, ListenerConfig } from "./config";

// #region reload-plan
/**
 * What a reload does to each listener, by name (each list in the order of the new config, then of the old):
 * - `start`: a listener only the new config has: bind its port, start its proxy.
 * - `stop`: a listener only the old config has: stop accepting, drain its connections.
 * - `rebind`: its `listen` changed: bind the new address first, start a proxy there, close the old port, drain.
 * - `replace`: any setting but `backends` changed (protocol, strategy, health, limits, timeouts, discovery…), or
 *   `drainTimeout` did: a new proxy on the same port takes the new connections, the old one drains.
 * - `reconcile`: only `backends` changed: chapter 12's plan adds, drains and reweights members; nothing restarts.
 * - `keep`: nothing changed.
 * `admin` says the same of the admin API ("keep", "start", "stop" or "rebind": its address or token changed).
 */
export interface ReloadPlan {
  readonly start: string[];
  readonly stop: string[];
  readonly rebind: string[];
  readonly replace: string[];
  readonly reconcile: string[];
  readonly keep: string[];
  readonly admin: "keep" | "start" | "stop" | "rebind";
}

export function planReload(running: LbConfig, next: LbConfig): ReloadPlan {
  const out: ReloadPlan = { start: [], stop: [], rebind: [], replace: [], reconcile: [], keep: [], admin: "keep" };
  // BEGIN SOLUTION 2 planReload
  const everyone = running.drainTimeout !== next.drainTimeout;
  for (const [name, n] of Object.entries(next.listeners)) {
    const o = running.listeners[name];
    if (o === undefined) out.start.push(name);
    else if (!isDeepStrictEqual(o.listen, n.listen)) out.rebind.push(name);
    else if (everyone || !isDeepStrictEqual(withoutBackends(o), withoutBackends(n))) out.replace.push(name);
    else if (!isDeepStrictEqual(o.backends, n.backends)) out.reconcile.push(name);
    else out.keep.push(name);
  }
  for (const name of Object.keys(running.listeners)) if (!(name in next.listeners)) out.stop.push(name);
  const [a, b] = [running.admin, next.admin];
  return { ...out, admin: a === null ? (b === null ? "keep" : "start") : b === null ? "stop" : isDeepStrictEqual(a, b) ? "keep" : "rebind" };
  // END SOLUTION
}

/** A listener's settings but its backend list: what a running proxy cannot take without being replaced. */
export function withoutBackends(l: ListenerConfig): Omit<ListenerConfig, "backends"> {
  const { backends: _backends, ...rest } = l;
  return rest;
}
// #endregion
