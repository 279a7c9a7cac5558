// What a proxy removes from and adds to the messages it forwards: hop-by-hop fields, Via, X-Forwarded-*, Forwarded,
// and which address to believe is the client's. Built in chapter 11.
//
// A field is either end-to-end (for the final recipient: kept) or hop-by-hop (about this one connection: consumed
// here), RFC 9110 §7.6.1. A proxy then says it was there: Via (RFC 9110 §7.6.3), the de facto X-Forwarded-For,
// -Proto and -Host, and their standard form, Forwarded (RFC 7239). The client's address is decided as Envoy decides
// its "trusted client address" (docs: HTTP header manipulation, x-forwarded-for; source/common/http/utility.cc,
// getLastAddressFromXFF): the connection's peer, unless a number of proxies in front of this one are trusted.
//
// Contract with the proxy core: read what you need from the headers as received (the body's framing, an Upgrade),
// then forward, then add your own framing (Content-Length or Transfer-Encoding: the core re-frames bodies) and, for an
// upgrade passed through, "Connection: upgrade" and "Upgrade: <protocol>" again. These functions never mutate their
// input: they return new Headers.
import { isIP } from "node:net";
import type { Address } from "../05-green-sockets/socket";
import { Headers, listTokens } from "../07-http/headers";
import type { HttpVersion } from "../07-http/syntax";

// #region hop-by-hop
/**
 * The fields a proxy never forwards, lower-cased. RFC 9110 §7.6.1 names Connection, Proxy-Connection, Keep-Alive,
 * TE, Transfer-Encoding and Upgrade. Proxy-Authorization and Proxy-Authenticate are added (as Go's ReverseProxy does):
 * they are addressed to the next proxy on the path (RFC 9110 §11.7.1–2), which is this one, and this one asks for no
 * credentials, so passing them on would hand a client's proxy credentials to a backend. Trailer is kept: RFC 9110
 * §6.6.2 makes it end-to-end (it names the trailer fields to come); a core that drops trailers drops Trailer too.
 */
export const HOP_BY_HOP: readonly string[] = [
  "connection",
  "proxy-connection",
  "keep-alive",
  "te",
  "transfer-encoding",
  "upgrade",
  "proxy-authorization",
  "proxy-authenticate",
];

/** HOP_BY_HOP as a Set, made once: stripHopByHop runs twice for every request (its request, its response). */
const ALWAYS_DROPPED: ReadonlySet<string> = new Set(HOP_BY_HOP);

/**
 * Fields that Connection may not remove. A deliberate difference from RFC 9110, which says to remove every field
 * Connection names: "Connection: close, Host" would make the proxy forward an HTTP/1.1 request without Host, which
 * the backend must refuse (the "hop-by-hop header abuse" trick uses this to strip fields an earlier proxy added).
 */
export const NOT_CONNECTION_OPTIONS: readonly string[] = ["host"];

/** A copy of `headers` without the hop-by-hop fields and without the fields Connection names (except Host). */
export function stripHopByHop(headers: Headers): Headers {
  // TODO(task 1): stripHopByHop. See README.md.
  throw new Error("not implemented yet — lab 11-http-proxy, task 1: stripHopByHop");
}

/** Not one of the fields a proxy always drops. */
function isEndToEnd(key: string): boolean {
  return !ALWAYS_DROPPED.has(key);
}

/**
 * The protocol a message asks to switch to — Upgrade's value when Connection lists "upgrade" (RFC 9110 §7.8) — or
 * null. Read it before stripping: Upgrade is hop-by-hop, so a proxy that passes an upgrade through sets it again.
 */
export function upgradeOf(headers: Headers): string | null {
  // Upgrade first: nearly every request has none, and listing Connection's tokens makes an array.
  const upgrade = headers.get("upgrade");
  if (upgrade === undefined || !listTokens(headers, "connection").includes("upgrade")) return null;
  return upgrade;
}
// #endregion

// #region trusted-client
/**
 * A host name of the course's simulated network ("client", "b1"). A deliberate difference from Envoy, which believes
 * only IP addresses in X-Forwarded-For: our simulated hosts have names, not addresses.
 */
const HOST_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?$/;

/** True for an IP address without a port, or a plain host name. */
export const isClientAddress = (text: string): boolean => isIP(text) !== 0 || HOST_NAME.test(text);

