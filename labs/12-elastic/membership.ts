// The membership of a backend set that changes while traffic flows: who is in, with what weight, who is leaving,
// and the connections each still holds. Built in chapter 12 (lab task 1); any proxy can use it: it speaks to a
// proxy through three hooks and a network wrapper, never through the proxy's internals.
//
// Design principles
//   1. A member is active or draining. An active member may get new work; a draining one gets none, keeps what
//      it has, and is forgotten once its last connection ends, or cut at its deadline. Removing is draining.
//   2. Membership changes never touch an established connection. Only a drain's deadline cuts, and it says so.
//   3. Every change is an event in one log (`events`), with when, what and why: the admin API, discovery and the
//      autoscaler all change the set through the same five methods, so one log tells the whole story.
import { getHub } from "../02-hub/hub";
import type { Green } from "../02-hub/suspend";
import { spawn, type GreenThread } from "../03-cancellation/greenthread";
import { Event } from "../04-primitives/event";
import { ConnectionRefusedError } from "../05-green-sockets/errors";
import type { Address, ConnectOptions, Listener, Network, Socket } from "../05-green-sockets/socket";
import { formatAddress } from "../05-green-sockets/socket";
import type { Backend } from "../08-tcp-proxy/balancer";
import { ReportingSocket } from "../09-strategies/balanced";
import { makeSlowStart, type SlowStart, type SlowStartConfig } from "./slow-start";

// #region member
export type MemberState = "active" | "draining";

export interface Member {
  readonly backend: Backend;
  /** Who added it: "config", "admin", "file", "dns", "autoscaler"… A discovery source manages only its own. */
  readonly source: string;
  state: MemberState;
  /** The configured weight, 0–256 as HAProxy's `weight` (0: no new work, but not leaving). */
  weight: number;
  /** The configured cap on its connections (HAProxy's `maxconn`); Infinity: none. */
  maxConnections: number;
  /** When it joined (hub ms): its slow start counts from here. */
  readonly joined: number;
  /** False for the backends a proxy starts with: slow start applies to those that join later (as in HAProxy). */
  readonly slowStarts: boolean;
  /** Its connections open now, made through the membership's network. */
  readonly connections: Set<Socket>;
  /** Connects to it under way: work a proxy began, which a drain waits for as it waits for connections. */
  connecting: number;
  /** When a draining member is cut and forgotten (hub ms); null while active. */
  deadline: number | null;
  /** Sent when a draining member's last connection ends (reset if a connect begun before the drain adds one). */
  readonly idle: Event<void>;
}

/** One line of the membership's log. */
export interface MembershipEvent {
  readonly at: number;
  readonly action: "add" | "weight" | "drain" | "cut" | "forget";
  readonly backend: string;
  readonly detail: string;
}

/** How a proxy follows the membership. Each hook is called once per member, in this order. */
export interface MembershipHooks {
  /** A member joined: give it counters, let the strategy pick it, check its health. */
  joined(b: Backend): void;
  /** A member started draining: no new work for it (its open connections go on). */
  leaving(b: Backend): void;
  /** A member is gone: forget its counters and checks. */
  forgotten(b: Backend): void;
}

export interface MemberOptions {
  /** @default 1 */
  readonly weight?: number;
  /** @default Infinity */
  readonly maxConnections?: number;
  /** @default "admin" */
  readonly source?: string;
  /** A backend the proxy starts with: no slow start. @default false */
  readonly initial?: boolean;
}

export interface MembershipOptions {
  /** The slow start of members that join later; null: none. @default null */
  readonly slowStart?: SlowStartConfig | null;
  /** Milliseconds a draining member may keep its connections before they are cut. @default 30000 */
  readonly drainTimeout?: number;
  /** Every event, as a line, as it happens (the log of every change). @default nothing */
  readonly log?: (line: string) => void;
}

/** A change that was refused: the reason, and nothing changed. */
export class MembershipError extends Error {
  override name = "MembershipError";
}
// #endregion

// #region membership
export class Membership {
  /** Every member, active or draining, in the order they joined. */
  readonly members = new Map<Backend, Member>();
  readonly events: MembershipEvent[] = [];
  /** Connections cut at a drain's deadline, in all. */
  cut = 0;
  readonly slowStart: SlowStart | null;
  readonly drainTimeout: number;
  readonly #hooks: MembershipHooks[] = [];
  readonly #drainers = new Set<GreenThread<void>>();
  readonly #log: (line: string) => void;

