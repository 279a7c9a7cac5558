// The balancer's metrics: names in the style of HAProxy's Prometheus exporter and Envoy's stats, fed per request by
// the access record (chapter 11's `onRecord`, chapter 13's TCP wrapper) and read at scrape time from the counters
// chapters 08–12 already keep. Built in chapter 13.
//
// Every metric carries `proxy` (which listener, as HAProxy's exporter labels every figure with its proxy's name); per
// backend ones carry `backend`. Times are in seconds, counters end in `_total`, states are gauges of 0 and 1.
import type { Green } from "../02-hub/suspend";
import type { Backend } from "../08-tcp-proxy/balancer";
import type { Stats } from "../08-tcp-proxy/stats";
import type { CircuitBreaker } from "../10-health/breaker";
import type { HealthMonitor } from "../10-health/monitor";
import type { OutlierDetector } from "../10-health/outlier";
import type { HealthyProxy } from "../10-health/proxy";
import type { AccessRecord } from "../11-http-proxy/access-record";
import { startHttpProxy, type HttpProxy, type HttpProxyOptions } from "../11-http-proxy/proxy";
import type { Membership } from "../12-elastic/membership";
import { Registry, type CounterChild, type Counter, type Histogram, type HistogramChild, type Labels } from "./metrics";

// #region names
/** The metric names, each after its model in HAProxy's exporter (`haproxy_…`) or Envoy's stats (`envoy_cluster_…`). */
export const METRICS = {
  /** haproxy_backend_http_responses_total{code="2xx"}; envoy upstream_rq_xx */
  httpResponses: "hub_lb_http_responses_total",
  /** haproxy_backend_sessions_total (mode tcp); envoy upstream_cx_total */
  tcpConnections: "hub_lb_tcp_connections_total",
  /** envoy upstream_cx_connect_ms (a histogram); haproxy_backend_connect_time_average_seconds */
  connectTime: "hub_lb_upstream_connect_seconds",
  /** envoy downstream_rq_time; haproxy_backend_total_time_average_seconds (HAProxy's Ta, not Tt) */
  duration: "hub_lb_request_duration_seconds",
  /** haproxy_frontend_bytes_in_total / _out_total */
  bytesIn: "hub_lb_bytes_in_total",
  bytesOut: "hub_lb_bytes_out_total",
  /** haproxy_frontend_current_sessions; envoy downstream_cx_active */
  currentConnections: "hub_lb_current_connections",
  /** haproxy_server_current_sessions; envoy upstream_cx_active */
  backendConnections: "hub_lb_backend_active_connections",
  /** haproxy_server_check_status / envoy membership_healthy: 1 when the active checks pass */
  backendUp: "hub_lb_backend_up",
  /** envoy outlier_detection ejections_active, per host */
  backendEjected: "hub_lb_backend_ejected",
  /** envoy outlier_detection.ejections_enforced_total, with the detector that ejected as `reason` */
  ejections: "hub_lb_outlier_ejections_total",
  /** envoy upstream_rq_retry; haproxy_backend_retry_warnings_total */
  retries: "hub_lb_retries_total",
  /** envoy upstream_rq_retry_overflow: a retry the budget refused */
  budgetExhausted: "hub_lb_retry_budget_exhausted_total",
  /** envoy http_local_rate_limit.rate_limited; haproxy_frontend_denied_req_total */
  rateLimited: "hub_lb_rate_limited_total",
  /** envoy circuit_breakers.default.cx_open / rq_open …: 1 while a resource is full */
  circuitOpen: "hub_lb_circuit_open",
  /** envoy upstream_cx_overflow / upstream_rq_pending_overflow …: refusals of a full resource */
  circuitOverflows: "hub_lb_circuit_overflows_total",
  /** haproxy_server_weight: the weight in effect now (slow start included) */
  backendWeight: "hub_lb_backend_weight",
  /** 1 while a backend drains (HAProxy's state "drain", haproxy_server_status) */
  backendDraining: "hub_lb_backend_draining",
  /** connections a drain's deadline cut */
  drainCut: "hub_lb_drain_cut_total",
} as const;

/** What the metrics read of an access record: any object with these fields will do. */
export type MeteredRecord = Pick<AccessRecord, "mode" | "backend" | "status" | "accepted" | "received" | "picked" | "connected" | "done" | "bytesIn" | "bytesOut">;

