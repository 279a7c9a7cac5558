// Named pools of backends — HAProxy's `backend` sections, Envoy's clusters — that routes send requests to, each
// with chapter 09's strategy and, when asked, sticky sessions. Built in chapter 11.
//
// A pool is where the request-level policies of lab tasks 3 meet the proxy: the route names the pool, the pool's
// stickiness (a cookie, or a hash of a header or the client's address) or else its strategy picks the backend, and
// the pool hears how each request went, so least-connections, peak EWMA and bounded loads see requests, not
// connections.
import type { Random } from "../05-green-sockets/random";
import type { Headers } from "../07-http/headers";
import type { Backend } from "../08-tcp-proxy/balancer";
import { makeStrategy, type StrategyConfig, type StrategyName } from "../09-strategies/strategies";
import type { Strategy } from "../09-strategies/strategy";
import { HashAffinity, StickyCookie, withoutCookie, type HashAffinityOptions, type StickyCookieOptions, type StickyDecision } from "./sticky";

// #region pool-config
export type StickyConfig = ({ readonly kind: "cookie" } & StickyCookieOptions) | ({ readonly kind: "hash" } & Omit<HashAffinityOptions, "random">);

export interface PoolConfig {
  readonly backends: readonly Backend[];
  /** @default "round-robin" */
  readonly strategy?: StrategyName | StrategyConfig;
  /** HAProxy's cookie insert, or consistent hashing on a header or the client's address; null: none. @default null */
  readonly sticky?: StickyConfig | null;
}

/** One request's dealings with its pool, for all its tries. */
export interface Choice {
  readonly pool: Pool;
  /** The request's fields for the backend (the sticky cookie taken out: HAProxy's `indirect`). */
  readonly fields: Headers;
  /** The backend for the next try, among the usable ones not tried yet; null when none is left. */
  pick(tried: ReadonlySet<Backend>): Backend | null;
  /** Fields to add to the response `b` gave: a Set-Cookie that sticks the client to `b`, when it needs one. */
  responseFields(b: Backend): readonly (readonly [string, string])[];
}
// #endregion

// #region pool
export class Pool {
  readonly strategy: Strategy;
  readonly cookie: StickyCookie | null;
  readonly affinity: HashAffinity | null;

  constructor(
    readonly name: string,
    config: PoolConfig,
    options: { readonly random: Random; readonly now: () => number },
  ) {
    this.strategy = makeStrategy(config.strategy ?? "round-robin", config.backends, options);
    const sticky = config.sticky ?? null;
    this.cookie = sticky?.kind === "cookie" ? new StickyCookie(sticky) : null;
    this.affinity = sticky?.kind === "hash" ? new HashAffinity(config.backends, this.strategy, { ...sticky, random: options.random }) : null;
  }

  get backends(): readonly Backend[] {
    return this.strategy.backends;
  }

  add(b: Backend): void {
    if (this.affinity !== null) this.affinity.add(b); // it tells the strategy too
    else this.strategy.add(b);
  }

  remove(b: Backend): void {
    if (this.affinity !== null) this.affinity.remove(b);
    else this.strategy.remove(b);
  }

  /** A request was sent to `b` / its exchange with `b` ended: the strategy (and the ring's bounded loads) count it. */
  started(b: Backend): void {
    if (this.affinity !== null) this.affinity.started(b);
    else this.strategy.started(b);
  }

  finished(b: Backend): void {
    if (this.affinity !== null) this.affinity.finished(b);
    else this.strategy.finished(b);
  }

  /** How a request with `fields`, from `client`, picks its backends. `usable` is the health view. */
  choose(fields: Headers, client: string, usable: (b: Backend) => boolean): Choice {
    // Classes, not an object of closures: a request keeps its Choice while it waits for its backend, and closures
    // would be two functions and their context made per request. (Under tsx, esbuild's keepNames also names each
    // function made at run time with Object.defineProperty, which costs microseconds.)
    return this.cookie !== null ? new CookieChoice(this, this.cookie, fields, usable) : new PlainChoice(this, fields, client, usable);
  }
}

/** A pool without stickiness, or with a hash's: the affinity or the strategy picks. */
class PlainChoice implements Choice {
  constructor(
    readonly pool: Pool,
    readonly fields: Headers,
    private readonly client: string,
    private readonly usable: (b: Backend) => boolean,
  ) {}

  pick(tried: ReadonlySet<Backend>): Backend | null {
    const affinity = this.pool.affinity;
    if (affinity === null) return pickAmong(this.pool, this.usable, tried);
    return affinity.pick({ headers: this.fields, client: this.client }, openTo(this.usable, tried));
  }

  responseFields(): readonly (readonly [string, string])[] {
    return NO_FIELDS;
  }
}

/** A pool with HAProxy's cookie: the cookie's backend first, and a Set-Cookie when the response needs one. */
class CookieChoice implements Choice {
  readonly fields: Headers;
  #decision: StickyDecision | null = null;

  constructor(
    readonly pool: Pool,
    private readonly cookie: StickyCookie,
    private readonly received: Headers,
    private readonly usable: (b: Backend) => boolean,
  ) {
    this.fields = withoutCookie(received, cookie.name);
  }

  pick(tried: ReadonlySet<Backend>): Backend | null {
    if (this.#decision !== null) return pickAmong(this.pool, this.usable, tried); // a retry: the cookie's backend failed
    this.#decision = this.cookie.choose(this.received, this.pool.backends, openTo(this.usable, tried), () => pickAmong(this.pool, this.usable, tried));
    return this.#decision.backend;
  }

  responseFields(b: Backend): readonly (readonly [string, string])[] {
    const d = this.#decision;
    return d?.cookie === "valid" && d.backend === b ? NO_FIELDS : this.cookie.insert(b);
  }
}

/** The backends a try may go to: usable, and not tried yet by this request. */
function openTo(usable: (b: Backend) => boolean, tried: ReadonlySet<Backend>): (b: Backend) => boolean {
  return tried.size === 0 ? usable : (b) => usable(b) && !tried.has(b);
}

/** The pool's strategy picks among the open backends. */
function pickAmong(pool: Pool, usable: (b: Backend) => boolean, tried: ReadonlySet<Backend>): Backend | null {
  return pool.strategy.pick(openTo(usable, tried));
}

const NO_FIELDS: readonly (readonly [string, string])[] = [];
// #endregion
