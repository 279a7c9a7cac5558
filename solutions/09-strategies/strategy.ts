// The strategy contract: chapter 08's Balancer, plus a changing set of backends and feedback about the work sent to
// them. Built in chapter 09; the proxy (chapter 08, through balanced.ts), the simulator (sim.ts) and chapter 12's
// dynamic backends all speak to a strategy through this file and nothing else.
//
// Design principles
//   1. A strategy only chooses, as in chapter 08. Whoever sends the work — the proxy, the simulator, a test — tells
//      it what happened (`started`, `finished`, `observe`, `failed`); a strategy that needs no feedback ignores it.
//   2. The set of backends changes under a strategy (chapter 12): `add` and `remove` never throw, feedback about a
//      backend that was removed is ignored, and a strategy with no backend picks null.
//   3. Randomness and time come from outside (`random`, `now`), so the simulator and the tests replay a run exactly.
import type { Random } from "../05-green-sockets/random";
import type { Backend, Balancer } from "../08-tcp-proxy/balancer";

// #region contract
/** A backend with an optional weight: a backend of weight 2 should get twice the work of one of weight 1. */
export interface Peer extends Backend {
  /** A positive integer. @default 1 */
  readonly weight?: number;
}

export const weightOf = (b: Backend): number => (b as Peer).weight ?? 1;

export interface Strategy extends Balancer {
  /** The name a config uses for it ("round-robin", "p2c", "maglev"…). */
  readonly name: string;
  /** The backends now, in the order they were added. */
  readonly backends: readonly Backend[];
  /**
   * The backend for the next piece of work among those `usable` accepts; null when it accepts none. `key`, a 32-bit
   * unsigned hash of what should stick to one backend (a client, a session), matters to the hashing strategies only;
   * without one they hash a random number.
   */
  pick(usable: (b: Backend) => boolean, key?: number): Backend | null;
  /** Adds a backend (a backend already there: nothing happens). Never throws. */
  add(b: Backend): void;
  /** Removes a backend (one not there: nothing happens). Never throws; it is never picked again. */
  remove(b: Backend): void;
  /** Work was sent to `b`: one more request or connection outstanding on it. */
  started(b: Backend): void;
  /** Work on `b` ended: one fewer outstanding. */
  finished(b: Backend): void;
  /** A latency measured on `b`, in milliseconds (a response time, a connect time). */
  observe(b: Backend, ms: number): void;
  /** `b` failed to take work (refused a connection). */
  failed(b: Backend): void;
}

/** What every strategy's constructor may be given. */
export interface StrategyOptions {
  /** Where random choices come from. @default Math.random (tests, the simulator and the demo pass a seeded one) */
  readonly random?: Random;
  /** The clock, in milliseconds. @default Date.now (the simulator and the proxy pass the hub's clock) */
  readonly now?: () => number;
}
// #endregion

// #region base
/**
 * What most strategies share: the backend list, a state record per backend, and feedback that only counts
 * outstanding work. A subclass says what a backend's state is (`fresh`) and how to pick; it overrides `changed`
 * when it keeps a structure built from the whole set (a ring, a table).
 */
export abstract class BaseStrategy<S extends { pending: number }> implements Strategy {
  abstract readonly name: string;
  protected readonly list: Backend[] = [];
  /** The state of `list[i]` is `slots[i]`: a pick that works by index reads it without a map lookup. */
  protected readonly slots: S[] = [];
  protected readonly state = new Map<Backend, S>();
  protected readonly random: Random;
  protected readonly now: () => number;

  constructor(backends: readonly Backend[], options: StrategyOptions = {}) {
    this.random = options.random ?? Math.random;
    this.now = options.now ?? Date.now;
    for (const b of backends) if (!this.state.has(b)) this.#insert(b);
  }

  get backends(): readonly Backend[] {
    return this.list;
  }

  /** The state of a backend that just joined. Called from the constructor: it must not read subclass fields. */
  protected abstract fresh(b: Backend): S;
  /** Called after the set changed. */
  protected changed(): void {}

  abstract pick(usable: (b: Backend) => boolean, key?: number): Backend | null;

  add(b: Backend): void {
    if (this.state.has(b)) return;
    this.#insert(b);
    this.changed();
  }

  remove(b: Backend): void {
    if (!this.state.delete(b)) return;
    const i = this.list.indexOf(b);
    this.list.splice(i, 1);
    this.slots.splice(i, 1);
    this.changed();
  }

  #insert(b: Backend): void {
    const s = this.fresh(b);
    this.list.push(b);
    this.slots.push(s);
    this.state.set(b, s);
  }

  started(b: Backend): void {
    const s = this.state.get(b);
    if (s) s.pending++;
  }

  finished(b: Backend): void {
    const s = this.state.get(b);
    if (s && s.pending > 0) s.pending--;
  }

  observe(_b: Backend, _ms: number): void {}

  failed(_b: Backend): void {}

  /** Outstanding work on `b` as this strategy counted it (0 for a backend it does not know). */
  pendingOf(b: Backend): number {
    return this.state.get(b)?.pending ?? 0;
  }
}
// #endregion

// #region hash
/**
 * A 32-bit hash of a string: FNV-1a over its UTF-16 units, then murmur3's finaliser so that near names ("b-1",
 * "b-2") land far apart. Envoy uses xxHash and Maglev's paper does not name one; any well-mixed hash will do.
 */
export function hash32(s: string, seed = 0): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return mix32(h);
}

/** murmur3's fmix32: every input bit affects every output bit. */
export function mix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A random 32-bit key, for a hashing strategy asked without one. */
export const randomKey = (random: Random): number => Math.floor(random() * 4294967296) >>> 0;
// #endregion
