// One generation of one listener: the proxy a listener's config describes, with its membership and its discovery,
// serving the connections its front hands it. A reload that changes a listener's settings starts a new generation
// and drains the old one. Built in chapter 14, from chapters 10–12.
import { isAbsolute, resolve } from "node:path";
import { getHub } from "../02-hub/hub";
import type { Green } from "../02-hub/suspend";
import type { Random } from "../05-green-sockets/random";
import type { Network } from "../05-green-sockets/socket";
import type { Backend } from "../08-tcp-proxy/balancer";
import { ShutdownError } from "../08-tcp-proxy/errors";
import type { Relay } from "../08-tcp-proxy/pipe";
import { spliceRelay } from "../08-tcp-proxy/splice";
import type { StrategyConfig, StrategyName } from "../09-strategies/strategies";
import type { Peer } from "../09-strategies/strategy";
import type { CheckerConfig } from "../10-health/checker";
import { httpProbe, tcpProbe } from "../10-health/probe";
import type { AccessRecord } from "../11-http-proxy/access-record";
import { startHttpProxy, type HttpProxy } from "../11-http-proxy/proxy";
import { FileWatch } from "../12-elastic/discovery-file";
import { followMembership } from "../12-elastic/http";
import { Membership } from "../12-elastic/membership";
import { startElasticProxy, type ElasticProxy } from "../12-elastic/proxy";
import { reconcile, type Applied, type Wanted } from "../12-elastic/reconcile";
import { withAccessRecords } from "../13-observability/tcp-access";
import type { BackendConfig, ListenerConfig } from "./config";
import { HandoffListener, handoffNetwork } from "./front";

// #region generation
/** What a drain or a stop did: connections that ended on their own, and those cut at the deadline. */
export interface DrainReport {
  readonly finished: number;
  readonly cut: number;
}

export interface GenerationOptions {
  readonly network: Network;
  readonly drainTimeout: number;
  /** Where a relative discovery path starts (the config file's folder). @default the working directory */
  readonly baseDir?: string;
  /** How a discovery file is read. @default readFileSync */
  readonly read?: (path: string) => string;
  readonly log?: (line: string) => void;
  readonly random?: Random;
  /** Where each request's (http) or connection's (tcp) access record goes: chapter 13's metrics and access log. */
  readonly onRecord?: (listener: string) => ((r: AccessRecord) => void) | undefined;
}

export interface Generation {
  readonly name: string;
  readonly config: ListenerConfig;
  /** Who is in, and the connections each holds (chapter 12). */
  readonly membership: Membership;
  /** The listener its proxy accepts from; its front fills it. */
  readonly hands: HandoffListener;
  readonly tcp: ElasticProxy | null;
  readonly http: HttpProxy | null;
  readonly watch: FileWatch | null;
  /** Client connections it serves now. */
  open(): number;
  /** Whether `b` may get new work now (health, ejection, membership). */
  usable(b: Backend): boolean;
  /** Brings the members from the config in line with `backends` (chapter 12's plan; no connection is touched). */
  reconcile(backends: readonly BackendConfig[]): Applied;
  /** Stops taking connections, lets those open finish for up to `grace` ms, cuts the rest. */
  drain(grace: number): Green<DrainReport>;
  /** Cuts every client connection open now (a stop's deadline); a drain under way then ends. */
  cut(why: string): void;
}
// #endregion

/** A backend as chapter 09's strategies read it (a Peer: with its weight). */
const asBackend = (b: BackendConfig): Peer => ({ name: b.name, address: b.address, weight: b.weight });
const asWanted = (b: BackendConfig): Wanted => ({ name: b.name, host: b.address.host, port: b.address.port, weight: b.weight });

