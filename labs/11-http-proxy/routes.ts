// Routing rules for the HTTP proxy: which pool a request goes to, by host, path and headers, with weighted splits
// for canaries. Built in chapter 11 (lab task 3).
//
// Design principles
//   1. The table is a list read top to bottom; the first rule whose conditions all hold wins (HAProxy's
//      `use_backend … if …` lines, Envoy's routes inside a virtual host). Order is the author's, and it is checked:
//      a rule that an earlier rule shadows completely is an error at construction, not a silent dead line.
//   2. Matching is pure: a request's host, path and headers in, a route and a pool name out. The proxy maps pool
//      names to its pools; randomness for weighted splits comes from outside, so tests replay a split exactly.
//   3. Hosts compare as RFC 9110 says (§4.2.3, §7.2): case-insensitive, with the port a part of the authority.
import type { Random } from "../05-green-sockets/random";
import type { Headers } from "../07-http/headers";

// #region route-types
/** One condition on a request header (Envoy's HeaderMatcher). Header names are case-insensitive. */
export type HeaderMatch =
  | { readonly name: string; readonly exact: string }
  | { readonly name: string; readonly present: boolean }
  /** The whole value must match (Envoy's safe_regex is a full match): /v2/ on "v23" is no match. */
  | { readonly name: string; readonly regex: RegExp };

/** A pool a rule sends to, with its share of a weighted split (Envoy's weighted_clusters). */
export interface WeightedPool {
  readonly pool: string;
  /** A non-negative integer. @default 1 */
  readonly weight?: number;
}

export interface RouteRule {
  /** Shown by toString and in errors. @default "route N", N counting from 1 */
  readonly name?: string;
  /**
   * "api.example.com", "*.example.com" (any name ending in ".example.com", not "example.com" itself), "*" (any
   * host); with ":port", the port must match too. @default "*"
   */
  readonly host?: string;
  /**
   * Segment-aware prefix, as Envoy's path_separated_prefix: "/api" matches "/api", "/api/x" and "/api?q", not
   * "/apiary". It starts with "/" and, unless it is "/", does not end with one. @default "/"
   */
  readonly pathPrefix?: string;
  /** Every one must hold. @default [] */
  readonly headers?: readonly HeaderMatch[];
  /** One pool, or a weighted split among several. */
  readonly pools: string | readonly WeightedPool[];
}

/** A rule as the table keeps it: every default filled in, the host split into name and port. */
export interface Route {
  readonly name: string;
  readonly host: { readonly name: string; readonly port: number | null };
  readonly pathPrefix: string;
  readonly headers: readonly HeaderMatch[];
  readonly pools: readonly { readonly pool: string; readonly weight: number }[];
  readonly totalWeight: number;
}

/** What the proxy knows of a request when it routes it. */
export interface RouteRequest {
  /** The Host header (or the authority of an absolute-form target), port included if the client sent one. */
  readonly host: string;
  /** The request target's path; a query string after "?" is ignored. */
  readonly path: string;
  readonly headers: Headers;
}

export interface RouteMatch {
  readonly route: Route;
  readonly pool: string;
}

export interface RouteTableOptions {
  /** Where a weighted split draws from. @default Math.random */
  readonly random?: Random;
  /** The port of a Host header that names none (RFC 9110 §4.2.3: "http://a" is "http://a:80"). @default 80 */
  readonly defaultPort?: number;
}
// #endregion

// #region host-match
/**
 * Splits "Name:port" or "[v6]:port" into a lower-case name and a port (null when absent). Throws on a port that is
 * not a number from 0 to 65535.
 */
export function splitHost(authority: string): { name: string; port: number | null } {
  let name = authority;
  let port: string | null = null;
  const close = authority.lastIndexOf("]");
  const colon = authority.lastIndexOf(":");
  if (authority.startsWith("[") ? colon > close : colon >= 0) {
    name = authority.slice(0, colon);
    port = authority.slice(colon + 1);
  }
  if (port !== null && !/^\d{1,5}$/.test(port)) throw new Error(`bad port in host "${authority}"`);
  const n = port === null ? null : Number(port);
  if (n !== null && n > 65535) throw new Error(`bad port in host "${authority}"`);
  return { name: name.toLowerCase(), port: n };
}

/** Does a request's host (already split, lower-case) fall under a rule's host pattern? */
export function hostMatches(pattern: Route["host"], host: { name: string; port: number }): boolean {
  // TODO(task 3): hostMatches. See README.md.
  throw new Error("not implemented yet — lab 11-http-proxy, task 3: hostMatches");
}
// #endregion

// #region path-match
/** Envoy's path_separated_prefix: `prefix` is the whole path, or a run of whole segments at its start. */
export function pathMatches(prefix: string, path: string): boolean {
  // TODO(task 3): pathMatches. See README.md.
  throw new Error("not implemented yet — lab 11-http-proxy, task 3: pathMatches");
}

/** Does one header condition hold? A header sent several times is judged by its values joined with ", " (RFC 9110 §5.3). */
export function headerMatches(m: HeaderMatch, headers: Headers): boolean {
  // TODO(task 3): headerMatches. See README.md.
  throw new Error("not implemented yet — lab 11-http-proxy, task 3: headerMatches");
}
// #endregion

// #region pick-weighted
/**
 * Envoy's weighted_clusters: a number in [0, total) drawn from `random`, then the first pool whose running sum of
 * weights is above it. A pool of weight 0 is never picked.
 */
export function pickWeighted(route: Route, random: Random): string {
  // TODO(task 3): pickWeighted. See README.md.
  throw new Error("not implemented yet — lab 11-http-proxy, task 3: pickWeighted");
}
// #endregion

