// The update protocol between the primary and its workers (`--workers N`): what the primary knows of every backend
// — which listener it serves, where it is, its weight, whether its health checks pass — as versioned messages, and
// the worker's side that applies them. Built in chapter 14 (lab task 6 is `applyUpdate`).
//
// Design principles
//   1. One writer. Only the primary changes the set (admin API, reloads, discovery) and only it runs health checks;
//      a worker's view is a copy, changed by nothing but these messages.
//   2. Every message carries a version, one more than the one before. A worker applies a change only on top of the
//      version it has: an old or repeated message changes nothing, and a gap is noticed, never papered over.
//   3. A snapshot is the whole state. A worker that starts, restarts, or finds a gap gets one, so it never has to
//      replay history.
import type { Peer } from "../09-strategies/strategy";
import type { Membership } from "../12-elastic/membership";
import { reconcile, type Applied, type Wanted } from "../12-elastic/reconcile";

// #region update-types
/** One backend as the primary sees it: the listener it serves, where, its weight, and its health. */
export interface BackendView {
  readonly listener: string;
  readonly name: string;
  readonly host: string;
  readonly port: number;
  /** The configured weight, 0–256. */
  readonly weight: number;
  /** Whether the primary's active checks pass (true when the listener has no checks). */
  readonly healthy: boolean;
}

/** A worker's copy of the set: the version of the last message applied, and the backends it describes. */
export interface ClusterView {
  readonly version: number;
  readonly backends: readonly BackendView[];
}

/** What the primary sends. */
export type Update =
  /** The whole set: sent to a worker that starts, or that asked after a gap. */
  | { readonly type: "snapshot"; readonly version: number; readonly backends: readonly BackendView[] }
  /** A backend joined, or changed its address, weight or health: the new view of it. */
  | { readonly type: "upsert"; readonly version: number; readonly backend: BackendView }
  /** A backend left (it drains in every worker). */
  | { readonly type: "remove"; readonly version: number; readonly listener: string; readonly name: string };

/** What applying an update did: "applied"; "stale" (older than or equal to the view: ignored); "gap" (a version was skipped). */
export type Outcome = "applied" | "stale" | "gap";

/** The view before any message: version 0, no backends. */
export const EMPTY_VIEW: ClusterView = { version: 0, backends: [] };
// #endregion

// #region apply-update
/**
 * The worker's side of the protocol, a pure function: `view` after `update`, and what happened. Never changes
 * `view` itself. A backend is named by its listener and its name together.
 * - a snapshot newer than the view replaces it whole; one not newer is stale;
 * - a change whose version is the view's + 1 is applied: an upsert replaces the backend of that name in place, or
 *   adds it at the end; a remove takes it out (a remove of a backend the view lacks still moves the version);
 * - a change not newer than the view is stale (a repeat, or one a snapshot already covered);
 * - a change further ahead is a gap: the view stays as it is, and the worker asks for a snapshot.
 */
export function applyUpdate(view: ClusterView, update: Update): { view: ClusterView; outcome: Outcome } {
  // BEGIN SOLUTION 6 applyUpdate
  if (update.version <= view.version) return { view, outcome: "stale" };
  if (update.type === "snapshot") return { view: { version: update.version, backends: [...update.backends] }, outcome: "applied" };
  if (update.version !== view.version + 1) return { view, outcome: "gap" };
  const key = update.type === "upsert" ? update.backend : update;
  const same = (b: BackendView): boolean => b.listener === key.listener && b.name === key.name;
  let backends: BackendView[];
  if (update.type === "remove") backends = view.backends.filter((b) => !same(b));
  else if (view.backends.some(same)) backends = view.backends.map((b) => (same(b) ? update.backend : b));
  else backends = [...view.backends, update.backend];
  return { view: { version: update.version, backends }, outcome: "applied" };
  // END SOLUTION
}
// #endregion

// #region wanted
/**
 * What a worker's membership of `listener` should hold, for chapter 12's `plan`. A backend marked down gets no new
 * work and keeps what it has, as in HAProxy (which cuts its connections only with `on-marked-down
 * shutdown-sessions`): on a tcp listener it stays with weight 0; on an http listener, whose proxy picks by its own
 * strategy and reads no weight, it is left out, so it drains by the request (chapter 12) and joins again once up.
 */
export function wantedOf(view: ClusterView, listener: string, protocol: "tcp" | "http" = "tcp"): Wanted[] {
  return view.backends
    .filter((b) => b.listener === listener && (b.healthy || protocol === "tcp"))
    .map((b) => ({ name: b.name, host: b.host, port: b.port, weight: b.healthy ? b.weight : 0 }));
}

/**
 * Brings a worker's membership of `listener` in line with `view`, through chapter 12's reconcile: the worker's members
 * are those its proxy started with (source "config") and those the updates added since (the same source).
 */
export function follow(membership: Membership, listener: string, view: ClusterView, protocol: "tcp" | "http" = "tcp"): Applied {
  return reconcile(membership, "config", wantedOf(view, listener, protocol));
}

/** The backend a view describes, with its weight, as chapter 09's strategies read one. */
export const backendOf = (b: BackendView): Peer => ({ name: b.name, address: { host: b.host, port: b.port }, weight: b.weight });
// #endregion
