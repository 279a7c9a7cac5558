// One request through the proxy: pick a backend, take a pooled connection, stream the request up and the response
// down, and retry what chapter 10's policy allows. Built in chapter 11.
//
// Everything here runs in the client connection's green thread, one request after the other: no promise, no
// thread per request. A failure is always known by its side (SideError): the client's side ends the connection
// without an answer; the backend's side, before anything went to the client, is a status the client gets (502,
// 503, 504) or a retry on another backend; after the response head went out, only a cut connection can tell it.
import { getHub } from "../02-hub/hub";
import { sleep } from "../02-hub/green";
import type { Green } from "../02-hub/suspend";
import { ConnectionResetError, SocketError, TimedOutError } from "../05-green-sockets/errors";
import { HttpError } from "../07-http/errors";
import type { AccessRecord } from "./access-record";
import type { RequestHead, ResponseHead } from "../07-http/messages";
import type { Backend } from "../08-tcp-proxy/balancer";
import { fullJitter } from "../10-health/backoff";
import { IDEMPOTENT, mayRetry, type Failure, type RetryPolicy } from "../10-health/retry";
import { copyBody, drain, SideError } from "./body";
import { Batch, type Channel, type ProxyRequestHead } from "./channel";
import type { Headers } from "../07-http/headers";
import { forwardResponse } from "./forwarding";
import { backendRequestHead, clientFraming, clientResponseHead } from "./heads";
import { PoolTimeoutError, type Upstream } from "./pool";
import type { Choice } from "./pools";
import type { HttpProxy } from "./proxy";
import { tunnel } from "./tunnel";
import type { RequestTarget } from "./validate";

// #region outcome
/** How one try ended: answered (the client got a response), or failed before a byte went to the client. */
export type Outcome =
  | { readonly kind: "answered"; readonly keepAlive: boolean }
  | { readonly kind: "failed"; readonly failure: Failure; readonly status: number; readonly detail: string };

/** The two ways a try is answered, made once: nearly every try ends in one of them. */
const KEPT_ALIVE: Outcome = { kind: "answered", keepAlive: true };
const CLOSED: Outcome = { kind: "answered", keepAlive: false };

/** What the proxy answers itself, and why: the status a refusal gets. */
export interface Answer {
  readonly status: number;
  readonly detail: string;
  readonly headers?: Record<string, string>;
}

const failed = (failure: Failure, status: number, detail: string): Outcome => ({ kind: "failed", failure, status, detail });
const CONTINUE = Buffer.from("HTTP/1.1 100 Continue\r\n\r\n", "latin1");
// #endregion

// #region proxy-request
/**
 * Forwards one request and relays its response. Returns whether the client connection may carry another request;
 * throws SideError("client") when the client's side failed, and any failure once its response has begun.
 * `choice` picks the backends from the request's pool and holds its fields for them (forwardRequest's).
 */
export function* proxyRequest(
  p: HttpProxy,
  client: Channel<RequestHead>,
  req: ProxyRequestHead,
  target: RequestTarget,
  choice: Choice,
  /** A PROXY protocol header to open each backend connection with (HAProxy's send-proxy), or null. */
  preface: Buffer | null = null,
  /** The request's access record (chapter 13), filled in as the phases pass; null: none kept. */
  rec: AccessRecord | null = null,
): Green<boolean | Answer> {
  const policy = p.retry;
  if (rec !== null) rec.pool = choice.pool.name;
  const overflow = p.breaker.acquire("requests");
  if (overflow !== null) return { status: 503, detail: overflow.message, headers: { "x-overloaded": "true" } };
  p.budget?.requestStarted();
  try {
    // The backends tried before this try. Made at the first retry: most requests take one try, and a request waiting
    // for its backend keeps what it made until it is answered.
    let tried: Set<Backend> | null = null;
    let last: Backend | null = null;
    for (let tries = 1; ; tries++) {
      if (last !== null) (tried ??= new Set()).add(last);
      const b = choice.pick(tried ?? NONE_TRIED);
      if (b === null) {
        // None at all is HAProxy's <NOSRV> with "SC"; none left to retry on keeps the last try's code.
        if (rec !== null && last === null) rec.termination = "SC";
        return { status: 503, detail: last === null ? "no backend available" : "no other backend to retry on" };
      }
      last = b;
      if (tries > 1) {
        const refusal = p.breaker.acquire("retries");
        if (refusal !== null) return { status: 503, detail: refusal.message };
        p.breaker.release("retries");
        if (p.budget !== null && !p.budget.tryRetry()) {
          p.counters.budgetDenied++;
          return { status: 503, detail: `retry budget exhausted (${p.budget.kind}): not retrying` };
        }
        p.counters.retries++;
        const wait = fullJitter(tries - 2, policy.baseInterval ?? 25, policy.maxInterval ?? 250, p.random);
        p.counters.backoff += wait;
        try {
          yield* sleep(wait);
        } finally {
          p.budget?.retryEnded();
        }
      }
      if (rec !== null) picked(rec, b, tries);
      const outcome = yield* attempt(p, client, req, target, choice, b, tries, preface, rec);
      if (outcome.kind === "answered") return outcome.keepAlive;
      if (!retryable(policy, req, outcome.failure, tries + 1)) return { status: outcome.status, detail: outcome.detail };
    }
  } finally {
    p.breaker.release("requests");
    p.budget?.requestEnded();
  }
}