  constructor(readonly options: MembershipOptions = {}) {
    this.slowStart = options.slowStart ? makeSlowStart(options.slowStart) : null;
    this.drainTimeout = options.drainTimeout ?? 30_000;
    this.#log = options.log ?? (() => {});
  }

  /** A proxy follows the membership from now on (members already there are its starting set). */
  attach(hooks: MembershipHooks): void {
    this.#hooks.push(hooks);
  }

  /** The members that may get new work, in order. */
  get active(): Backend[] {
    return [...this.members.values()].filter((m) => m.state === "active").map((m) => m.backend);
  }

  /** The member called `name`: the active one if a draining one has the same name. */
  byName(name: string): Member | undefined {
    let found: Member | undefined;
    for (const m of this.members.values()) if (m.backend.name === name && (found === undefined || m.state === "active")) found = m;
    return found;
  }

  /** Adds `b`. Throws MembershipError, changing nothing, when its name or address is taken or an option is out of range. */
  add(b: Backend, options: MemberOptions = {}): Member {
    const weight = options.weight ?? 1;
    const maxConnections = options.maxConnections ?? Infinity;
    checkBackend(b);
    checkWeight(weight);
    if (!(maxConnections === Infinity || (Number.isInteger(maxConnections) && maxConnections >= 1))) {
      throw new MembershipError(`maxConnections must be a whole number ≥ 1, not ${maxConnections}`);
    }
    for (const m of this.members.values()) {
      if (m.backend.name === b.name) throw new MembershipError(`a backend named "${b.name}" is already a member (${m.state})`);
      if (sameAddress(m.backend.address, b.address)) {
        throw new MembershipError(`${formatAddress(b.address)} is already the address of "${m.backend.name}" (${m.state})`);
      }
    }
    const m: Member = {
      backend: b,
      source: options.source ?? "admin",
      state: "active",
      weight,
      maxConnections,
      joined: this.#now(),
      slowStarts: !options.initial && this.slowStart !== null,
      connections: new Set(),
      connecting: 0,
      deadline: null,
      idle: new Event<void>(),
    };
    this.members.set(b, m);
    for (const h of this.#hooks) h.joined(b);
    this.#event("add", b, `${formatAddress(b.address)} weight ${weight} from ${m.source}${m.slowStarts ? `, slow start over ${this.slowStart!.window} ms` : ""}`);
    return m;
  }

  /** Sets the configured weight of an active member (0–256). */
  setWeight(b: Backend, weight: number): void {
    const m = this.#member(b);
    checkWeight(weight);
    if (m.state !== "active") throw new MembershipError(`"${b.name}" is draining: its weight no longer matters`);
    const before = m.weight;
    m.weight = weight;
    this.#event("weight", b, `${before} → ${weight}`);
  }

  /**
   * Starts draining `b`: no new work from now on; its connections go on until they end or until `timeout` ms have
   * passed, when they are cut; then it is forgotten. Draining a member already draining changes nothing.
   */
  drain(b: Backend, timeout = this.drainTimeout): void {
    const m = this.#member(b);
    if (!(timeout >= 0)) throw new MembershipError(`a drain timeout must be ≥ 0 ms, not ${timeout}`);
    // TODO(task 1): Membership.drain. See README.md.
    throw new Error("not implemented yet — lab 12-elastic, task 1: Membership.drain");
  }

  /** The drainer's body: wait for the last connection or the deadline, cut what is left, forget the member. */
  *finishDrain(m: Member): Green<void> {
    // TODO(task 1): Membership.finishDrain. See README.md.
    throw new Error("not implemented yet — lab 12-elastic, task 1: Membership.finishDrain");
  }

  /** Whether `b` may get new work now: active, a weight above 0 now, and under its connection cap now. */
  usable(b: Backend): boolean {
    // Simplification: a production balancer (HAProxy) would queue a connection for a server at its maxconn until one
    // ends; ours skips the server, as nginx's max_conns does, and the strategy picks another.
    const m = this.members.get(b);
    return m !== undefined && m.state === "active" && this.weightNow(b) > 0 && m.connections.size < this.maxConnectionsNow(b);
  }

  /** The weight in effect now: the configured weight, scaled by the slow start while it lasts. */
  weightNow(b: Backend): number {
    const m = this.members.get(b);
    if (m === undefined || m.state !== "active") return 0;
    // Simplification: Envoy starts a host's window when it joins, or — with active health checks — when it first
    // passes them; ours starts when it joins, and an active check that fails keeps it out through `usable` anyway.
    if (!m.slowStarts || m.weight === 0) return m.weight;
    return m.weight * this.slowStart!.weightFactor(this.#now() - m.joined);
  }

  /** The connection cap in effect now. */
  maxConnectionsNow(b: Backend): number {
    const m = this.members.get(b);
    if (m === undefined) return 0;
    if (!m.slowStarts || m.maxConnections === Infinity) return m.maxConnections;
    return this.slowStart!.maxConnections(this.#now() - m.joined, m.maxConnections);
  }

  /** True while `b` is within its slow start window. */
  warming(b: Backend): boolean {
    const m = this.members.get(b);
    return m !== undefined && m.slowStarts && this.#now() - m.joined < this.slowStart!.window;
  }

  /** Drains every member (the balancer's graceful stop) and returns once all are forgotten. */
  *drainAll(timeout = this.drainTimeout): Green<void> {
    for (const m of [...this.members.values()]) if (m.state === "active") this.drain(m.backend, timeout);
    yield* this.settled();
  }

  /** Returns once no member is draining. */
  *settled(): Green<void> {
    while (this.#drainers.size > 0) {
      const [t] = this.#drainers;
      yield* t!.wait();
    }
  }

  /**
   * `inner`, counting every connection made to a member: the membership's view of what each backend holds, for
   * draining, connection caps and the admin API. A connect that completes after its member was forgotten is
   * closed and fails as refused, so the proxy's failover tries another backend.
   */
  network(inner: Network): Network {
    const self = this;
    return {
      listen: (addr: Address, backlog?: number): Green<Listener> => inner.listen(addr, backlog),
      *connect(addr: Address, opts?: ConnectOptions): Green<Socket> {
        const m = self.#at(addr);
        if (m === undefined) return yield* inner.connect(addr, opts);
        let sock: Socket;
        m.connecting++;
        try {
          sock = yield* inner.connect(addr, opts);
        } finally {
          m.connecting--;
          self.#maybeIdle(m); // a failed connect may have been the last thing a draining member waited for
        }
        if (self.members.get(m.backend) !== m) {
          sock.abort();
          throw new ConnectionRefusedError(`"${m.backend.name}" left the backend set while connecting`);
        }
        // A member draining keeps the connections its proxy began before the drain: they are work in flight.
        const tracked: Socket = new ReportingSocket(sock, () => self.#released(m, tracked));
        m.connections.add(tracked);
        return tracked;
      },
    };
  }

  #released(m: Member, s: Socket): void {
    m.connections.delete(s);
    this.#maybeIdle(m);
  }

  /** Sends `idle` when a draining member holds nothing any more: no connection open, none under way. */
  #maybeIdle(m: Member): void {
    if (m.state === "draining" && m.connections.size + m.connecting === 0 && !m.idle.ready()) m.idle.send();
  }

  #at(a: Address): Member | undefined {
    for (const m of this.members.values()) if (sameAddress(m.backend.address, a)) return m;
    return undefined;
  }

  #member(b: Backend): Member {
    const m = this.members.get(b);
    if (m === undefined) throw new MembershipError(`"${b.name}" is not a member`);
    return m;
  }

