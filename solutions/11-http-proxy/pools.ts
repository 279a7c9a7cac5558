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
    // Methods and module-level helpers, not named arrow functions: this runs for every request, and under tsx
    // (esbuild's keepNames) each named function made at run time is given its name with Object.defineProperty,
    // which costs microseconds, more than the rest of this function.
    const pool = this;
    const cookie = this.cookie;
    if (cookie !== null) {
      let decision: StickyDecision | null = null;
      return {
        pool,
        fields: withoutCookie(fields, cookie.name),
        pick(tried) {
          if (decision !== null) return pickAmong(pool, usable, tried); // a retry: the cookie's backend failed
          decision = cookie.choose(fields, pool.backends, openTo(usable, tried), () => pickAmong(pool, usable, tried));
          return decision.backend;
        },
        responseFields(b) {
          return decision?.cookie === "valid" && decision.backend === b ? NO_FIELDS : cookie.insert(b);
        },
      };
    }
    const affinity = this.affinity;
    return {
      pool,
      fields,
      pick(tried) {
        if (affinity === null) return pickAmong(pool, usable, tried);
        return affinity.pick({ headers: fields, client }, openTo(usable, tried));
      },
      responseFields() {
        return NO_FIELDS;
      },
    };
  }
}

/** The backends a try may go to: usable, and not tried yet by this request. */
function openTo(usable: (b: Backend) => boolean, tried: ReadonlySet<Backend>): (b: Backend) => boolean {
  return (b) => usable(b) && !tried.has(b);
}

/** The pool's strategy picks among the open backends. */
function pickAmong(pool: Pool, usable: (b: Backend) => boolean, tried: ReadonlySet<Backend>): Backend | null {
  return pool.strategy.pick(openTo(usable, tried));
}

const NO_FIELDS: readonly (readonly [string, string])[] = [];
// #endregion
