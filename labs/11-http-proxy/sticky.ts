// Sticky sessions: HAProxy's `cookie SERVERID insert indirect nocache`, and consistent hashing on a header or the
// client's address with chapter 09's ring. Built in chapter 11 (lab task 3).
//
// HAProxy's configuration manual, `cookie` (section 4.2) and the server option `cookie <value>` (5.2):
//   insert   — the balancer adds `Set-Cookie: SERVERID=<server's cookie>` to a response when the request had no valid
//              cookie for the server that answered it;
//   indirect — a client that already has a valid cookie gets no new one, and in insert mode the cookie is removed
//              from the request before it is forwarded, so the application never sees it;
//   nocache  — a response that gets the cookie is marked `Cache-Control: private`, so a shared cache does not hand
//              one client's persistence cookie to everyone.
// A cookie naming a server that is down (or unknown) is not valid: the request is load-balanced as if it had none
// and the answer carries a fresh cookie (HAProxy logs this as cookie state "D" or "I", then "I" for insert). See
// http_manage_client_side_cookies and http_process_res_common in HAProxy's src/http_ana.c.
import type { Random } from "../05-green-sockets/random";
import { Headers } from "../07-http/headers";
import type { Backend } from "../08-tcp-proxy/balancer";
import { RingHash } from "../09-strategies/ring-hash";
import { hash32, type Strategy } from "../09-strategies/strategy";

// #region sticky-types
/**
 * A backend with the value HAProxy's `server … cookie <value>` gives it. HAProxy has no default (a server without
 * one gets no cookie); ours is the backend's name, so a pool sticks without extra configuration.
 */
export interface CookieBackend extends Backend {
  /** @default the backend's name */
  readonly cookie?: string;
}

export const cookieOf = (b: Backend): string => (b as CookieBackend).cookie ?? b.name;

export interface StickyCookieOptions {
  /** The cookie's name. @default "SERVERID" */
  readonly name?: string;
  /** Mark responses that get a cookie `Cache-Control: private`. @default true */
  readonly nocache?: boolean;
}

/** What to do with one request. */
export interface StickyDecision {
  /** The backend to send it to; null when the named one is not usable and `pick` found none either. */
  readonly backend: Backend | null;
  /** The request's headers as they go to the backend: our cookie taken out (indirect). */
  readonly forward: Headers;
  /** Headers to add to the response to the client: Set-Cookie (and Cache-Control: private) when inserting. */
  readonly addToResponse: readonly [string, string][];
  /** How the cookie was judged: "valid" (followed), "none", "down" (named a backend not usable), "invalid" (unknown). */
  readonly cookie: "valid" | "none" | "down" | "invalid";
}
// #endregion

// #region cookie-parse
/** The value of cookie `name` in the request's Cookie header(s) (RFC 6265 §5.4: "a=1; b=2"), or undefined. */
export function readCookie(headers: Headers, name: string): string | undefined {
  for (const line of headers.getAll("cookie")) {
    for (const pair of line.split(";")) {
      const eq = pair.indexOf("=");
      if (eq >= 0 && pair.slice(0, eq).trim() === name) return pair.slice(eq + 1).trim();
    }
  }
  return undefined;
}

/** A copy of `headers` without cookie `name`; a Cookie header left empty is dropped. Other cookies are kept, in order. */
export function withoutCookie(headers: Headers, name: string): Headers {
  const out = new Headers();
  for (const [k, v] of headers) {
    if (k.toLowerCase() !== "cookie") {
      out.append(k, v);
      continue;
    }
    const kept = v
      .split(";")
      .map((p) => p.trim())
      .filter((p) => p !== "" && p.slice(0, p.indexOf("=") >= 0 ? p.indexOf("=") : p.length).trim() !== name);
    if (kept.length > 0) out.append(k, kept.join("; "));
  }
  return out;
}
// #endregion