/** What the first try has tried: nothing, one empty set for every request. */
const NONE_TRIED: ReadonlySet<Backend> = new Set();

/**
 * Whether a failure may be retried as try number `tries`. A body already streamed to a backend is gone: only a
 * connect failure (nothing read yet) may be retried then.
 * Simplification: Envoy buffers a request body (up to per_request_buffer_limit_bytes) so that it can retry it; we
 * stream it and retry only requests without one.
 */
// Module-level, not a named arrow inside proxyRequest: under tsx (esbuild's keepNames) each named function made at
// run time is named with Object.defineProperty, which costs microseconds per request.
function retryable(policy: RetryPolicy, req: RequestHead, f: Failure, tries: number): boolean {
  const hasBody = req.framing.kind === "length" || req.framing.kind === "chunked";
  return tries <= 1 + (policy.maxRetries ?? 1) && (f.kind === "connect-failure" || (!hasBody && mayRetry(policy, f, req.method)));
}

/** Try number `tries` picked `b`: the phases after the pick start again. */
function picked(rec: AccessRecord, b: Backend, tries: number): void {
  rec.backend = b.name;
  rec.picked = getHub().now();
  rec.connected = rec.firstByte = rec.status = null;
  rec.termination = "--"; // an earlier try's failure is not this one's
  rec.retries = tries - 1;
}
// #endregion

// #region attempt
/** Try number `tries`, on backend `b`. A failure that would be retried has its response dropped. */
function* attempt(
  p: HttpProxy,
  client: Channel<RequestHead>,
  req: ProxyRequestHead,
  target: RequestTarget,
  choice: Choice,
  b: Backend,
  tries: number,
  preface: Buffer | null,
  rec: AccessRecord | null,
): Green<Outcome> {
  const pool = p.connectionPools.get(b);
  if (pool === undefined) {
    if (rec !== null) rec.termination = "SC";
    return failed({ kind: "connect-failure" }, 503, `backend ${b.name} was removed`);
  }
  let up: Upstream | null;
  try {
    // A connection that begins with a PROXY protocol header speaks for one client: a fresh one, never shared.
    // Simplification: HAProxy keeps such a connection private to its client connection and reuses it for that
    // client's next requests; we open one per request.
    up = yield* pool.acquire(preface !== null);
    if (preface !== null) yield* up.sock.sendall(preface);
  } catch (e) {
    if (!(e instanceof SocketError)) throw e;
    if (!(e instanceof PoolTimeoutError)) {
      p.outlier?.record(b, 503);
      choice.pool.strategy.failed(b);
    }
    // HAProxy's codes: too long in the queue (sQ), connect timeout (sC), connection refused or reset (SC).
    if (rec !== null) rec.termination = e instanceof PoolTimeoutError ? "sQ" : e instanceof TimedOutError ? "sC" : "SC";
    return failed({ kind: "connect-failure" }, 503, `${b.name}: ${e.message}`);
  }
  const hub = getHub();
  const start = hub.now();
  if (rec !== null) rec.connected = start;
  // A kept-alive connection the backend closed as we sent on it fails before any byte of response: sent again once
  // on a fresh connection, when that is safe (an idempotent request without a body), as chapter 07's client does.
  let again = req.framing.kind === "none" && IDEMPOTENT.has(req.method) && preface === null;
  let reusable = false;
  let answering = false;
  let out: Batch | null = null;
  choice.pool.started(b);
  try {
    let res: ResponseHead;
    for (;;) {
      const reused = up.requests > 0;
      const before = up.channel.received;
      up.requests++;
      try {
        yield* send(client, req, target, choice.fields, up);
        // Read here, not in a generator of its own: the request waits here for its backend, one frame shallower.
        let head = yield* up.channel.head();
        while (head !== null && head.status < 200 && head.status !== 101) {
          yield* passInterim(client, req, head, p.pseudonym);
          head = yield* up.channel.head();
        }
        if (head === null) throw new ConnectionResetError(`${b.name} closed the connection before responding`);
        res = head;
        break;
      } catch (e) {
        if (e instanceof SideError && e.side === "client") throw e;
        const stale = reused && again && up.channel.received === before && !(cause(e) instanceof TimedOutError);
        if (!stale) throw e;
        again = false;
        p.counters.staleRetries++;
        pool.release(up, false);
        up = null;
        up = yield* pool.acquire(true); // a connect failure here is a failure of this try, caught below
        if (rec !== null) rec.connected = hub.now();
      }
    }
    if (rec !== null) {
      rec.firstByte = hub.now();
      rec.status = res.status;
    }
    choice.pool.strategy.observe(b, hub.now() - start);
    p.outlier?.record(b, res.status);
    const gateway = res.status === 502 || res.status === 503 || res.status === 504;
    if (gateway && retryable(p.retry, req, { kind: "status", status: res.status }, tries + 1)) {
      // Dropped, read to its end so the connection can be reused.
      yield* drain(up.channel);
      reusable = res.keepAlive && preface === null;
      return failed({ kind: "status", status: res.status }, res.status, `${b.name} answered ${res.status}`);
    }
    answering = true;
    if (res.status === 101) {
      if (req.upgrade === undefined) throw new HttpError(502, "101 Switching Protocols to a request that asked for no upgrade");
      yield* client.sock.sendall(clientResponseHead(req, res, upgradeFields(p, res), { chunked: false, close: false }));
      p.counters.upgrades++;
      yield* tunnel(client, up.channel, p.limits.tunnelTimeout);
      return CLOSED;
    }
    // A refused upgrade leaves the client's bytes after its head unread: that connection cannot carry another request.
    const framing = clientFraming(req, res, req.keepAlive && req.upgrade === undefined);
    out = new Batch(client.sock);
    const fields = forwardResponse(res.headers, { pseudonym: p.pseudonym, version: res.version });
    for (const [name, value] of choice.responseFields(b)) fields.append(name, value);
    out.add(clientResponseHead(req, res, fields, framing));
    if (res.framing.kind !== "none") yield* copyBody(up.channel, out, framing.chunked, "backend", "client");
    yield* out.flush("client");
    reusable = res.keepAlive && preface === null;
    return framing.close ? CLOSED : KEPT_ALIVE;
  } catch (e) {
    if (e instanceof SideError && e.side === "client") throw e;
    if (answering) throw e; // the client has part of a response: only a cut connection can tell it
    const c = cause(e);
    // HAProxy's codes: the server timed out (sH) or went away (SH) before its response head.
    if (rec !== null) rec.termination = c instanceof TimedOutError ? "sH" : "SH";
    if (c instanceof TimedOutError) {
      p.outlier?.record(b, 504);
      return failed({ kind: "status", status: 504 }, 504, `${b.name} did not answer in ${p.limits.serverTimeout} ms`);
    }
    if (c instanceof SocketError || c instanceof HttpError) {
      p.outlier?.record(b, 503); // a reset is a local-origin failure: Envoy counts it as a 503
      return failed({ kind: "reset" }, 502, `${b.name}: ${c.message}`);
    }
    throw e;
  } finally {
    choice.pool.finished(b);
    if (up !== null) pool.release(up, reusable);
    if (rec !== null && out !== null) rec.bytesOut += out.written;
  }
}

