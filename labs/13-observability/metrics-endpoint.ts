// GET /metrics on chapter 12's admin listener: a handler that answers the scrape and hands every other request to the
// admin API, so chapter 12's code stays as it was. Built in chapter 13.
//
// HAProxy serves its Prometheus exporter on a listener of its own choosing (`http-request use-service
// prometheus-exporter`), Envoy on its admin interface (`/stats/prometheus`): the same place as the controls, with the
// same rule — loopback, or a token. A scraper sends the token as Prometheus's `authorization` scrape setting does.
import { timingSafeEqual } from "node:crypto";
import type { Green } from "../02-hub/suspend";
import type { Address, Network } from "../05-green-sockets/socket";
import type { Handler, HttpRequest, HttpResponse } from "../07-http/handler";
import { adminHandler, serveGuarded, type Admin, type AdminOptions } from "../12-elastic/admin";
import { CONTENT_TYPE, exposition } from "./exposition";
import type { Registry } from "./metrics";

// #region metrics-handler
export interface MetricsEndpointOptions {
  readonly registry: Registry;
  /** Required as `Authorization: Bearer <token>` when set. @default none */
  readonly token?: string;
  /** @default "/metrics" */
  readonly path?: string;
}

/**
 * A handler that answers GET `path` with the registry in the text format, and passes every other request to
 * `inner` (404 without one). Only GET is allowed on `path` (405 otherwise).
 */
export function withMetrics(options: MetricsEndpointOptions, inner?: Handler): Handler {
  const path = options.path ?? "/metrics";
  return function* metrics(req: HttpRequest): Green<HttpResponse> {
    if (req.target.split("?")[0] !== path) {
      if (inner !== undefined) return yield* inner(req);
      return text(404, `no such resource: ${req.target}\n`);
    }
    if (!authorized(req, options.token)) {
      return { ...text(401, "a valid token is required (Authorization: Bearer <token>)\n"), headers: { "Content-Type": "text/plain; charset=utf-8", "WWW-Authenticate": "Bearer" } };
    }
    if (req.method !== "GET") return { ...text(405, `${req.method} is not allowed here: use GET\n`), headers: { "Content-Type": "text/plain; charset=utf-8", Allow: "GET" } };
    return { status: 200, headers: { "Content-Type": CONTENT_TYPE }, body: exposition(options.registry) };
  };
}

function authorized(req: HttpRequest, token: string | undefined): boolean {
  if (token === undefined) return true;
  const given = Buffer.from(/^Bearer (.+)$/.exec(req.headers.get("authorization") ?? "")?.[1] ?? "");
  const want = Buffer.from(token);
  return given.length === want.length && timingSafeEqual(given, want); // the time does not tell where a byte differs
}

const text = (status: number, body: string): HttpResponse => ({ status, headers: { "Content-Type": "text/plain; charset=utf-8" }, body });
// #endregion

// #region start-admin-metrics
/**
 * Chapter 12's `startAdmin`, with GET /metrics in front of its handler: the same listener, the same loopback-or-token
 * rule (the token guards the scrape too).
 */
export function* startAdminWithMetrics(options: AdminOptions & { readonly registry: Registry }): Green<Admin> {
  return yield* serveGuarded("the admin API", options, withMetrics({ registry: options.registry, token: options.token }, adminHandler(options)));
}

/** A listener that serves GET /metrics alone, for a balancer without an admin API; same loopback-or-token rule. */
export function* startMetricsListener(options: MetricsEndpointOptions & { readonly network: Network; readonly listen?: Address }): Green<Admin> {
  return yield* serveGuarded("the metrics listener", options, withMetrics(options));
}
// #endregion
