// The admin API: an HTTP listener of its own, on chapter 07's server, through which an operator (or a script)
// lists the backends and adds, drains, removes and reweights them while traffic flows. Built in chapter 12.
//
// Two rules come from HAProxy's runtime API and Envoy's admin interface, which are both powerful and unauthenticated
// by default: listen on loopback unless told otherwise, and never anywhere else without a secret. Ours refuses to
// start on a non-loopback address without a token, and then asks every request for it.
import { timingSafeEqual } from "node:crypto";
import type { Green } from "../02-hub/suspend";
import { spawn } from "../03-cancellation/greenthread";
import type { Address, Listener, Network } from "../05-green-sockets/socket";
import { formatAddress } from "../05-green-sockets/socket";
import type { Backend } from "../08-tcp-proxy/balancer";
import type { Handler, HttpRequest, HttpResponse } from "../07-http/handler";
import { serveHttp } from "../07-http/server";
import { MembershipError, type Member, type Membership } from "./membership";

// #region admin-options
export interface AdminOptions {
  readonly network: Network;
  /** @default 127.0.0.1, port 0 (any free port) */
  readonly listen?: Address;
  readonly membership: Membership;
  /** Whether a backend passes its health checks. @default every backend is healthy */
  readonly healthy?: (b: Backend) => boolean;
  /** Required as `Authorization: Bearer <token>` when set; required to listen anywhere but loopback. */
  readonly token?: string;
  /** Every change, as a line: who asked and what it did. @default nothing */
  readonly log?: (line: string) => void;
}

export interface Admin {
  readonly address: Address;
  readonly listener: Listener;
  /** Stops listening (requests being answered finish). */
  close(): void;
}

/** 127.0.0.0/8, ::1 and "localhost": addresses only this machine can reach. */
export const isLoopback = (host: string): boolean => host === "localhost" || host === "::1" || /^127\.\d+\.\d+\.\d+$/.test(host);
// #endregion

// #region start-admin
/** Listens and serves the admin API in a green thread of its own; returns at once. */
export function* startAdmin(options: AdminOptions): Green<Admin> {
  // Simplification: a production admin API would speak TLS (a token on a plain connection can be read on the way)
  // and keep its log of changes somewhere that outlives the process.
  return yield* serveGuarded("the admin API", options, adminHandler(options));
}

/**
 * Listens (127.0.0.1, any free port, by default) and serves `handler` in a green thread of its own, refusing an address
 * other than loopback without a token. `what` names the listener in that refusal. Chapter 13's /metrics uses it too.
 */
export function* serveGuarded(
  what: string,
  options: { readonly network: Network; readonly listen?: Address; readonly token?: string },
  handler: Handler,
): Green<Admin> {
  const listen = options.listen ?? { host: "127.0.0.1", port: 0 };
  if (!isLoopback(listen.host) && !options.token) {
    throw new Error(`${what} refuses to listen on ${listen.host} without a token: only loopback is safe without one`);
  }
  const listener = yield* options.network.listen(listen);
  spawn(serveHttp, listener, handler, { maxConnections: 16 });
  return { address: listener.address, listener, close: () => listener.close() };
}
// #endregion

