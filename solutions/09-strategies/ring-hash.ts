// Consistent hashing on a ring, with optional bounded loads. Built in chapter 09 (lab task 3).
//
// Each backend puts `vnodes × weight` points on a circle of 2^32 positions (Envoy's ring_hash: the hash of
// "<name>_<i>"); a key goes to the first point at or after its own hash, clockwise. Removing a backend takes its
// points off and moves only the keys that were on them. With `boundedLoad` (Mirrokni, Thorup, Zadimoghaddam,
// "Consistent Hashing with Bounded Loads", 2018; Envoy's `hash_balance_factor`) a backend already carrying more
// than (1 + ε) × the average passes its key on to the next point.
import type { Backend } from "../08-tcp-proxy/balancer";
import { BaseStrategy, hash32, randomKey, type StrategyOptions, weightOf } from "./strategy";

// #region ring-options
export interface RingOptions extends StrategyOptions {
  /** Points per backend of weight 1. @default 100 */
  readonly vnodes?: number;
  /** ε of the bounded loads: a backend takes no key while its load is ≥ ⌈(1 + ε) × average⌉. null: unbounded. @default null */
  readonly boundedLoad?: number | null;
}

/** The ring: point hashes in increasing order, and the backend at each point. */
export interface Ring {
  readonly hashes: Uint32Array;
  readonly owners: readonly Backend[];
}

interface Counted {
  pending: number;
}
// #endregion

// #region ring-build
/** Builds the ring of `backends`: `vnodes × weight` points each, at hash32("<name>_<i>"), sorted by hash. */
export function buildRing(backends: readonly Backend[], vnodes: number): Ring {
  // BEGIN SOLUTION 3 buildRing
  const points: { hash: number; owner: Backend }[] = [];
  for (const b of backends) {
    const count = vnodes * weightOf(b);
    for (let i = 0; i < count; i++) points.push({ hash: hash32(`${b.name}_${i}`), owner: b });
  }
  // Equal hashes (rare) are ordered by name, so the ring depends on the set, not on the order it was given in.
  points.sort((x, y) => x.hash - y.hash || (x.owner.name < y.owner.name ? -1 : x.owner.name > y.owner.name ? 1 : 0));
  return { hashes: Uint32Array.from(points, (p) => p.hash), owners: points.map((p) => p.owner) };
  // END SOLUTION
}

/**
 * The index of the first point at or after `key`, clockwise: past the last point, the ring wraps to 0. O(log n).
 * Like Python's `bisect_left(hashes, key, lo, hi)`, it searches only `hashes[lo..hi)` and answers `hi` when none of
 * them is at or after the key (0 when that is the ring's length: the wrap): the caller passes the stretch the key's
 * point must be in (the ring's index, below).
 */
export function locate(ring: Ring, key: number, lo = 0, hi = ring.hashes.length): number {
  // BEGIN SOLUTION 3 locate
  const h = ring.hashes;
  // the answer is in [lo, hi]; hi = length means "wrap around"
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (h[mid] < key) lo = mid + 1;
    else hi = mid;
  }
  return lo === h.length ? 0 : lo;
  // END SOLUTION
}
// #endregion

// #region ring-index
/**
 * Where each arc of the ring begins. The circle is cut into 2^bits equal arcs; `starts[a]` is the first point whose
 * hash lies in arc `a` or later, so arc `a`'s points are `starts[a]` up to `starts[a + 1]`. A key's point is one of
 * its own arc's points or, when none is at or after the key, the next arc's first: `locate` searches that stretch.
 */
export interface RingIndex {
  readonly starts: Uint32Array;
  /** 32 − bits: a hash's arc is `hash >>> shift`. */
  readonly shift: number;
}

/** Four to eight points an arc on average: the table costs at most a byte per point, a search in an arc 2 or 3 steps. */
export function indexRing(hashes: Uint32Array): RingIndex {
  // At least one bit: JavaScript shifts by `count mod 32`, so a shift of 32 would not shift at all.
  const bits = Math.min(24, Math.max(1, Math.floor(Math.log2(hashes.length / 4))));
  const shift = 32 - bits;
  const starts = new Uint32Array((1 << bits) + 1);
  let i = 0;
  for (let arc = 0; arc <= 1 << bits; arc++) {
    while (i < hashes.length && hashes[i] >>> shift < arc) i++;
    starts[arc] = i;
  }
  return { starts, shift };
}
// #endregion

// #region ring-hash
export class RingHash extends BaseStrategy<Counted> {
  readonly name = "ring-hash";
  readonly vnodes: number;
  readonly epsilon: number | null;
  #ring: Ring = { hashes: new Uint32Array(0), owners: [] };
  #index: RingIndex = indexRing(this.#ring.hashes);
  #total = 0;

  constructor(backends: readonly Backend[], options: RingOptions = {}) {
    super(backends, options);
    this.vnodes = options.vnodes ?? 100;
    this.epsilon = options.boundedLoad ?? null;
    this.changed();
  }

  protected fresh(): Counted {
    return { pending: 0 };
  }

  protected override changed(): void {
    this.#ring = buildRing(this.list, this.vnodes);
    this.#index = indexRing(this.#ring.hashes);
  }

  get ring(): Ring {
    return this.#ring;
  }

  override started(b: Backend): void {
    if (this.state.has(b)) this.#total++;
    super.started(b);
  }

  override finished(b: Backend): void {
    if (this.pendingOf(b) > 0) this.#total--;
    super.finished(b);
  }

  pick(usable: (b: Backend) => boolean, key?: number): Backend | null {
    const { hashes, owners } = this.#ring;
    if (hashes.length === 0) return null;
    const k = key ?? randomKey(this.random);
    // The key's arc narrows the search to a few neighbouring points, where a search of a whole 1,000-backend ring
    // takes 17 steps, each a read that waits on the one before, over 400 KB of hashes (the strategies suite measures
    // both).
    const { starts, shift } = this.#index;
    const arc = k >>> shift;
    const start = locate(this.#ring, k, starts[arc], starts[arc + 1]);
    // Bounded loads: the capacity counts the new request too, so the average always fits.
    const cap = this.epsilon === null ? Infinity : Math.ceil(((1 + this.epsilon) * (this.#total + 1)) / this.list.length);
    const first = owners[start];
    if (usable(first) && this.state.get(first)!.pending < cap) return first; // the common case, no walk
    // Walk clockwise past points whose backend is not usable or full; each backend is looked at once.
    const seen = new Set<Backend>();
    for (let i = 0; i < hashes.length && seen.size < this.list.length; i++) {
      const b = owners[(start + i) % hashes.length];
      if (seen.has(b)) continue;
      seen.add(b);
      if (usable(b) && this.state.get(b)!.pending < cap) return b;
    }
    return null;
  }
}
// #endregion
