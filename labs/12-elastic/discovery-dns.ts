// Discovery from DNS: the backends are what a name resolves to (A or AAAA records, with a port we know; or SRV
// records, which carry their own ports and weights), asked again when the answer's TTL runs out. Built in chapter 12.
import { Resolver as NodeResolver } from "node:dns/promises";
import { getHub } from "../02-hub/hub";
import { getCurrent, sleep } from "../02-hub/green";
import { PARK, type Green } from "../02-hub/suspend";
import { spawn, type GreenThread } from "../03-cancellation/greenthread";
import type { Membership } from "./membership";
import { reconcile, type Wanted } from "./reconcile";

// #region resolver
export type RecordType = "A" | "AAAA" | "SRV";

/** One answer record. `ttl` in seconds; null when the resolver does not say (Node's SRV answers). */
export interface DnsRecord {
  readonly host: string;
  readonly ttl: number | null;
  /** SRV only. */
  readonly port?: number;
  readonly priority?: number;
  readonly weight?: number;
}

/** What discovery asks DNS. Injected, so that tests answer from a table on the virtual clock. */
export interface Resolver {
  resolve(name: string, type: RecordType): Green<DnsRecord[]>;
}

/** The system's DNS through node:dns (c-ares). A and AAAA come with their TTLs; Node gives SRV answers none. */
export const nodeResolver: Resolver = {
  *resolve(name: string, type: RecordType): Green<DnsRecord[]> {
    const r = new NodeResolver();
    if (type === "SRV") {
      const srv = yield* awaitPromise(r.resolveSrv(name));
      return srv.map((s) => ({ host: s.name, port: s.port, priority: s.priority, weight: s.weight, ttl: null }));
    }
    const addrs = yield* awaitPromise(type === "A" ? r.resolve4(name, { ttl: true }) : r.resolve6(name, { ttl: true }));
    return addrs.map((a) => ({ host: a.address, ttl: a.ttl }));
  },
};

/** Parks the calling thread until `p` settles (on the real clock only: a virtual run never waits for Node). */
function* awaitPromise<T>(p: Promise<T>): Green<T> {
  const hub = getHub();
  const me = getCurrent();
  let outcome: { ok: true; value: T } | { ok: false; error: unknown } | null = null;
  p.then(
    (value) => {
      outcome = { ok: true, value };
      hub.resume(me);
    },
    (error: unknown) => {
      outcome = { ok: false, error };
      hub.resume(me);
    },
  );
  while (outcome === null) yield PARK;
  const o = outcome as { ok: true; value: T } | { ok: false; error: unknown };
  if (!o.ok) throw o.error;
  return o.value;
}
// #endregion

// #region dns-wanted
/**
 * The backends an answer names. A/AAAA: every address, at `port`. SRV: the targets of the lowest priority only
 * (RFC 2782: a client must try those first; the others are for when they all fail), with their own ports, and their
 * weights clamped to our 1–256 (an SRV weight of 0 means "rarely", which a weight of 1 comes closest to).
 */
export function wantedFrom(records: readonly DnsRecord[], type: RecordType, port: number): Wanted[] {
  let rs = records;
  if (type === "SRV") {
    const top = Math.min(...rs.map((r) => r.priority ?? 0));
    rs = rs.filter((r) => (r.priority ?? 0) === top);
  }
  const out = new Map<string, Wanted>();
  for (const r of rs) {
    const p = type === "SRV" ? r.port ?? port : port;
    const weight = type === "SRV" ? Math.min(256, Math.max(1, r.weight ?? 1)) : 1;
    const name = `${r.host.replace(/\.$/, "")}:${p}`;
    if (!out.has(name)) out.set(name, { name, host: r.host.replace(/\.$/, ""), port: p, weight });
  }
  return [...out.values()];
}

/** Milliseconds until the answer should be asked again: its smallest TTL, within [minRefresh, maxRefresh]. */
export function refreshAfter(records: readonly DnsRecord[], o: { minRefresh: number; maxRefresh: number; defaultTtl: number }): number {
  const ttls = records.map((r) => r.ttl).filter((t): t is number => t !== null);
  const ms = ttls.length > 0 ? Math.min(...ttls) * 1000 : o.defaultTtl;
  return Math.min(o.maxRefresh, Math.max(o.minRefresh, ms));
}
// #endregion

// #region dns-watch
export interface DnsWatchOptions {
  readonly name: string;
  /** @default "A" */
  readonly type?: RecordType;
  /** The backends' port, for A and AAAA answers (SRV answers carry theirs). @default 80 */
  readonly port?: number;
  readonly resolver: Resolver;
  /** @default "dns" */
  readonly source?: string;
  /** Bounds on the wait between lookups, ms: a TTL of 0 does not make us ask in a loop. @default 1000 and 300000 */
  readonly minRefresh?: number;
  readonly maxRefresh?: number;
  /** The wait when an answer carries no TTL (SRV through Node). @default 30000 */
  readonly defaultTtl?: number;
  /** The wait after a failed lookup. @default 5000 */
  readonly retry?: number;
  readonly log?: (line: string) => void;
}

export class DnsWatch {
  /** The last good answer's backends. */
  good: Wanted[] | null = null;
  error: string | null = null;
  lookups = 0;
  /** When the last lookup happened, and how long until the next (for tests and the admin API). */
  lastAt = -1;
  nextIn = 0;
  #thread: GreenThread<void> | null = null;

  constructor(
    readonly membership: Membership,
    readonly options: DnsWatchOptions,
  ) {}

  /** One lookup: on success the members follow the answer; on failure they stay as they are. Returns the wait. */
  *refresh(): Green<number> {
    const o = this.options;
    const type = o.type ?? "A";
    const log = o.log ?? (() => {});
    this.lookups++;
    this.lastAt = getHub().now();
    try {
      const records = yield* o.resolver.resolve(o.name, type);
      // Simplification: an empty answer is treated as a failed lookup (the set stays); a production balancer would
      // say whether an empty answer empties the set (Envoy's STRICT_DNS removes hosts that are no longer returned).
      if (records.length === 0) throw new Error("no records");
      this.good = wantedFrom(records, type, o.port ?? 80);
      this.error = null;
      const { changes, refused } = reconcile(this.membership, o.source ?? "dns", this.good);
      for (const c of changes) log(`${o.name} ${type}: ${c}`);
      for (const r of refused) log(`${o.name} ${type}: refused ${r}`);
      this.nextIn = refreshAfter(records, { minRefresh: o.minRefresh ?? 1000, maxRefresh: o.maxRefresh ?? 300_000, defaultTtl: o.defaultTtl ?? 30_000 });
    } catch (e) {
      this.error = (e as Error).message;
      log(`${o.name} ${type}: lookup failed (${this.error}); keeping the last good set (${this.good?.length ?? 0} backends)`);
      this.nextIn = o.retry ?? 5000;
    }
    return this.nextIn;
  }

  start(): void {
    if (this.#thread !== null) return;
    this.#thread = spawn(function* watch(w: DnsWatch) {
      for (;;) yield* sleep(yield* w.refresh());
    }, this);
  }

  *stop(): Green<void> {
    const t = this.#thread;
    this.#thread = null;
    if (t !== null) yield* t.kill();
  }
}
// #endregion
