// The messages the primary and its workers exchange over node:cluster's IPC channel, and the part of a config the
// cluster reads. Built in chapter 14.
import type { Address } from "../05-green-sockets/socket";
import type { CheckerConfig } from "../10-health/checker";
import type { ClusterView, Update } from "./updates";

// #region cluster-config
/**
 * What `--workers` reads of a config: the listeners, the admin API, the timeouts. The balancer's `LbConfig`
 * (config.ts) has all of it; naming the part here keeps the cluster's needs in one place.
 */
export interface ClusterConfig {
  readonly listeners: Readonly<Record<string, ClusterListener>>;
  readonly admin: { readonly listen: Address; readonly token?: string } | null;
  /** Milliseconds a removed backend keeps its connections. */
  readonly drainTimeout: number;
  /** Milliseconds a graceful stop lets connections finish. */
  readonly stopTimeout: number;
}

export interface ClusterListener {
  readonly protocol: "tcp" | "http";
  readonly listen: Address;
  readonly backends?: readonly { readonly name: string; readonly address: Address; readonly weight: number }[];
  readonly health: (CheckerConfig & { readonly path?: string }) | null;
}
// #endregion

// #region messages
/** Primary → worker. */
export type ToWorker =
  /** The first message: the config to run and the set as it is now. */
  | { readonly type: "start"; readonly config: ClusterConfig; readonly view: ClusterView }
  | { readonly type: "update"; readonly update: Update }
  /** Stop accepting, let connections finish (up to the config's stopTimeout), exit 0. */
  | { readonly type: "stop" };

/** Worker → primary. */
export type ToPrimary =
  /** Listening for messages now (one sent before that would be lost): send "start". */
  | { readonly type: "hello" }
  /** Listening on every listener: where. */
  | { readonly type: "ready"; readonly addresses: Readonly<Record<string, Address>> }
  /** A gap in the versions: send me a snapshot. */
  | { readonly type: "resync"; readonly version: number }
  /** Counters, every 250 ms: connections accepted since the worker started, and the version it has applied. */
  | { readonly type: "stats"; readonly accepted: number; readonly active: number; readonly version: number };
// #endregion
