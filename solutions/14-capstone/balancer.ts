// The whole load balancer: listeners (tcp and http) from a config, each a front and the generation of proxy behind
// it; an admin API; hot reload; a graceful stop. Built in chapter 14 from chapters 08–12.
//
// Design principles
//   1. A config is applied whole or not at all: everything that can fail (parsing, checking, binding ports) happens
//      before anything running changes; a reload that fails leaves the old config running and says why.
//   2. A reload never touches an established connection: backends change through chapter 12's membership (drains,
//      not cuts); other settings start a new generation of proxy for new connections while the old one drains.
//   3. Stopping is draining everything at once, with one deadline: stop accepting first, then wait, then cut.
import { timingSafeEqual } from "node:crypto";
import { isAbsolute, resolve } from "node:path";
import { isNotImplemented } from "../00-common/demo";
import { getHub } from "../02-hub/hub";
import type { Green } from "../02-hub/suspend";
import { spawn, type GreenThread } from "../03-cancellation/greenthread";
import type { Address, Listener, Network } from "../05-green-sockets/socket";
import { formatAddress } from "../05-green-sockets/socket";
import type { Handler, HttpRequest, HttpResponse } from "../07-http/handler";
import { serveHttp } from "../07-http/server";
import type { AccessRecord } from "../11-http-proxy/access-record";
import { adminHandler, isLoopback } from "../12-elastic/admin";
import { BalancerMetrics } from "../13-observability/balancer-metrics";
import { accessLogger } from "../13-observability/access-log";
import { LogWriter } from "../13-observability/log-writer";
import { withMetrics } from "../13-observability/metrics-endpoint";
import { parseConfig, type ConfigIssue, type LbConfig, type ParseResult } from "./config";
import { Front } from "./front";
import { startGeneration, type DrainReport, type Generation, type GenerationOptions } from "./generation";
import { planReload, type ReloadPlan } from "./reload-plan";

// #region balancer-types
export interface BalancerOptions extends Omit<GenerationOptions, "drainTimeout" | "onRecord"> {
  /**
   * Reads and checks the config again: what SIGHUP and `POST /admin/reload` without a body apply (the CLI reads
   * the file). @default none: a reload needs a config
   */
  readonly load?: () => ParseResult;
  /** More admin routes by path: each answers whatever request comes to it. @default none */
  readonly routes?: Readonly<Record<string, Handler>>;
  /** Every access record (one a request, or a TCP connection), after the metrics have counted it. @default none */
  readonly onRecord?: (listener: string, r: AccessRecord) => void;
}

/** What a reload did: the plan, each change as a line; or, refused, every reason (and nothing changed). */
export interface ReloadReport {
  readonly ok: boolean;
  readonly plan: ReloadPlan | null;
  readonly changes: string[];
  readonly errors: ConfigIssue[];
}

/** One listener as it runs: its front (the port) and the generation serving new connections. */
export interface RunningListener {
  readonly front: Front;
  generation: Generation;
}
// #endregion

export class Balancer {
  config: LbConfig;
  readonly running = new Map<string, RunningListener>();
  /** Generations replaced or removed by a reload, still draining. */
  readonly draining = new Set<GreenThread<DrainReport>>();
  /** Every change of config, reload refused and stop, as a line. */
  readonly events: string[] = [];
  /** Chapter 13's metrics of every listener, served on the admin listener at `config.metrics.path`. */
  readonly metrics = new BalancerMetrics();
  readonly #recorders = new Map<string, (r: AccessRecord) => void>();
  /** The access log of `config.logs` (chapter 13's writer never makes a request wait); null: none. */
  #access: { readonly settings: string; readonly writer: LogWriter; readonly log: (r: AccessRecord) => void } | null = null;
  /** Access logs a reload replaced, still writing out their last lines: a stop waits for them too. */
  readonly #closingLogs: Promise<void>[] = [];
  /** The generations of `draining`. */
  readonly #retired = new Set<Generation>();
  #admin: Listener | null = null;
  #stopping: GreenThread<DrainReport> | null = null;
  #reloading = false;

