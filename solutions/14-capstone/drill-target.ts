// The balancer a chaos drill runs against, behind one small contract, so the drill does not care how the
// balancer is put together. Chapter 14.
import type { Green } from "../02-hub/suspend";
import type { Random } from "../05-green-sockets/random";
import { formatAddress, type Address, type Network } from "../05-green-sockets/socket";
import type { Backend } from "../08-tcp-proxy/balancer";
import { startBalancer } from "./balancer";
import { parseConfig, type LbConfig } from "./config";

/** A running balancer, as the drill sees it. */
export interface DrillTarget {
  /** Where clients send their requests. */
  readonly address: Address;
  /** Whether the balancer would send a new request to backend `name` now (false for one it does not have). */
  usable(name: string): boolean;
  /** Reloads a config whose only change is the set of backends. */
  reload(backends: readonly Backend[]): Green<void>;
  stop(): Green<void>;
}

export interface TargetOptions {
  /** The balancer's host: it listens there and reaches its backends from there. */
  readonly network: Network;
  readonly listen: Address;
  readonly backends: readonly Backend[];
  /** Retries on another backend (2 of them), or none. */
  readonly retries: boolean;
  readonly random: Random;
}

export type StartTarget = (options: TargetOptions) => Green<DrillTarget>;

// #region drill-config
/**
 * The config the drill runs the balancer with, as a file would hold it: one HTTP listener, HAProxy's active checks
 * every second (every 250 ms while a backend changes state), Envoy's outlier detection, up to two retries on
 * another backend under Envoy's retry budget — or none — and timeouts short enough to matter within a minute.
 */
export function drillConfig(listen: Address, backends: readonly Backend[], retries: boolean): string {
  const list = backends.map((b) => `      - { name: ${b.name}, address: "${formatAddress(b.address)}" }`);
  return [
    "listeners:",
    "  web:",
    "    protocol: http",
    `    listen: "${formatAddress(listen)}"`,
    "    backends:",
    ...list,
    "    health: { kind: haproxy, inter: 1000, fastinter: 250, downinter: 1000, rise: 2, fall: 2, timeout: 250 }",
    "    outlier: { interval: 1000, baseEjectionTime: 5000, consecutive5xx: 3, consecutiveGatewayFailure: 3, maxEjectionPercent: 50 }",
    `    retries: { maxRetries: ${retries ? 2 : 0} }`,
    "    timeouts: { connect: 250, server: 1000 }",
    "admin: null",
    "drainTimeout: 5000",
    "",
  ].join("\n");
}
// #endregion

const parsed = (text: string): LbConfig => {
  const r = parseConfig(text);
  // `in`, not `!r.ok`: tslab's TypeScript (5.0, not strict) narrows the union only this way.
  if ("errors" in r) throw new Error(`the drill's config has mistakes: ${r.errors.map((e) => `${e.line}:${e.column} ${e.path}: ${e.message}`).join("; ")}`);
  return r.config;
};

// #region capstone-target
/** The capstone's balancer (balancer.ts) started from drillConfig; a reload is a reload of the whole config. */
export const capstoneTarget: StartTarget = function* (o) {
  const lb = yield* startBalancer(parsed(drillConfig(o.listen, o.backends, o.retries)), { network: o.network, random: o.random });
  return {
    address: lb.listeners.get("web")!,
    usable(name) {
      const g = lb.generation("web");
      const m = g?.membership.byName(name);
      return g !== undefined && m !== undefined && m.state === "active" && g.usable(m.backend);
    },
    *reload(backends) {
      const report = yield* lb.reload(parsed(drillConfig(o.listen, backends, o.retries)));
      if (!report.ok) throw new Error(`the drill's reload was refused: ${report.errors.map((e) => e.message).join("; ")}`);
    },
    *stop() {
      yield* lb.stop(0);
    },
  };
};
// #endregion