/** The addresses of every X-Forwarded-For field line, in order, trimmed, empty elements dropped. */
export function forwardedForChain(headers: Headers): string[] {
  return headers
    .getAll("x-forwarded-for")
    .flatMap((value) => value.split(","))
    .map((s) => s.trim())
    .filter((s) => s !== "");
}

/**
 * The client's address as Envoy decides it when it appends to X-Forwarded-For (use_remote_address: true) with
 * `xff_num_trusted_hops` = `trustedHops`, from the headers as received: with 0, the connection's `peer`; with N > 0,
 * the Nth address from the right end of X-Forwarded-For — the one the outermost trusted proxy appended — or `peer`
 * when there are fewer than N, or when that one is not an address.
 */
export function trustedClientAddress(headers: Headers, peer: string, trustedHops: number): string {
  // TODO(task 1): trustedClientAddress. See README.md.
  throw new Error("not implemented yet — lab 11-http-proxy, task 1: trustedClientAddress");
}
// #endregion

// #region forwarded-element
/** RFC 9110 §5.6.2's token: what a Forwarded value may be without quotes. */
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** RFC 7239 §6.3's obfuscated identifier: "_" then letters, digits, ".", "_", "-". */
const OBFUSCATED = /^_[A-Za-z0-9._-]+$/;

/** `value` as a token when it is one, otherwise as a quoted string (RFC 9110 §5.6.4). */
export const quoteIfNeeded = (value: string): string => (TOKEN.test(value) ? value : `"${value.replace(/["\\]/g, "\\$&")}"`);

/**
 * A node of RFC 7239 §6 (`for=`, `by=`), quoted when needed: `192.0.2.60`, `"192.0.2.60:47011"`,
 * `"[2001:db8:cafe::17]:4711"`, `unknown`, `_hidden`. A host that is neither an address nor "unknown" nor an
 * obfuscated identifier (a simulated host's name) is made one: "client" → `_client`.
 */
export function forwardedNode(host: string, port?: number): string {
  const family = isIP(host);
  let node: string;
  if (family === 6) node = `[${host}]`;
  else if (family === 4 || host === "unknown" || OBFUSCATED.test(host)) node = host;
  else node = `_${host.replace(/[^A-Za-z0-9._-]/g, "_")}`;
  return quoteIfNeeded(port === undefined ? node : `${node}:${port}`);
}

/** The parameters of one Forwarded element; an absent one is left out. */
export interface ForwardedParams {
  readonly for?: string;
  readonly by?: string;
  readonly proto?: string;
  readonly host?: string;
}

/**
 * One Forwarded element, `for=…;by=…;proto=…;host=…` (RFC 7239 §4). `for` and `by` are nodes already
 * (see forwardedNode); `proto` and `host` are quoted here when they are not tokens ("example.com:8080" is not).
 */
export function forwardedElement(p: ForwardedParams): string {
  const pairs: string[] = [];
  if (p.for !== undefined) pairs.push(`for=${p.for}`);
  if (p.by !== undefined) pairs.push(`by=${p.by}`);
  if (p.proto !== undefined) pairs.push(`proto=${quoteIfNeeded(p.proto)}`);
  if (p.host !== undefined) pairs.push(`host=${quoteIfNeeded(p.host)}`);
  return pairs.join(";");
}
// #endregion

// #region forward
export interface ForwardOptions {
  /** Via's received-by: this proxy's pseudonym (RFC 9110 §7.6.3). @default "hub" */
  readonly pseudonym?: string;
  /** The version of the message as received, for Via's received-protocol. @default "HTTP/1.1" */
  readonly version?: HttpVersion;
}

export interface ForwardRequestOptions extends ForwardOptions {
  /** Where the request came from: the connection's peer, or the client a PROXY protocol header named. */
  readonly peer: Address;
  /** Where it arrived (this proxy's listening address), for Forwarded's `by=`; left out when absent. */
  readonly local?: Address;
  /** The scheme the client used to reach this proxy. @default "http" */
  readonly proto?: "http" | "https";
  /** How many proxies in front of this one are trusted: Envoy's `xff_num_trusted_hops`. @default 0 */
  readonly trustedHops?: number;
}