  constructor(
    config: LbConfig,
    readonly options: BalancerOptions,
  ) {
    this.config = config;
  }

  /** Where each listener listens now, by name. */
  get listeners(): Map<string, Address> {
    return new Map([...this.running].map(([name, r]) => [name, r.front.address]));
  }

  /** Where the admin API listens; null without one. */
  get admin(): Address | null {
    return this.#admin?.address ?? null;
  }

  get stopping(): boolean {
    return this.#stopping !== null;
  }

  /** The generation serving new connections of listener `name`. */
  generation(name: string): Generation | undefined {
    return this.running.get(name)?.generation;
  }

  log(line: string): void {
    this.events.push(line);
    this.options.log?.(line);
  }

  generationOptions(config: LbConfig): GenerationOptions {
    return { ...this.options, drainTimeout: config.drainTimeout, onRecord: (name) => this.#recorder(name) };
  }

  /** One recorder per listener name, kept across generations (chapter 13's recorder caches its label children). */
  #recorder(name: string): (r: AccessRecord) => void {
    let rec = this.#recorders.get(name);
    if (rec === undefined) {
      const count = this.metrics.recorder(name);
      const onRecord = this.options.onRecord;
      rec = (r) => {
        count(r);
        this.#access?.log(r);
        onRecord?.(name, r);
      };
      this.#recorders.set(name, rec);
    }
    return rec;
  }