/** Buckets for connect times, in seconds: 0.5 ms (loopback) to 5 s (a connect timeout). */
export const CONNECT_BUCKETS: readonly number[] = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
/** Buckets for whole requests, in seconds: 1 ms to 30 s. */
export const DURATION_BUCKETS: readonly number[] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/** The `backend` label of a request no backend served (HAProxy's log says `<NOSRV>`). */
export const NO_BACKEND = "<NOSRV>";
// #endregion

/** What the scrape-time collectors read of one proxy, L4 or L7. */
interface Watched {
  readonly name: string;
  current(): number;
  /** Connections open to each backend now. */
  backends(): Iterable<readonly [Backend, number]>;
  readonly monitor: HealthMonitor | null;
  readonly outlier: OutlierDetector | null;
  readonly breaker: CircuitBreaker;
  readonly counters: { readonly retries: number; readonly budgetDenied: number };
  rateLimited(): number;
}

// #region balancer-metrics
/**
 * The metrics of one balancer (one or more proxies) in a registry of its own. `recorder(proxy)` gives the function
 * the access log's hook calls once per request; `watchHttp`, `watchTcp` and `watchMembership` register what is read
 * at scrape time.
 */
export class BalancerMetrics {
  readonly registry: Registry;
  readonly #watched: Watched[] = [];
  readonly #memberships: { readonly name: string; readonly membership: Membership }[] = [];
  readonly #responses: Counter;
  readonly #tcp: Counter;
  readonly #connect: Histogram;
  readonly #duration: Histogram;
  readonly #bytesIn: Counter;
  readonly #bytesOut: Counter;