/** Starts the proxy `config` describes, accepting from a new HandoffListener (a front hands it connections). */
export function* startGeneration(name: string, config: ListenerConfig, options: GenerationOptions): Green<Generation> {
  const log = options.log ?? (() => {});
  const hands = new HandoffListener(config.listen);
  const onRecord = options.onRecord?.(name);
  const network = handoffNetwork(options.network, hands);
  const initial = (config.backends ?? []).map(asBackend);
  const health = healthOf(config);
  const probe = config.health?.path !== undefined ? httpProbe(config.health.path) : tcpProbe;
  const strategy = (config.strategy ?? { name: config.protocol === "tcp" ? "live-weighted" : "round-robin" }) as StrategyConfig | { name: "live-weighted" };
  const member = { log: (l: string) => log(`${name}: ${l}`), drainTimeout: options.drainTimeout, slowStart: config.slowStart };
  const retry = { maxRetries: config.retries.maxRetries, budget: config.retries.budget, baseInterval: config.retries.baseInterval, maxInterval: config.retries.maxInterval };
  const breaker = config.limits.maxRequests === undefined ? {} : { maxRequests: config.limits.maxRequests, maxConnections: config.limits.maxRequests };
  let membership: Membership;
  let tcp: ElasticProxy | null = null;
  let http: HttpProxy | null = null;
  if (config.protocol === "tcp") {
    // The byte path is chapter 08's splice: on real sockets the bytes are forwarded in Node's callbacks, past every
    // socket wrapper below (they keep `inner`); on the simulated network it is the green pipe. Chapter 13's records
    // of a TCP proxy come from wrapping its network and relay; the wrapper names a backend by its address among the
    // balancer's backends, read when a connection ends (the members of the moment).
    let started: ElasticProxy | null = null;
    const balancer = { get backends(): Backend[] { return started === null ? [] : [...started.membership.members.keys()]; }, pick: () => null };
    const plain = { network, relay: spliceRelay };
    const wrapped: { readonly network: Network; readonly relay: Relay } = onRecord === undefined ? plain : withAccessRecords({ ...plain, listen: config.listen, balancer }, { onRecord, frontend: name });
    tcp = started = yield* startElasticProxy({
      ...member,
      network: wrapped.network,
      relay: wrapped.relay,
      listen: config.listen,
      backends: initial,
      strategy: strategy.name === "live-weighted" ? "live-weighted" : (strategy as StrategyConfig),
      health,
      probe,
      outlier: config.outlier,
      retry,
      breaker,
      connectTimeout: config.timeouts.connect,
      idleTimeout: config.timeouts.idle,
      maxConnections: config.limits.maxConnections,
      random: options.random,
    });
    membership = tcp.membership;
    for (const b of config.backends ?? []) {
      if (b.maxConnections !== undefined) membership.byName(b.name)!.maxConnections = b.maxConnections;
    }
  } else {
    membership = new Membership(member);
    const t = config.timeouts;
    http = yield* startHttpProxy({
      network: membership.network(network),
      listen: config.listen,
      backends: [],
      strategy: strategy as StrategyName | StrategyConfig,
      health,
      probe,
      outlier: config.outlier,
      retry,
      breaker,
      maxConnections: config.limits.maxConnections,
      pseudonym: name,
      onRecord,
      limits: {
        connectTimeout: t.connect,
        ...(t.header === undefined ? {} : { headerTimeout: t.header }),
        ...(t.keepAlive === undefined ? {} : { keepAliveTimeout: t.keepAlive }),
        ...(t.client === undefined ? {} : { clientTimeout: t.client }),
        ...(t.server === undefined ? {} : { serverTimeout: t.server }),
        ...(t.queue === undefined ? {} : { queueTimeout: t.queue }),
        ...(config.limits.maxBodyBytes === undefined ? {} : { maxBodyBytes: config.limits.maxBodyBytes }),
      },
      random: options.random,
    });
    followMembership(membership, http);
    for (const b of config.backends ?? []) membership.add(asBackend(b), { weight: b.weight, maxConnections: b.maxConnections, source: "config", initial: true });
    followWeightZero(membership, http);
  }
  let watch: FileWatch | null = null;
  if (config.discovery !== undefined) {
    const path = isAbsolute(config.discovery.file) ? config.discovery.file : resolve(options.baseDir ?? ".", config.discovery.file);
    watch = new FileWatch(membership, path, { interval: config.discovery.interval, read: options.read, log: (l) => log(`${name}: ${l}`) });
    watch.start();
  }
  let forced = 0;
  const tcpProxy = tcp;
  const httpProxy = http;
  return {
    name,
    config,
    membership,
    hands,
    tcp,
    http,
    watch,
    open: () => (tcpProxy !== null ? tcpProxy.proxy.connections.size : httpProxy!.connections.size),
    usable: (b) => (tcpProxy !== null ? tcpProxy.usable(b) : httpProxy!.usable(b)) && membership.usable(b),
    reconcile(backends) {
      const applied = reconcile(membership, "config", backends.map(asWanted));
      if (httpProxy !== null) followWeightZero(membership, httpProxy);
      return applied;
    },
    cut(why: string): void {
      const threads = tcpProxy !== null ? tcpProxy.proxy.connections : httpProxy!.connections;
      forced += threads.size;
      for (const t of threads) t.killSoon(new ShutdownError(why));
    },
    *drain(grace: number): Green<DrainReport> {
      const forcedBefore = forced;
      let r: DrainReport;
      if (watch !== null) yield* watch.stop();
      if (tcpProxy !== null) r = yield* tcpProxy.shutdown(grace);
      else {
        const p = httpProxy!;
        const open = p.connections.size;
        let cut = 0;
        const count = getHub().schedule(grace, () => (cut = p.connections.size)); // before shutdown's own timer cuts them
        try {
          yield* p.shutdown(grace);
        } finally {
          count.cancel();
        }
        r = { finished: Math.max(0, open - cut), cut };
      }
      // Connections a stop cut while this drain waited ended "on their own" as far as the proxy could tell.
      const extra = forced - forcedBefore;
      return { finished: Math.max(0, r.finished - extra), cut: r.cut + extra };
    },
  };
}

/**
 * Chapter 11's proxy follows who is in (chapter 12's followMembership), not weights: a member at weight 0 (HAProxy's
 * "no new work, but not leaving", and how `--workers` marks a backend its primary found down) is taken out of the
 * proxy's pools, and put back when its weight is above 0 again. Its requests in flight finish.
 */
function followWeightZero(membership: Membership, proxy: HttpProxy): void {
  for (const [b, m] of membership.members) {
    if (m.state !== "active") continue;
    const serving = proxy.connectionPools.has(b);
    if (m.weight === 0 && serving) proxy.removeBackend(b);
    else if (m.weight > 0 && !serving) proxy.addBackend(b);
  }
}

/** Chapter 10's checker config from the listener's `health` (the probe's path is not the checker's business). */
function healthOf(config: ListenerConfig): CheckerConfig | null {
  if (config.health === null) return null;
  const { path: _path, ...checker } = config.health;
  return checker as CheckerConfig;
}