  /** Opens the access log `config.logs` asks for, unless it is the one open now; the one before is closed. */
  openLogs(config: LbConfig): void {
    const settings = JSON.stringify(config.logs);
    if (this.#access?.settings === settings) return;
    if (this.#access !== null) this.#closingLogs.push(this.#access.writer.close());
    this.#access = null;
    const { access, format, dontLogNormal, maxBytes } = config.logs;
    if (access === null) return;
    const path = access === "-" ? null : isAbsolute(access) ? access : resolve(this.options.baseDir ?? ".", access);
    const writer = new LogWriter({ path, maxBytes });
    this.#access = { settings, writer, log: accessLogger(writer, { format, dontLogNormal }) };
  }

  /** Opens the access log's file again (after logrotate renamed it: SIGUSR1); false without an access log file. */
  reopenLogs(): boolean {
    if (this.#access === null) return false;
    this.#access.writer.reopen();
    return true;
  }

  /** Writes out what the access log holds and closes it (the end of a stop), and waits for logs a reload replaced. */
  async closeLogs(): Promise<void> {
    const w = this.#access?.writer;
    this.#access = null;
    await Promise.all([...this.#closingLogs.splice(0), w?.close()]);
  }

  /** From now on the metrics read `g` for its listener (and no longer the generation before it). */
  watch(g: Generation): void {
    this.metrics.unwatch(g.name);
    if (g.tcp !== null) this.metrics.watchTcp(g.name, g.tcp);
    else this.metrics.watchHttp(g.name, g.http!);
    this.metrics.watchMembership(g.name, g.membership);
  }

  /** Binds the admin API of `config` (nothing when it has none). */
  *bindAdmin(config: LbConfig): Green<Listener | null> {
    if (config.admin === null) return null;
    const { listen, token } = config.admin;
    if (!isLoopback(listen.host) && token === undefined) {
      throw new Error(`the admin API refuses to listen on ${listen.host} without a token: only loopback is safe without one`);
    }
    return yield* this.options.network.listen(listen);
  }

  /** Serves the admin API on `l` from now on (the old admin listener closes). */
  serveAdmin(l: Listener | null): void {
    this.#admin?.close();
    this.#admin = l;
    if (l !== null) spawn(serveHttp, l, balancerAdmin(this), { maxConnections: 16 });
  }

  /** Drains `g` in a thread of its own with `grace`, remembering it until it is done. */
  retire(g: Generation, grace: number, why: string): void {
    const t = spawn(function* retire(lb: Balancer): Green<DrainReport> {
      const r = yield* g.drain(grace);
      lb.log(`${g.name}: the ${why} generation drained: ${r.finished} connection(s) finished, ${r.cut} cut`);
      return r;
    }, this);
    this.draining.add(t);
    this.#retired.add(g);
    t.onExit(() => {
      this.draining.delete(t);
      this.#retired.delete(g);
    }, false);
  }

  /**
   * Applies `next` (see ReloadPlan for what it does to each listener). Refused with the reasons, having changed
   * nothing, while another reload runs, once stopping, or when a new port cannot be bound or a proxy cannot start.
   */
  *reload(next: LbConfig): Green<ReloadReport> {
    const refuse = (message: string): ReloadReport => {
      this.log(`reload refused: ${message}`);
      return { ok: false, plan: null, changes: [], errors: [{ path: "", line: 0, column: 0, message }] };
    };
    if (this.stopping) return refuse("the balancer is stopping");
    if (this.#reloading) return refuse("another reload is under way");
    this.#reloading = true;
    try {
      return yield* applyReload(this, next);
    } catch (e) {
      if (isNotImplemented(e)) throw e; // a lab task still to write is not a reason to refuse: say so
      return refuse((e as Error).message);
    } finally {
      this.#reloading = false;
    }
  }

  /** Reads the config again (options.load) and applies it; refused with every mistake when it is not good. */
  *reloadFromSource(): Green<ReloadReport> {
    if (this.options.load === undefined) {
      return { ok: false, plan: null, changes: [], errors: [{ path: "", line: 0, column: 0, message: "no config file to read again: send the config as the body" }] };
    }
    const read = this.options.load();
    if ("errors" in read) {
      this.log(`reload refused: ${read.errors.length} mistake(s) in the config; the old config keeps running`);
      return { ok: false, plan: null, changes: [], errors: read.errors };
    }
    return yield* this.reload(read.config);
  }

  /**
   * The graceful stop: stops accepting, lets every connection finish for up to `deadline` ms, cuts the rest, and
   * returns once all are gone. Calling it again waits for the same stop.
   */
  *stop(deadline: number): Green<DrainReport> {
    if (this.#stopping === null) this.#stopping = spawn(stopAll, this, deadline);
    return yield* this.#stopping.wait();
  }

  /** Cuts every connection still open now in the generations a reload replaced or removed (they drain on). */
  cutRetired(why: string): void {
    for (const g of this.#retired) g.cut(why);
  }
}

/** Starts every listener and the admin API of `config`; throws, leaving nothing running, when one cannot start. */
export function* startBalancer(config: LbConfig, options: BalancerOptions): Green<Balancer> {
  const lb = new Balancer(config, options);
  lb.openLogs(config);
  try {
    for (const [name, l] of Object.entries(config.listeners)) {
      const g = yield* startGeneration(name, l, lb.generationOptions(config));
      let front: Front;
      try {
        front = yield* Front.bind(options.network, l.listen, g.hands, l.limits.backlog);
      } catch (e) {
        yield* g.drain(0);
        throw new Error(`listener "${name}" cannot listen on ${formatAddress(l.listen)}: ${(e as Error).message}`);
      }
      lb.running.set(name, { front, generation: g });
      lb.watch(g);
      lb.log(`${name}: ${l.protocol} on ${formatAddress(front.address)}, ${g.membership.members.size} backend(s)`);
    }
    lb.serveAdmin(yield* lb.bindAdmin(config));
    if (lb.admin !== null) lb.log(`admin API on ${formatAddress(lb.admin)}`);
  } catch (e) {
    yield* lb.stop(0);
    throw e;
  }
  return lb;
}

// #region apply-reload
function* applyReload(lb: Balancer, next: LbConfig): Green<ReloadReport> {
  const plan = planReload(lb.config, next);
  const changes: string[] = [];
  // 1. Everything that can fail, before anything running changes: bind the new ports, start the new proxies.
  const bound = new Map<string, Listener>();
  const started = new Map<string, Generation>();
  let admin: Listener | null = null;
  try {
    for (const name of [...plan.start, ...plan.rebind]) {
      const l = next.listeners[name]!;
      try {
        bound.set(name, yield* lb.options.network.listen(l.listen, l.limits.backlog));
      } catch (e) {
        throw new Error(`listener "${name}" cannot listen on ${formatAddress(l.listen)}: ${(e as Error).message}`);
      }
    }
    if (plan.admin === "start" || plan.admin === "rebind") admin = yield* lb.bindAdmin(next);
    for (const name of [...plan.start, ...plan.rebind, ...plan.replace]) {
      started.set(name, yield* startGeneration(name, next.listeners[name]!, lb.generationOptions(next)));
    }
  } catch (e) {
    for (const l of bound.values()) l.close();
    admin?.close();
    for (const g of started.values()) yield* g.drain(0);
    throw e;
  }
  // 2. The changes, none of which can fail.
  const grace = next.drainTimeout;
  for (const name of plan.start) {
    const front = Front.on(bound.get(name)!, started.get(name)!.hands);
    lb.running.set(name, { front, generation: started.get(name)! });
    lb.watch(started.get(name)!);
    changes.push(`${name}: started on ${formatAddress(front.address)}`);
  }
  for (const name of [...plan.rebind, ...plan.replace]) {
    const r = lb.running.get(name)!;
    const old = r.generation;
    const moved = plan.rebind.includes(name);
    const from = formatAddress(r.front.address);
    yield* r.front.swap(started.get(name)!.hands, bound.get(name));
    r.generation = started.get(name)!;
    lb.watch(r.generation);
    lb.retire(old, grace, "old");
    changes.push(moved ? `${name}: moved from ${from} to ${formatAddress(r.front.address)}; the old port's connections drain` : `${name}: new settings for new connections; the old proxy's connections drain`);
  }
  for (const name of plan.reconcile) {
    const applied = lb.running.get(name)!.generation.reconcile(next.listeners[name]!.backends ?? []);
    for (const c of applied.changes) changes.push(`${name}: ${c}`);
    for (const c of applied.refused) changes.push(`${name}: refused ${c}`);
  }
  for (const name of plan.stop) {
    const r = lb.running.get(name)!;
    lb.running.delete(name);
    lb.metrics.unwatch(name);
    yield* r.front.close();
    lb.retire(r.generation, grace, "removed");
    changes.push(`${name}: stopped; its connections drain`);
  }
  if (plan.admin !== "keep") {
    lb.serveAdmin(admin);
    changes.push(plan.admin === "stop" ? "admin API stopped" : `admin API on ${formatAddress(admin!.address)}`);
  }
  if (JSON.stringify(lb.config.logs) !== JSON.stringify(next.logs)) changes.push("access log: reopened with the new settings");
  // The network was made with it at start (cli.ts): a reload cannot give a listening socket more descriptors.
  if (lb.config.acceptors !== next.acceptors) changes.push(`acceptors: ${next.acceptors} from the next start; the running listeners keep theirs`);
  lb.openLogs(next);
  lb.config = next;
  for (const c of changes) lb.log(`reload: ${c}`);
  if (changes.length === 0) lb.log("reload: nothing changed");
  return { ok: true, plan, changes, errors: [] };
}
// #endregion

// #region stop
/** The graceful stop's thread (lab task 4): the report of every connection, finished or cut. */
export function* stopAll(lb: Balancer, deadline: number): Green<DrainReport> {
  const hub = getHub();
  let finished = 0;
  let cut = 0;
  // BEGIN SOLUTION 4 stopAll
  // 1. Stop accepting everywhere: clients now are refused rather than accepted and cut.
  for (const r of lb.running.values()) yield* r.front.close();
  lb.serveAdmin(null);
  lb.log(`stopping: no new connections; draining for up to ${deadline} ms`);
  // 2. Drain every running generation at once with one deadline; those a reload retired drain on with their own,
  //    so they are cut at this one.
  const drains = [...lb.running.values()].map((r) => spawn((g: Generation) => g.drain(deadline), r.generation));
  const force = hub.schedule(deadline, () => lb.cutRetired(`still open ${deadline} ms after the stop began`));
  try {
    for (const t of [...drains, ...lb.draining]) {
      const r = yield* t.wait();
      finished += r.finished;
      cut += r.cut;
    }
  } finally {
    force.cancel();
  }
  // END SOLUTION
  lb.log(`stopped: ${finished} connection(s) finished, ${cut} cut`);
  return { finished, cut };
}
// #endregion

/**
 * The balancer's admin API: `GET /metrics` (chapter 13; the path is the config's), `GET /admin/listeners`, `GET /admin/config`, `POST /admin/reload` (the body, YAML or
 * JSON, is the new config; without one the file is read again), chapter 12's API for each listener under
 * `/admin/listeners/<name>/` (`backends`, `events`), and the routes of the options (`/metrics`).
 */
export function balancerAdmin(lb: Balancer): Handler {
  return function* admin(req: HttpRequest): Green<HttpResponse> {
    const token = lb.config.admin?.token;
    const path = req.target.split("?")[0]!;
    const extra = lb.options.routes?.[path];
    if (extra !== undefined) return yield* extra(req);
    const metrics = lb.config.metrics;
    if (metrics !== null && path === metrics.path) return yield* withMetrics({ registry: lb.metrics.registry, token, path: metrics.path })(req);
    if (token !== undefined && !authorized(req, token)) return json(401, { error: "a valid token is required (Authorization: Bearer <token>)" }, { "WWW-Authenticate": "Bearer" });
    let parts: string[];
    try {
      parts = path.split("/").filter((p) => p.length > 0).map(decodeURIComponent);
    } catch {
      return json(400, { error: `the path is not valid percent-encoding: ${path}` });
    }
    if (parts[0] !== "admin") return json(404, { error: `no such resource: ${path}` });
    if (parts[1] === "reload" && parts.length === 2) {
      if (req.method !== "POST") return json(405, { error: `${req.method} is not allowed here: use POST` });
      const text = yield* req.body.text();
      let report: ReloadReport;
      if (text.trim() === "") report = yield* lb.reloadFromSource();
      else {
        const parsed = parseConfig(text, /json/i.test(req.headers.get("content-type") ?? "") ? "json" : "yaml");
        if ("errors" in parsed) {
          lb.log(`reload refused: ${parsed.errors.length} mistake(s) in the config; the old config keeps running`);
          report = { ok: false, plan: null, changes: [], errors: parsed.errors };
        } else report = yield* lb.reload(parsed.config);
      }
      return json(report.ok ? 200 : 400, report);
    }
    if (parts[1] === "config" && parts.length === 2) return json(200, lb.config);
    if (parts[1] === "listeners" && parts.length === 2) {
      return json(200, {
        listeners: [...lb.running].map(([name, r]) => ({
          name,
          protocol: r.generation.config.protocol,
          address: formatAddress(r.front.address),
          backends: r.generation.membership.members.size,
          connections: r.generation.open(),
        })),
      });
    }
    if (parts[1] === "listeners" && parts.length >= 3) {
      const g = lb.generation(parts[2]!);
      if (g === undefined) return json(404, { error: `no listener named "${parts[2]}"` });
      const rest = `/${parts.slice(3).map(encodeURIComponent).join("/")}`;
      const inner = adminHandler({ network: lb.options.network, membership: g.membership, healthy: g.usable, log: (l) => lb.log(`${g.name}: ${l}`) });
      return yield* inner({ ...req, target: rest, body: req.body, remote: req.remote, headers: req.headers });
    }
    return json(404, { error: `no such resource: ${path}` });
  };
}

function authorized(req: HttpRequest, token: string): boolean {
  const given = Buffer.from(/^Bearer (.+)$/.exec(req.headers.get("authorization") ?? "")?.[1] ?? "");
  const want = Buffer.from(token);
  return given.length === want.length && timingSafeEqual(given, want);
}

function json(status: number, body: unknown, headers: Record<string, string> = {}): HttpResponse {
  return { status, headers: { "Content-Type": "application/json", ...headers }, body: `${JSON.stringify(body, null, 1)}\n` };
}