  #now(): number {
    return getHub().now();
  }

  #event(action: MembershipEvent["action"], b: Backend, detail: string): void {
    const e: MembershipEvent = { at: this.#now(), action, backend: b.name, detail };
    this.events.push(e);
    this.#log(`${e.at} ms ${action} ${b.name}: ${detail}`);
  }
}
// #endregion

// #region checks
const NAME = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/;

/** Throws MembershipError unless `b` has a usable name and address. */
export function checkBackend(b: Backend): void {
  if (typeof b.name !== "string" || !NAME.test(b.name)) {
    throw new MembershipError(`a backend name is 1–64 letters, digits, ".", "_", ":" or "-", not ${JSON.stringify(b.name)}`);
  }
  const { host, port } = b.address ?? ({} as Address);
  if (typeof host !== "string" || host.length === 0) throw new MembershipError(`"${b.name}" needs a host`);
  if (!(Number.isInteger(port) && port >= 1 && port <= 65535)) throw new MembershipError(`"${b.name}": a port is a whole number from 1 to 65535, not ${JSON.stringify(port)}`);
}

/** Throws MembershipError unless `w` is a weight HAProxy would take: a whole number from 0 to 256. */
export function checkWeight(w: unknown): void {
  if (!(typeof w === "number" && Number.isInteger(w) && w >= 0 && w <= 256)) {
    throw new MembershipError(`a weight is a whole number from 0 to 256, not ${JSON.stringify(w)}`);
  }
}

export const sameAddress = (a: Address, b: Address): boolean => a.host === b.host && a.port === b.port;
// #endregion