  constructor(registry = new Registry()) {
    this.registry = registry;
    const r = registry;
    this.#responses = r.counter({ name: METRICS.httpResponses, help: "HTTP responses sent to clients, by backend and status class.", labelNames: ["proxy", "backend", "code"] });
    this.#tcp = r.counter({ name: METRICS.tcpConnections, help: "TCP connections relayed, by backend.", labelNames: ["proxy", "backend"] });
    this.#connect = r.histogram({ name: METRICS.connectTime, help: "Time to open a connection to a backend, in seconds.", labelNames: ["proxy", "backend"], buckets: CONNECT_BUCKETS });
    this.#duration = r.histogram({ name: METRICS.duration, help: "Time from reading a request's head (TCP: accepting the connection) to its end, in seconds.", labelNames: ["proxy", "mode"], buckets: DURATION_BUCKETS });
    this.#bytesIn = r.counter({ name: METRICS.bytesIn, help: "Bytes received from clients.", labelNames: ["proxy"] });
    this.#bytesOut = r.counter({ name: METRICS.bytesOut, help: "Bytes sent to clients.", labelNames: ["proxy"] });

    const each = (fn: (w: Watched, set: (labels: Labels, value: number) => void) => void) => (set: (labels: Labels, value: number) => void) => {
      for (const w of this.#watched) fn(w, set);
    };
    const perBackend = (fn: (w: Watched, b: Backend) => number | null) =>
      each((w, set) => {
        for (const [b] of w.backends()) {
          const v = fn(w, b);
          if (v !== null) set({ proxy: w.name, backend: b.name }, v);
        }
      });
    r.collect("gauge", { name: METRICS.currentConnections, help: "Client connections being served now.", labelNames: ["proxy"] }, each((w, set) => set({ proxy: w.name }, w.current())));
    r.collect("gauge", { name: METRICS.backendConnections, help: "Connections open to each backend now.", labelNames: ["proxy", "backend"] }, each((w, set) => {
      for (const [b, n] of w.backends()) set({ proxy: w.name, backend: b.name }, n);
    }));
    r.collect("gauge", { name: METRICS.backendUp, help: "1 when the backend passes its active health checks (or is not checked), else 0.", labelNames: ["proxy", "backend"] },
      perBackend((w, b) => ((w.monitor?.healthy(b) ?? true) ? 1 : 0)));
    r.collect("gauge", { name: METRICS.backendEjected, help: "1 while outlier detection keeps the backend out, else 0.", labelNames: ["proxy", "backend"] },
      perBackend((w, b) => (w.outlier === null ? null : w.outlier.isEjected(b) ? 1 : 0)));
    r.collect("counter", { name: METRICS.ejections, help: "Ejections by outlier detection, by backend and detector.", labelNames: ["proxy", "backend", "reason"] }, each((w, set) => {
      const counts = new Map<string, { backend: string; reason: string; n: number }>();
      for (const e of w.outlier?.events ?? []) {
        if (e.action !== "eject") continue;
        const key = JSON.stringify([e.backend.name, e.reason]);
        const c = counts.get(key) ?? { backend: e.backend.name, reason: e.reason ?? "unknown", n: 0 };
        c.n++;
        counts.set(key, c);
      }
      for (const c of counts.values()) set({ proxy: w.name, backend: c.backend, reason: c.reason }, c.n);
    }));
    r.collect("counter", { name: METRICS.retries, help: "Requests (or connects) tried again on another backend.", labelNames: ["proxy"] }, each((w, set) => set({ proxy: w.name }, w.counters.retries)));
    r.collect("counter", { name: METRICS.budgetExhausted, help: "Retries the retry budget refused.", labelNames: ["proxy"] }, each((w, set) => set({ proxy: w.name }, w.counters.budgetDenied)));
    r.collect("counter", { name: METRICS.rateLimited, help: "Requests refused by the rate limit.", labelNames: ["proxy"] }, each((w, set) => set({ proxy: w.name }, w.rateLimited())));
    r.collect("gauge", { name: METRICS.circuitOpen, help: "1 while the circuit breaker's resource is full (new ones are refused), else 0.", labelNames: ["proxy", "resource"] }, each((w, set) => {
      for (const res of RESOURCES) set({ proxy: w.name, resource: res }, w.breaker.open[res] >= w.breaker.limits[res] ? 1 : 0);
    }));
    r.collect("counter", { name: METRICS.circuitOverflows, help: "Requests or connections refused because a circuit breaker resource was full.", labelNames: ["proxy", "resource"] }, each((w, set) => {
      for (const res of RESOURCES) set({ proxy: w.name, resource: res }, w.breaker.overflows[res]);
    }));
    const eachMember = (fn: (m: Membership, b: Backend) => number) => (set: (labels: Labels, value: number) => void) => {
      for (const { name, membership } of this.#memberships) for (const b of membership.members.keys()) set({ proxy: name, backend: b.name }, fn(membership, b));
    };
    r.collect("gauge", { name: METRICS.backendWeight, help: "The weight in effect now, slow start included.", labelNames: ["proxy", "backend"] }, eachMember((m, b) => m.weightNow(b)));
    r.collect("gauge", { name: METRICS.backendDraining, help: "1 while the backend drains, else 0.", labelNames: ["proxy", "backend"] }, eachMember((m, b) => (m.members.get(b)?.state === "draining" ? 1 : 0)));
    r.collect("counter", { name: METRICS.drainCut, help: "Connections cut at a drain's deadline.", labelNames: ["proxy"] }, (set) => {
      for (const { name, membership } of this.#memberships) set({ proxy: name }, membership.cut);
    });
  }

  /**
   * The function to call once per finished request or connection of proxy `name`. Children are looked up once per
   * backend and status class and kept, so a request costs a few map lookups and additions.
   */
  recorder(name: string): (r: MeteredRecord) => void {
    const responses = new Map<string, CounterChild[]>();
    const tcp = new Map<string, CounterChild>();
    const connect = new Map<string, HistogramChild>();
    const duration = { http: this.#duration.labels({ proxy: name, mode: "http" }), tcp: this.#duration.labels({ proxy: name, mode: "tcp" }) };
    const bytesIn = this.#bytesIn.labels({ proxy: name });
    const bytesOut = this.#bytesOut.labels({ proxy: name });
    return (r) => {
      const backend = r.backend ?? NO_BACKEND;
      if (r.mode === "http") {
        let byClass = responses.get(backend);
        if (byClass === undefined) {
          byClass = CODES.map((code) => this.#responses.labels({ proxy: name, backend, code }));
          responses.set(backend, byClass);
        }
        const k = r.status === null ? 0 : Math.floor(r.status / 100);
        byClass[k >= 1 && k <= 5 ? k : 0]!.inc();
      } else {
        let c = tcp.get(backend);
        if (c === undefined) tcp.set(backend, (c = this.#tcp.labels({ proxy: name, backend })));
        c.inc();
      }
      if (r.connected !== null) {
        let h = connect.get(backend);
        if (h === undefined) connect.set(backend, (h = this.#connect.labels({ proxy: name, backend })));
        h.observe(Math.max(0, r.connected - (r.picked ?? r.accepted)) / 1000);
      }
      // From the request's head (HTTP: a keep-alive connection's idle time before it is not the request's) or the accept (TCP).
      duration[r.mode].observe(Math.max(0, r.done - (r.received ?? r.accepted)) / 1000);
      bytesIn.inc(r.bytesIn);
      bytesOut.inc(r.bytesOut);
    };
  }

  /** Reads chapter 11's HTTP proxy at every scrape. */
  watchHttp(name: string, proxy: HttpProxy): void {
    this.#watch({
      name,
      current: () => proxy.connections.size,
      *backends() {
        for (const [b, pool] of proxy.connectionPools) yield [b, pool.open] as const;
      },
      monitor: proxy.monitor,
      outlier: proxy.outlier,
      breaker: proxy.breaker,
      counters: proxy.counters,
      rateLimited: countRejections(proxy),
    });
  }

  /** Reads chapter 10's healthy TCP proxy (or chapter 12's elastic one) at every scrape. */
  watchTcp(name: string, hp: HealthyProxy): void {
    const stats: Map<Backend, Stats> = hp.proxy.stats;
    this.#watch({
      name,
      current: () => hp.proxy.clients.active,
      *backends() {
        for (const [b, s] of stats) yield [b, s.active] as const;
      },
      monitor: hp.monitor,
      outlier: hp.outlier,
      breaker: hp.breaker,
      counters: hp.counters,
      rateLimited: () => 0,
    });
  }

  /** Reads chapter 12's membership (weights, draining, cut connections) at every scrape. */
  watchMembership(name: string, membership: Membership): void {
    this.#memberships.push({ name, membership });
  }

  /** Stops reading proxy `name` (a listener that closed); its per-request counters stay. */
  unwatch(name: string): void {
    const i = this.#watched.findIndex((w) => w.name === name);
    if (i >= 0) this.#watched.splice(i, 1);
    const j = this.#memberships.findIndex((m) => m.name === name);
    if (j >= 0) this.#memberships.splice(j, 1);
  }

  #watch(w: Watched): void {
    if (this.#watched.some((x) => x.name === w.name)) throw new Error(`a proxy named "${w.name}" is already watched`);
    this.#watched.push(w);
  }
}
// #endregion

// #region metered-http
/**
 * Chapter 11's proxy, started with its access records feeding `metrics` (and then `options.onRecord`, an access log
 * say) and its counters read at every scrape under `proxy="name"`.
 */
export function* startMeteredHttpProxy(metrics: BalancerMetrics, name: string, options: HttpProxyOptions): Green<HttpProxy> {
  const record = metrics.recorder(name);
  const next = options.onRecord;
  const onRecord = next === undefined ? record : (r: AccessRecord): void => {
    record(r);
    next(r);
  };
  const proxy = yield* startHttpProxy({ ...options, onRecord });
  metrics.watchHttp(name, proxy);
  return proxy;
}
// #endregion

const RESOURCES = ["connections", "pending", "requests", "retries"] as const;
/** Status classes by hundreds; "other" for no status or one outside 100–599 (HAProxy's exporter says the same). */
const CODES = ["other", "1xx", "2xx", "3xx", "4xx", "5xx"] as const;

/**
 * A count of the requests `proxy`'s rate limit refused. Chapter 11 answers them with the limiter's status (503 by
 * default, nginx's limit_req_status), as the breaker and an empty pool answer theirs, so neither `counters.refused`
 * nor a record's status tells them apart: the limiter's `decide` is wrapped, on that one object, to count its
 * rejections — the same move as chapter 09's feedback network, made on an object the proxy built itself.
 */
function countRejections(proxy: HttpProxy): () => number {
  const limiter = proxy.limiter;
  if (limiter === null) return () => 0;
  let rejected = 0;
  const decide = limiter.decide.bind(limiter);
  limiter.decide = (key, now) => {
    const d = decide(key, now);
    if (d.kind === "reject") rejected++;
    return d;
  };
  return () => rejected;
}
