// The HTTP proxy: chapter 07's parser and server loop in front, pooled keep-alive connections behind, chapter 09's
// strategies and chapter 10's health in between — per request, not per connection. Built in chapter 11.
//
// Design principles
//   1. One green thread per client connection owns it: its requests, in order, each streamed up and down through
//      a pooled backend connection, then the next. Nothing per request is a promise or a thread.
//   2. Never forward what a backend could read differently: a request is parsed and checked whole (head) before
//      a byte of it leaves, and a refused one closes its connection.
//   3. Each side frames its own hop: hop-by-hop fields are dropped, framing is written again for the next hop.
//   4. Every limit has a default and a status: a client past one gets that status, never a hang.
import { getHub } from "../02-hub/hub";
import type { Greenlet } from "../02-hub/greenlet";
import { PARK, type Green } from "../02-hub/suspend";
import { sleep, spawn, type GreenThread } from "../03-cancellation/greenthread";
import { Timeout } from "../03-cancellation/timeout";
import { SocketClosedError, SocketError, TimedOutError } from "../05-green-sockets/errors";
import type { Random } from "../05-green-sockets/random";
import type { Address, Listener, Network, Socket } from "../05-green-sockets/socket";
import { HttpError } from "../07-http/errors";
import type { RequestHead } from "../07-http/messages";
import type { Backend } from "../08-tcp-proxy/balancer";
import { IdleTimeoutError, ShutdownError } from "../08-tcp-proxy/errors";
import type { StrategyConfig, StrategyName } from "../09-strategies/strategies";
import { CircuitBreaker, type BreakerLimits } from "../10-health/breaker";
import { makeBudget, type BudgetConfig, type RetryBudget } from "../10-health/budget";
import type { CheckerConfig } from "../10-health/checker";
import { HealthMonitor } from "../10-health/monitor";
import { OutlierDetector, type OutlierConfig } from "../10-health/outlier";
import type { Probe } from "../10-health/probe";
import type { RetryPolicy } from "../10-health/retry";
import { newAccessRecord, type AccessRecord } from "./access-record";
import { SideError } from "./body";
import { Channel, ProxyRequestParser, type ProxyRequestHead } from "./channel";
import { proxyRequest, type Answer } from "./exchange";
import { KeyedLimiter, limitKey, type LimitBy } from "./keyed";
import { Pool, type PoolConfig } from "./pools";
import { LimitReq, type LimitReqConfig } from "./rate-limit";
import { RouteTable, type RouteRule } from "./routes";
import { TokenBucket, type TokenBucketConfig } from "./token-bucket";
import { forwardRequest, type ForwardedRequest } from "./forwarding";
import { proxyResponse, refuse } from "./heads";
import { originOf, readProxyHeader } from "./proxy-accept";
import { encodeProxyHeader, ProxyProtocolError, proxyHeaderFor } from "./proxy-protocol";
import { DEFAULT_PROXY_LIMITS, type ProxyLimits } from "./limits";
import { BackendPool, type PoolOptions } from "./pool";
import { validateRequest, type RequestTarget, type ValidationRules } from "./validate";