export interface ForwardedRequest {
  /** The fields to send to the backend (before the core adds its framing). */
  readonly headers: Headers;
  /** The trusted client address (Envoy's rule): for logs, rate limits and access rules. */
  readonly client: string;
}

/** Appends `value` to a list field, keeping one field line: "a, b" + "c" → "a, b, c". */
function appendToList(headers: Headers, name: string, value: string): void {
  const before = headers.get(name);
  // Usually the field is not there yet: appended, without `set`'s search for lines to remove.
  if (before === undefined) headers.append(name, value);
  else headers.set(name, `${before}, ${value}`);
}

/** "1.1 hub" for an HTTP/1.1 message: the protocol name is left out when it is HTTP (RFC 9110 §7.6.3). */
const viaEntry = (o: ForwardOptions): string => `${VIA_VERSIONS[o.version ?? "HTTP/1.1"]} ${o.pseudonym ?? "hub"}`;

/** Each version's received-protocol, looked up: cutting "HTTP/" off with a regular expression cost every message one. */
const VIA_VERSIONS: Readonly<Record<HttpVersion, string>> = { "HTTP/1.0": "1.0", "HTTP/1.1": "1.1" };

/** A connection's Forwarded element, as made for its last request. */
interface ConnectionElement {
  readonly by: Address | undefined;
  readonly proto: string;
  /** `for=…;by=…;proto=…`: what the connection decides. */
  readonly connection: string;
  host: string | undefined;
  element: string;
}

/**
 * The Forwarded element made for each connection's last request, under the connection's peer address (the same
 * object for all its requests). Weak: an entry goes when its connection does.
 */
const lastElements = new WeakMap<Address, ConnectionElement>();

/**
 * The Forwarded element of a request that came from `peer` to `local` over `proto`. All but its host are the same
 * for every request a connection carries, and making them (two address checks, quoting) was about a ninth of the
 * proxy's instructions per request (bench/README.md, "Instruction counts"): they are made once per connection.
 */
function forwardedFor(peer: Address, local: Address | undefined, proto: string, host: string | undefined): string {
  let e = lastElements.get(peer);
  if (e === undefined || e.proto !== proto || e.by?.host !== local?.host || e.by?.port !== local?.port) {
    const by = local === undefined ? undefined : forwardedNode(local.host, local.port);
    const connection = forwardedElement({ for: forwardedNode(peer.host, peer.port), by, proto });
    e = { by: local, proto, connection, host: undefined, element: connection };
    lastElements.set(peer, e);
  } else if (e.host === host) return e.element;
  // The host is the request's: the same on most connections, but a client may send another on each request.
  e.host = host;
  e.element = host === undefined ? e.connection : `${e.connection};${forwardedElement({ host })}`;
  return e.element;
}

/**
 * A request's fields as the backend should get them: hop-by-hop fields stripped; the peer appended to
 * X-Forwarded-For and a Forwarded element appended (both kept from the client, never trusted beyond `trustedHops`:
 * the backend counts from the right, as we do); X-Forwarded-Proto and X-Forwarded-Host set to what this proxy saw —
 * unless a trusted proxy is in front and already set them (Envoy trusts x-forwarded-proto only when
 * xff_num_trusted_hops is not 0); Via appended.
 */
export function forwardRequest(headers: Headers, options: ForwardRequestOptions): ForwardedRequest {
  const trustedHops = options.trustedHops ?? 0;
  const proto = options.proto ?? "http";
  const host = headers.get("host");
  const client = trustedClientAddress(headers, options.peer.host, trustedHops);
  const out = stripHopByHop(headers);
  appendToList(out, "X-Forwarded-For", options.peer.host);
  appendToList(out, "Forwarded", forwardedFor(options.peer, options.local, proto, host));
  if (trustedHops === 0 || !out.has("x-forwarded-proto")) out.set("X-Forwarded-Proto", proto);
  if (host !== undefined && (trustedHops === 0 || !out.has("x-forwarded-host"))) out.set("X-Forwarded-Host", host);
  appendToList(out, "Via", viaEntry(options));
  return { headers: out, client };
}

/** A response's fields as the client should get them: hop-by-hop fields stripped, Via appended. */
export function forwardResponse(headers: Headers, options: ForwardOptions = {}): Headers {
  const out = stripHopByHop(headers);
  appendToList(out, "Via", viaEntry(options));
  return out;
}
// #endregion