// #region sticky-cookie
export class StickyCookie {
  readonly name: string;
  readonly nocache: boolean;

  constructor(options: StickyCookieOptions = {}) {
    this.name = options.name ?? "SERVERID";
    this.nocache = options.nocache ?? true;
    if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(this.name)) throw new Error(`bad cookie name "${this.name}" (RFC 6265: a token)`);
  }

  /**
   * Decides one request: follow a valid cookie to its backend, or `pick` one (the pool's strategy) and insert a
   * cookie for it. `backends` are the pool's backends; `usable` says which are up.
   */
  choose(headers: Headers, backends: readonly Backend[], usable: (b: Backend) => boolean, pick: () => Backend | null): StickyDecision {
    // TODO(task 3): StickyCookie.choose. See README.md.
    throw new Error("not implemented yet — lab 11-http-proxy, task 3: StickyCookie.choose");
  }

  /** The headers that give a client a cookie for `b` (HAProxy writes `; path=/` so it holds for the whole site). */
  insert(b: Backend): [string, string][] {
    const headers: [string, string][] = [["Set-Cookie", `${this.name}=${cookieOf(b)}; path=/`]];
    // Simplification: HAProxy adds Cache-Control only to a response it judged cacheable; we add it to every
    // response that gets a cookie, which is never wrong, only sometimes redundant.
    if (this.nocache) headers.push(["Cache-Control", "private"]);
    return headers;
  }
}
// #endregion

// #region hash-affinity
/** What a request is hashed on: the client's address (HAProxy's `balance source`), or a header's value. */
export type HashOn = { readonly source: true } | { readonly header: string };

export interface HashAffinityOptions {
  readonly on: HashOn;
  /** Chapter 09's bounded loads: ε, or null for plain consistent hashing. @default 0.25 */
  readonly boundedLoad?: number | null;
  /** Points per backend on the ring. @default 100 */
  readonly vnodes?: number;
  /** Where the ring draws a key for a request it is asked to pick without one. @default Math.random */
  readonly random?: Random;
}

/**
 * Consistent hashing of requests onto a pool: the same client (or header value) goes to the same backend while the
 * set does not change, and removing a backend moves only its own clients. A request with nothing to hash on (no
 * such header) goes to `fallback`, the pool's normal strategy, as Envoy does when no hash policy yields a hash.
 */
export class HashAffinity {
  readonly ring: RingHash;
  readonly on: HashOn;

  constructor(
    backends: readonly Backend[],
    readonly fallback: Strategy,
    options: HashAffinityOptions,
  ) {
    this.on = options.on;
    this.ring = new RingHash(backends, { vnodes: options.vnodes ?? 100, boundedLoad: options.boundedLoad === undefined ? 0.25 : options.boundedLoad, random: options.random });
  }

  /** The string this request is hashed on, or undefined when it has none. */
  keyOf(req: { readonly headers: Headers; readonly client: string }): string | undefined {
    // TODO(task 3): HashAffinity.keyOf. See README.md.
    throw new Error("not implemented yet — lab 11-http-proxy, task 3: HashAffinity.keyOf");
  }

  /** The backend for a request: by the ring when it has a key, by the fallback otherwise. */
  pick(req: { readonly headers: Headers; readonly client: string }, usable: (b: Backend) => boolean = () => true): Backend | null {
    const key = this.keyOf(req);
    return key === undefined ? this.fallback.pick(usable) : this.ring.pick(usable, hash32(key));
  }

  /** Tell both of them, so the ring's bounded loads and the fallback's counts stay true. */
  started(b: Backend): void {
    this.ring.started(b);
    this.fallback.started(b);
  }

  finished(b: Backend): void {
    this.ring.finished(b);
    this.fallback.finished(b);
  }

  add(b: Backend): void {
    this.ring.add(b);
    this.fallback.add(b);
  }

  remove(b: Backend): void {
    this.ring.remove(b);
    this.fallback.remove(b);
  }
}
// #endregion