// #region options
export interface HttpProxyOptions extends ValidationRules {
  /** Where clients connect and backends are reached: Node's real network (chapter 08's fastNetwork) or a simulated host. */
  readonly network: Network;
  /** Where to listen (port 0: any free port). */
  readonly listen: Address;
  /** The backends of the pool named "default", where requests go when there are no routes. */
  readonly backends?: readonly Backend[];
  /** The default pool's strategy (chapter 09), picked per request. @default "round-robin" */
  readonly strategy?: StrategyName | StrategyConfig;
  /** More pools by name, for routes to send to; each with its strategy and stickiness. */
  readonly pools?: Readonly<Record<string, PoolConfig>>;
  /** Routing rules (lab task 3), first match wins; a request no rule matches gets 404. @default everything to "default" */
  readonly routes?: readonly RouteRule[];
  /** Rate limiting per client (lab task 4): nginx's limit_req or a token bucket, keyed, answering 503 or 429. @default none */
  readonly rateLimit?: RateLimitConfig;
  /** Sizes and timeouts; see DEFAULT_PROXY_LIMITS. */
  readonly limits?: Partial<ProxyLimits>;
  /** The per-backend connection pools. */
  readonly pool?: PoolOptions;
  /** Chapter 10's active checks; null: none. @default null */
  readonly health?: CheckerConfig | null;
  /** The active check. @default chapter 10's tcpProbe */
  readonly probe?: Probe;
  /** Chapter 10's outlier detection, fed every response's status; null: none. @default Envoy's defaults */
  readonly outlier?: OutlierConfig | null;
  /** Chapter 10's circuit breaker: `maxRequests` in flight (503 past it) and `maxRetries`. */
  readonly breaker?: BreakerLimits;
  /** Chapter 10's retry policy per request, and its budget. @default 1 retry, Envoy's budget */
  readonly retry?: RetryPolicy & { readonly budget?: BudgetConfig | null };
  /** This proxy's name in Via (RFC 9110 §7.6.3). @default "hub" */
  readonly pseudonym?: string;
  /** Proxies in front of this one whose X-Forwarded-For entries are believed (Envoy's xff_num_trusted_hops). @default 0 */
  readonly trustedHops?: number;
  /**
   * Every client connection starts with a PROXY protocol header, v1 or v2 (HAProxy's `accept-proxy`); one that does
   * not, or not within headerTimeout, is dropped. @default false
   */
  readonly acceptProxy?: boolean;
  /** Open every backend connection with a PROXY protocol header naming the client (HAProxy's `send-proxy`, `-v2`). */
  readonly sendProxy?: 1 | 2 | null;
  /** Client connections served at once; more wait in the backlog. @default 10000 */
  readonly maxConnections?: number;
  /** @default 511 */
  readonly backlog?: number;
  /** Where every random choice comes from. @default Math.random */
  readonly random?: Random;
  /**
   * Called with each request's record once it is done (chapter 13's access log). Unset, nothing is recorded: the
   * proxy pays a few null checks per request, no allocation and no clock read. It runs in the connection's thread
   * and must not wait: chapter 13's writer only queues a line.
   */
  readonly onRecord?: (r: AccessRecord) => void;
}

export interface RateLimitConfig {
  /** What a request is limited by: the client's address or a header's value. @default { source: true } */
  readonly by?: LimitBy;
  /** nginx's limit_req (`{ rate: 10, burst: 5, nodelay: true }`), or a token bucket (`{ capacity, rate, kind }`). */
  readonly limit: LimitReqConfig | ({ readonly kind: "token-bucket" } & TokenBucketConfig);
  /** The status of a refused request (nginx's limit_req_status). @default 503 */
  readonly status?: number;
  /** Clients remembered at once. @default 10000 */
  readonly maxKeys?: number;
}

export interface ProxyCounters {
  /** Requests read and checked. */
  requests: number;
  /** Answers the proxy made itself, by status (400, 408, 413, 429, 502, 503, 504…). */
  readonly refused: Record<number, number>;
  /** Retries on another backend (chapter 10's policy), and those the budget refused. */
  retries: number;
  budgetDenied: number;
  /** Milliseconds spent backing off before retries. */
  backoff: number;
  /** Requests sent again on a fresh connection after a pooled one turned out closed. */
  staleRetries: number;
  /** Connections that became tunnels (101 Switching Protocols). */
  upgrades: number;
  /** Client connections dropped for a missing or bad PROXY protocol header. */
  badProxyHeaders: number;
}
// #endregion

// #region http-proxy
export class HttpProxy {
  readonly limits: ProxyLimits;
  /** The pools of backends by name, "default" included when `backends` was given. */
  readonly pools = new Map<string, Pool>();
  readonly routes: RouteTable | null;
  readonly limiter: KeyedLimiter | null;
  /** One connection pool per backend; chapter 12 adds and removes backends (and so these) at run time. */
  readonly connectionPools = new Map<Backend, BackendPool>();
  readonly monitor: HealthMonitor | null;
  readonly outlier: OutlierDetector | null;
  readonly breaker: CircuitBreaker;
  readonly budget: RetryBudget | null;
  readonly retry: RetryPolicy;
  readonly random: Random;
  readonly pseudonym: string;
  readonly counters: ProxyCounters = { requests: 0, refused: {}, retries: 0, budgetDenied: 0, backoff: 0, staleRetries: 0, upgrades: 0, badProxyHeaders: 0 };
  /** The thread of every client connection being served. */
  readonly connections = new Set<GreenThread<void>>();
  acceptor: GreenThread<void> | null = null;
  #sweeper: GreenThread<void> | null = null;
  #waitingForSlot = false;

