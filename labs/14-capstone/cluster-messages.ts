// The messages the primary and its workers exchange over node:cluster's IPC channel. Built in chapter 14.
import type { Address } from "../05-green-sockets/socket";
import type { LbConfig } from "./config";
import type { ClusterView, Update } from "./updates";

// #region messages
/** Primary → worker. */
export type ToWorker =
  /** The first message: the config to run (as `workerConfig` makes it) and the set as it is now. */
  | {
      readonly type: "start";
      readonly config: LbConfig;
      readonly view: ClusterView;
      readonly baseDir?: string;
      /** Who hands out connections: under "none" the worker accepts from the shared socket itself. */
      readonly schedule?: "rr" | "none";
    }
  | { readonly type: "update"; readonly update: Update }
  /** The primary reloaded a config whose listeners changed: run this one (its backends come from the view). */
  | { readonly type: "config"; readonly config: LbConfig }
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
  /** Counters, every 250 ms: connections accepted since the worker started, open now, and the version applied. */
  | { readonly type: "stats"; readonly accepted: number; readonly active: number; readonly version: number };
// #endregion