// #region route-table
export class RouteTable {
  readonly routes: readonly Route[];
  readonly #random: Random;
  readonly #defaultPort: number;

  /** Checks every rule (see `compileRule`) and that none is shadowed by an earlier one; throws on the first mistake. */
  constructor(rules: readonly RouteRule[], options: RouteTableOptions = {}) {
    this.#random = options.random ?? Math.random;
    this.#defaultPort = options.defaultPort ?? 80;
    const routes: Route[] = [];
    rules.forEach((rule, i) => {
      const route = compileRule(rule, i);
      const earlier = routes.find((r) => covers(r, route));
      if (earlier) throw new Error(`route "${route.name}" can never match: route "${earlier.name}" before it takes every request it would`);
      routes.push(route);
    });
    this.routes = routes;
  }

  /** The first route whose host, path and headers all match, and the pool it picks; undefined when none does. */
  match(req: RouteRequest): RouteMatch | undefined {
    let host: { name: string; port: number };
    try {
      const h = splitHost(req.host);
      host = { name: h.name, port: h.port ?? this.#defaultPort };
    } catch {
      return undefined; // a malformed Host matches no rule; the proxy answers 400 or 404 as it decides
    }
    const route = this.routes.find(
      (r) => hostMatches(r.host, host) && pathMatches(r.pathPrefix, req.path) && r.headers.every((m) => headerMatches(m, req.headers)),
    );
    return route && { route, pool: pickWeighted(route, this.#random) };
  }

  /** One line per rule, in order: `1. api  host=*.example.com path=/api headers=[x-canary=1] -> v1*90 v2*10`. */
  toString(): string {
    return this.routes.map((r, i) => `${i + 1}. ${describeRoute(r)}`).join("\n");
  }
}
// #endregion

// #region compile
/** Fills in a rule's defaults and checks it; the errors name the rule. */
export function compileRule(rule: RouteRule, index: number): Route {
  const name = rule.name ?? `route ${index + 1}`;
  const fail = (what: string): never => {
    throw new Error(`route "${name}": ${what}`);
  };
  const rawHost = rule.host ?? "*";
  let host: Route["host"] = { name: "*", port: null };
  try {
    host = splitHost(rawHost);
  } catch (e) {
    fail((e as Error).message);
  }
  if (!/^(\*|(\*\.)?[a-z0-9_.:[\]-]+)$/.test(host.name) || host.name.includes("*", 1)) {
    fail(`bad host pattern "${rawHost}" (a wildcard is "*" or "*.domain")`);
  }
  const pathPrefix = rule.pathPrefix ?? "/";
  if (!pathPrefix.startsWith("/")) fail(`path prefix "${pathPrefix}" must start with "/"`);
  // Envoy refuses a path_separated_prefix that ends in "/": "/api/" would silently stop matching "/api".
  if (pathPrefix !== "/" && pathPrefix.endsWith("/")) fail(`path prefix "${pathPrefix}" must not end with "/"`);
  if (/[?#]/.test(pathPrefix)) fail(`path prefix "${pathPrefix}" must not hold "?" or "#"`);
  const headers = rule.headers ?? [];
  for (const h of headers) {
    const kinds = ["exact", "present", "regex"].filter((k) => k in h).length;
    if (kinds !== 1) fail(`header match on "${h.name}" needs exactly one of exact, present, regex`);
  }
  const pools = typeof rule.pools === "string" ? [{ pool: rule.pools }] : rule.pools;
  if (pools.length === 0) fail("has no pools");
  const weighted = pools.map((p) => {
    const weight = p.weight ?? 1;
    if (!Number.isInteger(weight) || weight < 0) fail(`weight of pool "${p.pool}" must be a non-negative integer, got ${weight}`);
    return { pool: p.pool, weight };
  });
  const totalWeight = weighted.reduce((s, p) => s + p.weight, 0);
  if (totalWeight === 0) fail("total weight is 0");
  return { name, host, pathPrefix, headers, pools: weighted, totalWeight };
}

/** Does `a` match every request `b` matches? Then `b`, written after `a`, can never be chosen. */
function covers(a: Route, b: Route): boolean {
  const hostCovers =
    (a.host.port === null || a.host.port === b.host.port) &&
    (a.host.name === "*" ||
      a.host.name === b.host.name ||
      (a.host.name.startsWith("*.") && b.host.name !== "*" && b.host.name.endsWith(a.host.name.slice(1))));
  const pathCovers = pathMatches(a.pathPrefix, b.pathPrefix);
  const same = (x: HeaderMatch, y: HeaderMatch): boolean =>
    x.name.toLowerCase() === y.name.toLowerCase() &&
    (("present" in x && x.present && !("present" in y && !y.present)) ||
      ("exact" in x && "exact" in y && x.exact === y.exact) ||
      ("regex" in x && "regex" in y && String(x.regex) === String(y.regex)) ||
      ("present" in x && !x.present && "present" in y && !y.present));
  const headersCover = a.headers.every((x) => b.headers.some((y) => same(x, y)));
  return hostCovers && pathCovers && headersCover;
}

function describeRoute(r: Route): string {
  const host = r.host.port === null ? r.host.name : `${r.host.name}:${r.host.port}`;
  const headers = r.headers.map((h) =>
    "exact" in h ? `${h.name}=${h.exact}` : "present" in h ? `${h.present ? "" : "!"}${h.name}` : `${h.name}~${String(h.regex)}`,
  );
  const pools = r.pools.length === 1 ? r.pools[0].pool : r.pools.map((p) => `${p.pool}*${p.weight}`).join(" ");
  return `${r.name}  host=${host} path=${r.pathPrefix}${headers.length ? ` headers=[${headers.join(" ")}]` : ""} -> ${pools}`;
}
// #endregion