// #region admin-handler
/** A refused request: its status and why. */
class Refused extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** The admin API as a chapter 07 handler: JSON in, JSON out; a bad request changes nothing and says why. */
export function adminHandler(options: AdminOptions): Handler {
  const { membership } = options;
  const log = options.log ?? (() => {});
  return function* admin(req: HttpRequest): Green<HttpResponse> {
    try {
      authorize(req, options.token);
      const path = req.target.split("?")[0]!;
      const parts = path.split("/").filter((p) => p.length > 0).map(decodeURIComponent);
      const who = `${req.method} ${path} from ${req.remote.host}`;
      if (parts[0] === "events" && parts.length === 1) {
        allow(req, "GET");
        return json(200, { events: membership.events });
      }
      if (parts[0] !== "backends" || parts.length > 3) throw new Refused(404, `no such resource: ${path}`);
      if (parts.length === 1) {
        allow(req, "GET", "POST");
        if (req.method === "GET") return json(200, { backends: [...membership.members.values()].map((m) => view(m, options)) });
        const body = yield* readObject(req, ["name", "host", "port", "weight", "maxConnections"]);
        const m = change(() =>
          membership.add(
            { name: body.name as string, address: { host: body.host as string, port: body.port as number } },
            { weight: body.weight as number | undefined, maxConnections: body.maxConnections as number | undefined, source: "admin" },
          ),
        );
        log(`admin: ${who}: added ${m.backend.name}`);
        return json(201, view(m, options));
      }
      const m = membership.byName(parts[1]!);
      if (m === undefined) throw new Refused(404, `no backend named "${parts[1]}"`);
      if (parts.length === 2) {
        allow(req, "GET", "DELETE");
        if (req.method === "GET") return json(200, view(m, options));
        change(() => membership.drain(m.backend));
        log(`admin: ${who}: removing ${m.backend.name} (draining, deadline ${membership.drainTimeout} ms)`);
        return json(202, view(m, options));
      }
      if (parts[2] === "weight") {
        allow(req, "PUT");
        const body = yield* readObject(req, ["weight"]);
        if (!("weight" in body)) throw new Refused(400, `the body needs a "weight"`);
        change(() => membership.setWeight(m.backend, body.weight as number));
        log(`admin: ${who}: weight of ${m.backend.name} is ${m.weight}`);
        return json(200, view(m, options));
      }
      if (parts[2] === "drain") {
        allow(req, "POST");
        const body = yield* readObject(req, ["timeout"]);
        const timeout = body.timeout ?? membership.drainTimeout;
        if (typeof timeout !== "number") throw new Refused(400, `"timeout" is a number of milliseconds, not ${JSON.stringify(timeout)}`);
        change(() => membership.drain(m.backend, timeout));
        log(`admin: ${who}: draining ${m.backend.name} (deadline ${timeout} ms)`);
        return json(202, view(m, options));
      }
      throw new Refused(404, `no such resource: ${path}`);
    } catch (e) {
      if (e instanceof Refused) return json(e.status, { error: e.message }, e.status === 401 ? { "WWW-Authenticate": "Bearer" } : {});
      throw e;
    }
  };
}

/** A backend as the API shows it. */
function view(m: Member, options: AdminOptions): Record<string, unknown> {
  const { membership } = options;
  const b = m.backend;
  const max = membership.maxConnectionsNow(b);
  return {
    name: b.name,
    address: formatAddress(b.address),
    state: m.state,
    weight: m.weight,
    effectiveWeight: Math.round(membership.weightNow(b) * 1000) / 1000,
    warming: membership.warming(b),
    connections: m.connections.size,
    maxConnections: max === Infinity ? null : max,
    healthy: options.healthy?.(b) ?? true,
    source: m.source,
    joined: m.joined,
    deadline: m.deadline,
  };
}

function authorize(req: HttpRequest, token: string | undefined): void {
  if (token === undefined) return;
  const given = Buffer.from(/^Bearer (.+)$/.exec(req.headers.get("authorization") ?? "")?.[1] ?? "");
  const want = Buffer.from(token);
  // A comparison whose time does not depend on where the first wrong byte is.
  if (given.length !== want.length || !timingSafeEqual(given, want)) throw new Refused(401, "a valid token is required (Authorization: Bearer <token>)");
}

function allow(req: HttpRequest, ...methods: string[]): void {
  if (!methods.includes(req.method)) throw new Refused(405, `${req.method} is not allowed here: use ${methods.join(" or ")}`);
}

/** The request's body as a JSON object with only `fields` (an empty body is `{}`). */
function* readObject(req: HttpRequest, fields: readonly string[]): Green<Record<string, unknown>> {
  const text = yield* req.body.text();
  if (text.trim() === "") return {};
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new Refused(400, `the body is not JSON: ${(e as Error).message}`);
  }
  if (typeof v !== "object" || v === null || Array.isArray(v)) throw new Refused(400, "the body must be a JSON object");
  for (const k of Object.keys(v)) if (!fields.includes(k)) throw new Refused(400, `unknown field "${k}": expected ${fields.join(", ")}`);
  return v as Record<string, unknown>;
}

/** Runs a membership change; its refusal becomes a 400 with the membership's reason. */
function change<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof MembershipError) throw new Refused(400, e.message);
    throw e;
  }
}

function json(status: number, body: unknown, headers: Record<string, string> = {}): HttpResponse {
  return { status, headers: { "Content-Type": "application/json", ...headers }, body: `${JSON.stringify(body)}\n` };
}
// #endregion
