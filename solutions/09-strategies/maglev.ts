// Maglev hashing (Eisenbud et al., "Maglev: A Fast and Reliable Software Network Load Balancer", NSDI 2016, §3.4;
// Envoy's maglev_lb.cc). Built in chapter 09 (lab task 4).
//
// A lookup table of M entries (M prime) filled so that every backend owns almost exactly M/N of them; a key goes to
// table[key mod M], one array read. Each backend has its own permutation of the table's slots; the backends take
// turns claiming their next free preferred slot until the table is full. When a backend goes, the others' turns
// barely change, so few entries change owner beyond the ones it owned.
import type { Backend } from "../08-tcp-proxy/balancer";
import { BaseStrategy, hash32, randomKey, type StrategyOptions } from "./strategy";

// #region maglev-options
export interface MaglevOptions extends StrategyOptions {
  /** The table size, a prime much larger than the number of backends (the paper: M ≥ 100 N). @default 65537 */
  readonly tableSize?: number;
}

interface Counted {
  pending: number;
}
// #endregion

// #region maglev-populate
/**
 * The lookup table for backends named `names`, in that order: entry j holds the index (in `names`) of the backend
 * that owns slot j. Backend i's permutation is offset_i, offset_i + skip_i, offset_i + 2 skip_i, … (mod M), with
 * offset = hash32(name, 1) mod M and skip = hash32(name, 2) mod (M − 1) + 1 — the paper's pseudo-code, Figure 5.
 */
export function populate(names: readonly string[], M: number): Int32Array {
  // BEGIN SOLUTION 4 populate
  const table = new Int32Array(M).fill(-1);
  const n = names.length;
  if (n === 0) return table;
  const offset = names.map((s) => hash32(s, 1) % M);
  const skip = names.map((s) => (hash32(s, 2) % (M - 1)) + 1);
  const next = new Array<number>(n).fill(0); // how far along its permutation each backend is
  let filled = 0;
  for (;;) {
    for (let i = 0; i < n; i++) {
      // The next slot of backend i's permutation that nobody owns yet. M is prime, so skip and M share no factor:
      // the permutation visits every slot, and a free one is always found.
      let c = (offset[i] + next[i] * skip[i]) % M;
      while (table[c] >= 0) {
        next[i]++;
        c = (offset[i] + next[i] * skip[i]) % M;
      }
      table[c] = i;
      next[i]++;
      if (++filled === M) return table;
    }
  }
  // END SOLUTION
}
// #endregion

// #region maglev
/** Whether `n` is prime (trial division: a table size is checked once). */
export function isPrime(n: number): boolean {
  if (!Number.isInteger(n) || n < 2) return false;
  for (let d = 2; d * d <= n; d++) if (n % d === 0) return false;
  return true;
}

export class Maglev extends BaseStrategy<Counted> {
  readonly name = "maglev";
  readonly M: number;
  /** The backends in the table's order: sorted by name, so the same set gives the same table whatever the order of adds. */
  #sorted: Backend[] = [];
  #table: Int32Array = new Int32Array(0);

  constructor(backends: readonly Backend[], options: MaglevOptions = {}) {
    super(backends, options);
    this.M = options.tableSize ?? 65537;
    if (!isPrime(this.M)) throw new RangeError(`Maglev's table size must be a prime, not ${this.M}`);
    this.changed();
  }

  protected fresh(): Counted {
    return { pending: 0 };
  }

  protected override changed(): void {
    // Simplification: a production Maglev (Envoy's) honours weights, letting a backend claim a slot only when its
    // share of the turns is due; here every backend has an equal share.
    this.#sorted = [...this.list].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    this.#table = populate(
      this.#sorted.map((b) => b.name),
      this.M,
    );
  }

  /** The owner of each table entry, for tests and the notebook. */
  get table(): readonly (Backend | undefined)[] {
    return Array.from(this.#table, (i) => this.#sorted[i]);
  }

  pick(usable: (b: Backend) => boolean, key?: number): Backend | null {
    if (this.#sorted.length === 0) return null;
    const k = key ?? randomKey(this.random);
    const M = this.M;
    const first = this.#sorted[this.#table[k % M]];
    if (usable(first)) return first; // one array read: the whole point of Maglev
    // The owner is not usable now: the next entries of the table belong to the others in their table shares.
    if (!this.#sorted.some(usable)) return null;
    for (let i = 1; i < M; i++) {
      const b = this.#sorted[this.#table[(k + i) % M]];
      if (usable(b)) return b;
    }
    return null;
  }
}
// #endregion