  constructor(
    readonly options: HttpProxyOptions,
    readonly listener: Listener,
  ) {
    const hub = getHub();
    const now = (): number => hub.now();
    this.limits = { ...DEFAULT_PROXY_LIMITS, ...options.limits };
    this.random = options.random ?? Math.random;
    const configs: [string, PoolConfig][] = Object.entries(options.pools ?? {});
    if (options.backends !== undefined) configs.unshift(["default", { backends: options.backends, strategy: options.strategy }]);
    if (configs.length === 0) throw new Error("startHttpProxy: give `backends`, or `pools` and `routes`");
    for (const [name, config] of configs) this.pools.set(name, new Pool(name, config, { random: this.random, now }));
    this.routes = options.routes ? new RouteTable(options.routes, { random: this.random }) : null;
    for (const r of this.routes?.routes ?? []) {
      for (const { pool } of r.pools) if (!this.pools.has(pool)) throw new Error(`route "${r.name}" sends to pool "${pool}", which is not configured`);
    }
    this.limiter = options.rateLimit ? makeLimiter(options.rateLimit) : null;
    const all = [...new Set(configs.flatMap(([, c]) => c.backends))];
    this.monitor = options.health ? new HealthMonitor(options.network, all, options.health, { probe: options.probe, random: this.random }) : null;
    this.outlier = options.outlier === null ? null : new OutlierDetector([], options.outlier, { now, random: this.random });
    this.breaker = new CircuitBreaker(options.breaker);
    this.budget = options.retry?.budget === null ? null : makeBudget(options.retry?.budget ?? { kind: "envoy" }, now);
    this.retry = options.retry ?? {};
    this.pseudonym = options.pseudonym ?? "hub";
    for (const b of all) this.#open(b);
  }

  /** Where clients connect (the real port when it listened on port 0). */
  get address(): Address {
    return this.listener.address;
  }

  /** Whether `b` may get requests now: the active checks say healthy, outlier detection has not ejected it. */
  usable(b: Backend): boolean {
    return (this.monitor?.healthy(b) ?? true) && !(this.outlier?.isEjected(b) ?? false);
  }

  /** `usable` as a function a pool can call, made once rather than for every request. */
  readonly usableView = (b: Backend): boolean => this.usable(b);

  /**
   * Adds a backend to a pool at run time: its strategy may pick it from the next request on, and the active checks
   * (when there are any) check it from now on. Healthy until a check says otherwise, as chapter 10's checkers start.
   */
  addBackend(b: Backend, pool = "default"): void {
    const p = this.pools.get(pool);
    if (p === undefined) throw new Error(`no pool "${pool}"`);
    this.#open(b);
    this.monitor?.add(b);
    p.add(b);
  }

  /** Removes a backend from every pool: no new request goes to it; idle connections close now, busy ones after their request. */
  removeBackend(b: Backend): void {
    for (const p of this.pools.values()) p.remove(b);
    this.outlier?.remove(b);
    this.monitor?.remove(b);
    const conns = this.connectionPools.get(b);
    this.connectionPools.delete(b);
    conns?.close();
  }

