// The strategies suite's cases (chapter 09): the cost of one pick, and the memory a strategy keeps, for every
// strategy at 10, 100 and 1,000 backends, and for ring hash without its index of arcs. Written once against chapter
// 09's API (`strategyCases`): reference-cases.ts gives it solutions/09-strategies, lab-cases.ts a learner's.
// Case ids are "<strategy>:<case>".
import type { Backend } from "../../solutions/08-tcp-proxy/balancer";
import type * as Random from "../../solutions/05-green-sockets/random";
import type * as Rings from "../../solutions/09-strategies/ring-hash";
import type * as Strategies from "../../solutions/09-strategies/strategies";
import type * as Strategy from "../../solutions/09-strategies/strategy";
import type { Peer } from "../../solutions/09-strategies/strategy";
import type { Measure } from "../lib/measure";
import { check, cpuNs, liveHeap } from "../lib/measure";

/** What the cases use of chapter 09 (and chapter 05's seeded random numbers, which P2C and random draw from). */
export interface StrategiesApi {
  readonly makeStrategy: typeof Strategies.makeStrategy;
  readonly STRATEGY_NAMES: typeof Strategies.STRATEGY_NAMES;
  readonly hash32: typeof Strategy.hash32;
  readonly mulberry32: typeof Random.mulberry32;
  /** For the whole-ring search beside ring hash; absent, the cases leave it out. */
  readonly rings?: Pick<typeof Rings, "buildRing" | "locate" | "RingHash">;
}

/** Ring hash as chapter 09 first wrote it, beside it in the same run: the key's point by a search of the whole ring. */
export const BINARY_SEARCH = "ring-hash (binary search)";

export function strategyCases({ makeStrategy, STRATEGY_NAMES, hash32, mulberry32, rings }: StrategiesApi): Record<string, Measure> {
  const backends = (k: number): Peer[] => Array.from({ length: k }, (_, i) => ({ name: `backend-${i}`, address: { host: `10.0.${i >> 8}.${i & 255}`, port: 8080 } }));
  const all = (): boolean => true;
  // Keys for the hashing strategies, made before the clock starts: a pick must not pay for hashing a string.
  const KEYS = Uint32Array.from({ length: 4096 }, (_, i) => hash32(`client-${i}`));

  /** A measured run stops after this much CPU time even if it has not made its n picks (the O(n) strategies at 1,000). */
  const BUDGET_NS = 1e9;

  /**
   * CPU ns per pick over up to n picks (batches of 4,096 until n or a second of CPU), every backend usable, no
   * feedback (every load is 0). Every strategy gets the same long run, so a fast pick is measured in its steady state.
   */
  const pickCost =
    (name: string, k: number): Measure =>
    (n) => {
      const s = make(name, backends(k));
      let last: Backend | null = null;
      let picks = 0;
      const start = cpuNs();
      while (picks < n) {
        for (let i = 0; i < 4096; i++) last = s.pick(all, KEYS[i]);
        picks += 4096;
        if (cpuNs() - start > BUDGET_NS) break;
      }
      const ns = cpuNs() - start;
      check(last !== null, `${name} picked`);
      // Outside the clock: the picks spread over the backends (a pick that always returns one backend is no pick).
      const seen = new Set<Backend>();
      for (let i = 0; i < 4096; i++) seen.add(s.pick(all, KEYS[i])!);
      check(seen.size > Math.min(k, 10) / 2, `${name} spread its picks (${seen.size} of ${k} backends seen)`);
      return ns / picks;
    };

  /** Live heap plus array buffers (a Maglev table is an Int32Array, whose bytes live outside the V8 heap). */
  const live = (): number => liveHeap() + process.memoryUsage().arrayBuffers;

  /** Bytes a strategy over 1,000 backends keeps (the backends themselves not counted): 20 of them, averaged, above GC noise. */
  const memory =
    (name: string): Measure =>
    () => {
      const bs = backends(1000);
      const before = live();
      // The binary search keeps the ring alone: what RingHash keeps but its index.
      const kept = Array.from({ length: 20 }, () => (name === BINARY_SEARCH && rings ? rings.buildRing(bs, 100) : make(name, bs)));
      const after = live();
      check(kept.every((s) => ("pick" in s ? s.pick(all, 1) !== null : s.hashes.length === 100_000)), `${name} picks`);
      return (after - before) / kept.length;
    };

  /** RingHash but for the search: no arc narrows it. With no bounded loads, the rest of its pick is the same. */
  const WholeRingSearch = rings && class extends rings.RingHash {
    override pick(usable: (b: Backend) => boolean, key?: number): Backend | null {
      const ring = this.ring;
      if (ring.hashes.length === 0 || key === undefined) return super.pick(usable, key);
      const first = ring.owners[rings.locate(ring, key)]!;
      return usable(first) ? first : super.pick(usable, key);
    }
  };

  function make(name: string, bs: readonly Backend[]): Strategy.Strategy {
    const options = { random: mulberry32(1), now: () => 0 };
    return name === BINARY_SEARCH && WholeRingSearch ? new WholeRingSearch(bs, options) : makeStrategy(name as Strategies.StrategyName, bs, options);
  }

  const cases: Record<string, Measure> = {};
  for (const name of [...STRATEGY_NAMES, ...(rings ? [BINARY_SEARCH] : [])]) {
    cases[`${name}:pick-10`] = pickCost(name, 10);
    cases[`${name}:pick-100`] = pickCost(name, 100);
    cases[`${name}:pick-1000`] = pickCost(name, 1000);
    cases[`${name}:memory-1000`] = memory(name);
  }
  return cases;
}