/** The error under a SideError. */
const cause = (e: unknown): unknown => (e instanceof SideError ? e.error : e);

/** A 101's fields for the client: Upgrade and Connection are hop-by-hop, but a 101 must name the new protocol. */
function upgradeFields(p: HttpProxy, res: ResponseHead): Headers {
  const fields = forwardResponse(res.headers, { pseudonym: p.pseudonym, version: res.version });
  fields.set("Connection", "Upgrade");
  fields.set("Upgrade", res.headers.get("upgrade") ?? "");
  return fields;
}
// #endregion

// #region send
/** Sends the request on `up`: its head, and its body streamed from the client. */
function* send(client: Channel<RequestHead>, req: ProxyRequestHead, target: RequestTarget, fields: Headers, up: Upstream): Green<void> {
  up.parser.expect(req.method);
  const out = new Batch(up.sock);
  out.add(backendRequestHead(req, target.path, fields, req.upgrade));
  if (req.framing.kind === "length" || req.framing.kind === "chunked") {
    if (req.version === "HTTP/1.1" && req.headers.get("expect")?.toLowerCase() === "100-continue") {
      // The client waits for a go-ahead; it gets it once a backend connection is there to take the body.
      try {
        yield* client.sock.sendall(CONTINUE);
      } catch (e) {
        throw new SideError("client", e);
      }
    }
    yield* copyBody(client, out, req.framing.kind === "chunked", "client", "backend");
  }
  yield* out.flush("backend");
}

/** An interim 1xx response (103 Early Hints) goes on to an HTTP/1.1 client (RFC 9110 §15.2); the final one follows. */
function* passInterim(client: Channel<RequestHead>, req: ProxyRequestHead, res: ResponseHead, pseudonym: string): Green<void> {
  if (req.version !== "HTTP/1.1") return;
  try {
    yield* client.sock.sendall(clientResponseHead(req, res, forwardResponse(res.headers, { pseudonym, version: res.version }), { chunked: false, close: false }));
  } catch (e) {
    throw new SideError("client", e);
  }
}
// #endregion