  #open(b: Backend): void {
    if (this.connectionPools.has(b)) return;
    this.connectionPools.set(b, new BackendPool(b, this.options.network, this.options.pool ?? {}, this.limits));
    this.outlier?.add(b);
  }

  /** Counts a refusal the proxy answered itself. */
  refused(status: number): void {
    this.counters.refused[status] = (this.counters.refused[status] ?? 0) + 1;
  }

  /** Starts the checks and the outlier sweeps (startHttpProxy does it). */
  startHealth(): void {
    this.monitor?.start();
    const outlier = this.outlier;
    if (outlier !== null && this.#sweeper === null) {
      this.#sweeper = spawn(function* sweep() {
        for (;;) {
          yield* sleep(outlier.config.interval);
          outlier.tick();
        }
      });
    }
  }

  /**
   * Stops accepting, lets open connections finish for up to `grace` ms, cuts the rest, stops the checks and closes
   * every pooled connection. Returns once every connection thread has ended.
   */
  *shutdown(grace = 0): Green<void> {
    const hub = getHub();
    this.listener.close();
    if (this.#waitingForSlot && this.acceptor) hub.resume(this.acceptor);
    const deadline = hub.schedule(grace, () => {
      for (const t of this.connections) t.killSoon(new ShutdownError(`still open ${grace} ms after shutdown began`));
    });
    try {
      while (this.connections.size > 0) {
        const [t] = this.connections;
        yield* t.wait();
      }
      if (this.acceptor) yield* this.acceptor.wait();
    } finally {
      deadline.cancel();
    }
    if (this.monitor !== null) yield* this.monitor.stop();
    if (this.#sweeper !== null) yield* this.#sweeper.kill();
    for (const conns of this.connectionPools.values()) conns.close();
  }

  /** For the accept loop: waits while `maxConnections` clients are being served. */
  *waitForSlot(): Green<void> {
    const max = this.options.maxConnections ?? 10_000;
    while (this.connections.size >= max && !this.listener.closed) {
      this.#waitingForSlot = true;
      try {
        yield PARK;
      } finally {
        this.#waitingForSlot = false;
      }
    }
  }

  /** A connection thread ended: the accept loop may take the next client. */
  connectionEnded(t: GreenThread<void>): void {
    this.connections.delete(t);
    if (this.#waitingForSlot && this.acceptor) getHub().resume(this.acceptor);
  }
}
// #endregion

// #region start
/** Listens, starts the health checks and starts accepting in a green thread of its own; returns at once. */
export function* startHttpProxy(options: HttpProxyOptions): Green<HttpProxy> {
  const listener = yield* options.network.listen(options.listen, options.backlog ?? 511);
  const proxy = new HttpProxy(options, listener);
  proxy.startHealth();
  proxy.acceptor = spawn(acceptLoop, proxy);
  return proxy;
}

function* acceptLoop(proxy: HttpProxy): Green<void> {
  for (;;) {
    yield* proxy.waitForSlot();
    let sock: Socket;
    try {
      sock = yield* proxy.listener.accept();
    } catch (e) {
      if (e instanceof SocketClosedError) return;
      throw e;
    }
    const t = spawn(serveClient, proxy, sock);
    proxy.connections.add(t);
    t.onExit((g: Greenlet) => {
      if (!g.started) sock.abort(); // killed before its first line ran
      proxy.connectionEnded(t);
    }, false);
  }
}
// #endregion

// #region serve-client
/** Serves one client connection: its requests one after the other, until either side closes it or a limit cuts it. */
function* serveClient(proxy: HttpProxy, sock: Socket): Green<void> {
  const L = proxy.limits;
  const client = new Channel<RequestHead>(sock, new ProxyRequestParser(L));
  // The access log's hook (chapter 13). Without one no record is made: a few null checks per request are the cost.
  const log = proxy.options.onRecord ?? null;
  const hub = getHub();
  // Who the client is, and what it connected to: the socket's peer and our address, or what a PROXY header says.
  let origin = sock.remote;
  let destination = proxy.address;
  if (proxy.options.acceptProxy) {
    try {
      const header = yield* readProxyHeader(sock, { timeout: L.headerTimeout });
      origin = originOf(header, sock);
      if (header.command === "proxy" && header.destination !== null) destination = header.destination;
    } catch (e) {
      if (!(e instanceof ProxyProtocolError || e instanceof SocketError)) throw e;
      // HAProxy and Envoy drop such a connection without a word: it is not HTTP that could be answered.
      proxy.counters.badProxyHeaders++;
      sock.abort();
      return;
    }
  }
  // The request being served, when there is a hook; `since` is when the proxy began waiting for it, `inBase` the
  // bytes the client had sent by then.
  // Simplification: bytes are counted per read, so a pipelined request read with the one before counts for that one;
  // HAProxy counts each request's own bytes.
  let rec: AccessRecord | null = null;
  let since = log === null ? 0 : hub.now();
  let inBase = 0;
  // The keep-alive deadline is made once per connection and started again for each request, as in chapter 07's
  // server: a Timeout is an Error, and making one per request is a cost every request would pay.
  let idleDeadline: Timeout | null = null;
  try {
    for (let served = 0; ; served++) {
      // One deadline for the whole head (HAProxy's `timeout http-request`): a byte every few seconds does not reset it.
      // Simplification: as in chapter 07, a kept-alive connection's idle wait and its next head share one deadline;
      // HAProxy times them apart (`timeout http-keep-alive`, then `timeout http-request`).
      sock.timeout = null;
      let deadline: Timeout;
      if (served === 0) deadline = new Timeout(L.headerTimeout);
      else if (idleDeadline === null) deadline = idleDeadline = new Timeout(L.keepAliveTimeout);
      else deadline = idleDeadline.start();
      let head: ProxyRequestHead | null;
      try {
        head = yield* client.head();
      } catch (e) {
        if (e === deadline) {
          if (client.parser.idle) return; // an idle kept-alive connection just closes
          proxy.refused(408);
          if (log !== null) rec = opened(proxy, origin, since, null, "cR");
          return yield* refuseNoted(sock, rec, 408, "the request head took too long");
        }
        if (!(e instanceof HttpError)) throw e;
        proxy.refused(e.status);
        if (log !== null) rec = opened(proxy, origin, since, null, "PR");
        return yield* refuseNoted(sock, rec, e.status, e.message);
      } finally {
        deadline.cancel();
      }
      if (head === null) return;
      proxy.counters.requests++;
      if (log !== null) rec = opened(proxy, origin, since, head, "--");
      sock.timeout = L.clientTimeout;
      let target: RequestTarget;
      try {
        target = validateRequest(head, proxy.options);
      } catch (e) {
        if (!(e instanceof HttpError)) throw e;
        proxy.refused(e.status);
        if (rec !== null) rec.termination = "PR";
        return yield* refuseNoted(sock, rec, e.status, e.message);
      }
      const result = yield* handle(proxy, client, head, target, origin, destination, rec);
      if (result === true || result === false) {
        if (rec !== null) {
          finish(log!, rec, client.received - inBase);
          rec = null;
          since = hub.now();
          inBase = client.received;
        }
        if (result) continue;
        return;
      }
      // The proxy's own answer. The connection survives it only when no request body is left unread.
      proxy.refused(result.status);
      // A refusal before any backend failed is the proxy's own decision (a rate limit, no route, the breaker).
      if (rec !== null && rec.termination === "--") rec.termination = "PR";
      const close = !head.keepAlive || head.framing.kind !== "none" || head.upgrade !== undefined;
      if (close) return yield* refuseNoted(sock, rec, result.status, result.detail, result.headers);
      const answer = proxyResponse(result.status, result.detail, false, result.headers);
      yield* sock.sendall(answer);
      if (rec !== null) {
        rec.status = result.status;
        rec.bytesOut += answer.length;
        finish(log!, rec, client.received - inBase);
        rec = null;
        since = hub.now();
        inBase = client.received;
      }
    }
  } catch (e) {
    if (e instanceof SideError && e.side === "client") {
      if (rec !== null) rec.termination = e.error instanceof HttpError ? "PD" : clientGone(rec, e.error);
      // The client's body was refused mid-way (413, a bad chunk): say so if the answer has not begun.
      if (e.error instanceof HttpError) {
        proxy.refused(e.error.status);
        yield* refuseQuietly(sock, e.error.status, e.error.message, rec);
      }
      return;
    }
    if (e instanceof SocketError || e instanceof SideError || e instanceof HttpError || e instanceof ShutdownError || e instanceof IdleTimeoutError) {
      if (rec !== null) rec.termination = cutTermination(rec, e);
      sock.abort(); // cut in the middle: a reset tells the client its response is incomplete
      return;
    }
    throw e;
  } finally {
    sock.close();
    if (rec !== null) finish(log!, rec, client.received - inBase);
  }
}


/**
 * One checked request: the rate limit (lab task 4), the route to a pool (task 3), then the exchange. Its green code
 * yields whether the connection may carry another request, or the answer the proxy gives itself.
 *
 * A plain function that returns the green code to run, not a generator of its own: a request waiting for its backend
 * is suspended in every generator of its chain, and each is a frame its heap keeps until the answer comes.
 */
function handle(
  proxy: HttpProxy,
  client: Channel<RequestHead>,
  head: ProxyRequestHead,
  target: RequestTarget,
  origin: Address,
  destination: Address,
  rec: AccessRecord | null,
): Green<boolean | Answer> {
  const forwarded = forwardRequest(head.headers, {
    peer: origin,
    local: proxy.address,
    trustedHops: proxy.options.trustedHops,
    pseudonym: proxy.pseudonym,
    version: head.version,
  });
  // An absolute-form target's authority is the request's host (RFC 9112 §3.2.2); the backend gets it as Host.
  if (target.authority !== "" && forwarded.headers.get("host") !== target.authority) forwarded.headers.set("Host", target.authority);
  if (proxy.limiter !== null) {
    const key = limitKey(proxy.options.rateLimit?.by ?? { source: true }, { headers: head.headers, client: forwarded.client });
    const d = proxy.limiter.decide(key, getHub().now());
    if (d.kind === "reject") {
      return answer({ status: proxy.limiter.status, detail: "too many requests", headers: { "Retry-After": String(d.retryAfterSeconds) } });
    }
    // nginx holds a request of the burst until its turn. `bind`, not an arrow: for an arrow, V8 would keep handle's
    // variables in a context object made on every call, held or not; bind makes its function here only.
    if (d.kind === "delay") return delayed(d.ms, exchange.bind(null, proxy, client, head, target, origin, destination, forwarded, rec));
  }
  return exchange(proxy, client, head, target, origin, destination, forwarded, rec);
}

/** The route to a pool, then the exchange with one of its backends (exchange.ts). */
function exchange(
  proxy: HttpProxy,
  client: Channel<RequestHead>,
  head: ProxyRequestHead,
  target: RequestTarget,
  origin: Address,
  destination: Address,
  forwarded: ForwardedRequest,
  rec: AccessRecord | null,
): Green<boolean | Answer> {
  const name = proxy.routes === null ? "default" : proxy.routes.match({ host: target.authority, path: target.path, headers: head.headers })?.pool;
  const pool = name === undefined ? undefined : proxy.pools.get(name);
  if (pool === undefined) return answer({ status: 404, detail: `no route for ${target.authority}${target.path}` });
  const choice = pool.choose(forwarded.headers, forwarded.client, proxy.usableView);
  const version = proxy.options.sendProxy;
  // HAProxy's send-proxy passes on the addresses it received, the destination included.
  const preface = version ? encodeProxyHeader(proxyHeaderFor(origin, destination, version)) : null;
  return proxyRequest(proxy, client, head, target, choice, preface, rec);
}

/** A request of a rate limit's burst, held `ms` until its turn (nginx's limit_req without nodelay), then `go` runs. */
function* delayed(ms: number, go: () => Green<boolean | Answer>): Green<boolean | Answer> {
  yield* sleep(ms);
  return yield* go();
}

/** The proxy's own answer, as green code that returns it at once. */
function* answer(a: Answer): Green<Answer> {
  return a;
}

function makeLimiter(config: RateLimitConfig): KeyedLimiter {
  const limit = config.limit;
  const make = "kind" in limit ? () => new TokenBucket(limit) : () => new LimitReq(limit);
  make(); // a bad configuration fails now, not on the first request
  return new KeyedLimiter(make, { status: config.status, maxKeys: config.maxKeys });
}

function* refuseQuietly(sock: Socket, status: number, detail: string, rec: AccessRecord | null): Green<void> {
  try {
    yield* refuseNoted(sock, rec, status, detail);
  } catch (e) {
    if (!(e instanceof SocketError)) throw e;
  }
}

// #endregion

// #region access-hook
/** A request's record (chapter 13's access log), its head read (or refused before it was: `head` null). */
function opened(proxy: HttpProxy, origin: Address, since: number, head: RequestHead | null, termination: string): AccessRecord {
  const rec = newAccessRecord("http", origin, proxy.pseudonym, since);
  rec.received = head === null ? null : getHub().now();
  rec.termination = termination;
  if (head !== null) {
    rec.method = head.method;
    rec.path = head.target;
    rec.version = head.version;
  }
  return rec;
}

/** The record is complete: its end, the client's bytes, and to the hook. */
function finish(log: (r: AccessRecord) => void, rec: AccessRecord, bytesIn: number): void {
  rec.done = getHub().now();
  rec.bytesIn = bytesIn;
  log(rec);
}

/** heads.ts's refuse, noting the status and the bytes sent in the record, if any. */
function* refuseNoted(sock: Socket, rec: AccessRecord | null, status: number, detail: string, headers?: Record<string, string>): Green<void> {
  if (rec !== null) rec.status = status;
  const sent = yield* refuse(sock, status, detail, headers);
  if (rec !== null) rec.bytesOut += sent;
}

/**
 * HAProxy's code for a client that went away (C) or timed out (c): while the response head was awaited (H), or
 * once the response had begun (D).
 */
function clientGone(rec: AccessRecord, error: unknown): string {
  return (error instanceof TimedOutError ? "c" : "C") + (rec.firstByte === null ? "H" : "D");
}

/** The code of an exchange cut after its response had begun: by a shutdown (K), the backend (S, s), or the client. */
function cutTermination(rec: AccessRecord, e: unknown): string {
  if (e instanceof ShutdownError) return "KD";
  if (e instanceof IdleTimeoutError) return "cD"; // a tunnel with no byte either way (HAProxy's `timeout tunnel`)
  if (e instanceof SideError && e.side === "backend") return e.error instanceof TimedOutError ? "sD" : "SD";
  return clientGone(rec, e instanceof SideError ? e.error : e);
}
// #endregion
