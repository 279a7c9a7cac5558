// Grading tests for lab 09-strategies: smooth weighted round robin, the power of two choices, ring hash, the Maglev
// table and the simulator's event loop. No network and no wall clock: strategies get a seeded random, and the
// simulator runs on the hub's virtual clock.
//
// A randomized test prints its seed when it fails. Replay it with, for example:
//   SEED=1234 HUB_TARGET=labs npx vitest run test/09-strategies.test.ts   (on the reference: without HUB_TARGET)
import { describe, expect, it } from "vitest";
import { mulberry32 } from "@target/05-green-sockets/random";
import type { Backend } from "@target/08-tcp-proxy/balancer";
import { Maglev } from "@target/09-strategies/maglev";
import { PowerOfChoices } from "@target/09-strategies/p2c";
import { buildRing, locate, RingHash } from "@target/09-strategies/ring-hash";
import { simulate, type SimConfig } from "@target/09-strategies/sim";
import { SmoothWeighted } from "@target/09-strategies/smooth-wrr";
import { hash32, type Peer } from "@target/09-strategies/strategy";
import { callInWorker, callsInWorker } from "./support/in-worker";
import { replayWith } from "./support/net";

/** The seed of the randomized tests: $SEED when set, so a failure can be replayed. */
const SEED = process.env.SEED === undefined ? 20261202 : Number(process.env.SEED);
const replay = `seed ${SEED}; ${replayWith("test/09-strategies.test.ts")(SEED)}`;

const peer = (name: string, weight?: number): Peer => ({ name, address: { host: name, port: 80 }, weight });
const peers = (n: number): Peer[] => Array.from({ length: n }, (_, i) => peer(`b${i + 1}`));
const all = (): boolean => true;
const names = (bs: readonly (Backend | null)[]): string[] => bs.map((b) => (b === null ? "null" : b.name));
/** A "random" source that returns these numbers in turn, for tests that must know which backends are sampled. */
const scripted = (...xs: number[]): (() => number) => {
  let i = 0;
  return () => xs[i++ % xs.length];
};

describe("task 1: smooth weighted round robin", () => {
  it("weights a=5, b=1, c=1 give a a b a c a a, and the cycle repeats (2 pts)", () => {
    const s = new SmoothWeighted([peer("a", 5), peer("b", 1), peer("c", 1)]);
    const got = names(Array.from({ length: 14 }, () => s.pick(all)));
    expect(got).toEqual(["a", "a", "b", "a", "c", "a", "a", "a", "a", "b", "a", "c", "a", "a"]);
  });

  it("equal weights take turns in order: ties go to the first peer (1 pts)", () => {
    const s = new SmoothWeighted([peer("a"), peer("b"), peer("c")]);
    expect(names(Array.from({ length: 6 }, () => s.pick(all)))).toEqual(["a", "b", "c", "a", "b", "c"]);
  });

  it("skips the peers usable rejects, and picks null when it rejects all (1 pts)", () => {
    const s = new SmoothWeighted([peer("a", 2), peer("b", 1), peer("c", 1)]);
    const got = names(Array.from({ length: 6 }, () => s.pick((b) => b.name !== "a")));
    expect(got).toEqual(["b", "c", "b", "c", "b", "c"]);
    expect(s.pick(() => false)).toBeNull();
    // a took no part while rejected: its score did not grow, so once usable again it gets its share, not a burst.
    const after = names(Array.from({ length: 8 }, () => s.pick(all)));
    expect(after, "a, rejected for 7 picks, then usable: weights 2, 1, 1 as if it had never been away").toEqual(["a", "b", "c", "a", "a", "b", "c", "a"]);
  });

  it("failed(b) lowers b's effective weight by weight / maxFails; it recovers by one per pick (2 pts)", () => {
    const a = peer("a", 4);
    const s = new SmoothWeighted([a, peer("b", 4)], { maxFails: 2 });
    s.failed(a);
    expect(s.peek(a)!.effective, "4 - 4/2").toBe(2);
    const odd = peer("o", 5);
    const five = new SmoothWeighted([odd], { maxFails: 2 });
    five.failed(odd);
    expect(five.peek(odd)!.effective, "5 − ⌊5 / 2⌋ = 3: the weight divided in whole numbers").toBe(3);
    s.failed(a);
    s.failed(a);
    expect(s.peek(a)!.effective, "never below 0").toBe(0);
    const seen: number[] = [];
    for (let i = 0; i < 5; i++) {
      s.pick(all);
      seen.push(s.peek(a)!.effective);
    }
    expect(seen, "effective weight of a after each pick").toEqual([1, 2, 3, 4, 4]);
    // While a was weakened, b got the first picks.
    const fresh = new SmoothWeighted([a, peer("b", 4)]);
    fresh.failed(a);
    expect(names([fresh.pick(all), fresh.pick(all)]), "a weakened a (effective 0, then 1) lets b take the first two picks").toEqual(["b", "b"]);
  });
});

describe("task 2: the power of two choices", () => {
  it("sends the work to the sample with fewer requests in flight; on a tie the first sample stays (2 pts)", () => {
    const [a, b] = peers(2);
    // random() 0.0 samples index 0, 0.5 samples index 1 (of 2)
    const tie1 = new PowerOfChoices([a, b], { random: scripted(0.0, 0.5) });
    expect(tie1.pick(all)?.name, "tie, a sampled first").toBe("b1");
    const tie2 = new PowerOfChoices([a, b], { random: scripted(0.5, 0.0) });
    expect(tie2.pick(all)?.name, "tie, b sampled first").toBe("b2");
    const loaded = new PowerOfChoices([a, b], { random: scripted(0.0, 0.5) });
    loaded.started(a);
    expect(loaded.pick(all)?.name, "a has one request in flight").toBe("b2");
    loaded.finished(a);
    loaded.started(b);
    loaded.started(b);
    expect(loaded.pick(all)?.name, "b has two in flight").toBe("b1");
  });

  it("a loaded backend is chosen only when every sample is it: (1/3)² of the time with 3 backends (2 pts)", () => {
    const bs = peers(3);
    const s = new PowerOfChoices(bs, { random: mulberry32(SEED) });
    for (let i = 0; i < 5; i++) s.started(bs[0]);
    let hits = 0;
    for (let i = 0; i < 9000; i++) if (s.pick(all) === bs[0]) hits++;
    expect(hits / 9000, `the loaded backend's share of the picks; ${replay}`).toBeGreaterThan(0.08);
    expect(hits / 9000, `the loaded backend's share of the picks; ${replay}`).toBeLessThan(0.145);
    const three = new PowerOfChoices(bs, { random: mulberry32(SEED), choiceCount: 3 });
    for (let i = 0; i < 5; i++) three.started(bs[0]);
    let hits3 = 0;
    for (let i = 0; i < 9000; i++) if (three.pick(all) === bs[0]) hits3++;
    expect(hits3 / 9000, `choiceCount 3: (1/3)³; ${replay}`).toBeLessThan(0.06);
  });

  it("samples only usable backends, and picks null when none is (1 pts)", () => {
    const bs = peers(10);
    const s = new PowerOfChoices(bs, { random: mulberry32(SEED) });
    const only = new Set(["b3", "b7"]);
    for (let i = 0; i < 500; i++) {
      const got = s.pick((b) => only.has(b.name));
      expect(["b3", "b7"], `pick ${i}: only b3 and b7 are usable, got ${got?.name ?? "null"}; ${replay}`).toContain(got?.name);
    }
    expect(s.pick(() => false), "nothing usable").toBeNull();
    expect(new PowerOfChoices([], { random: mulberry32(SEED) }).pick(() => true), "no backends at all: #sample returns −1 without drawing").toBeNull();
  });

  it("with no load every backend is picked, about equally (1 pts)", () => {
    const bs = peers(5);
    const s = new PowerOfChoices(bs, { random: mulberry32(SEED) });
    const count = new Map<string, number>();
    for (let i = 0; i < 5000; i++) {
      const b = s.pick(all)!.name;
      count.set(b, (count.get(b) ?? 0) + 1);
    }
    for (const b of bs) expect(count.get(b.name) ?? 0, `${b.name}; ${replay}`).toBeGreaterThan(800);
  });
});

describe("task 3: ring hash", () => {
  it("buildRing puts vnodes × weight points per backend at hash32(\"<name>_<i>\"), in increasing order (1 pts)", () => {
    const ring = buildRing([peer("a", 2), peer("b")], 3);
    expect(ring.hashes.length).toBe(9);
    expect(ring.owners.length).toBe(9);
    for (let i = 1; i < 9; i++) expect(ring.hashes[i]).toBeGreaterThanOrEqual(ring.hashes[i - 1]);
    const expected = ["a_0", "a_1", "a_2", "a_3", "a_4", "a_5", "b_0", "b_1", "b_2"].map((s) => hash32(s)).sort((x, y) => x - y);
    expect([...ring.hashes]).toEqual(expected);
    const aHashes = new Set(["a_0", "a_1", "a_2", "a_3", "a_4", "a_5"].map((s) => hash32(s)));
    ring.owners.forEach((o, i) => expect(o.name, `point ${i}`).toBe(aHashes.has(ring.hashes[i]) ? "a" : "b"));
  });

  it("locate finds the first point at or after the key, wrapping past the last; given lo and hi, it searches only hashes[lo..hi) and answers hi when none there is, as bisect_left does (1 pts)", () => {
    const ring = { hashes: Uint32Array.from([10, 20, 30]), owners: peers(3) };
    expect([0, 10, 11, 20, 29, 30, 31, 4294967295].map((k) => locate(ring, k))).toEqual([0, 0, 1, 1, 2, 2, 0, 0]);
    const four = { hashes: Uint32Array.from([10, 20, 30, 40]), owners: peers(4) };
    // [lo, hi, key, answer]: a stretch that holds the key's point, one that ends before it, one that starts after it.
    const cases = [[1, 3, 25, 2], [0, 2, 35, 2], [2, 4, 5, 2], [1, 1, 25, 1], [3, 4, 45, 0]] as const;
    expect(cases.map(([lo, hi, key]) => `lo ${lo}, hi ${hi}, key ${key} → ${locate(four, key, lo, hi)}`), "hashes 10 20 30 40").toEqual(
      cases.map(([lo, hi, key, answer]) => `lo ${lo}, hi ${hi}, key ${key} → ${answer}`),
    );
  });

  it("the same key always goes to the same backend, the one a search of the whole ring finds, and keys spread over every backend (1 pts)", () => {
    const s = new RingHash(peers(10), { random: mulberry32(SEED) });
    const count = new Map<string, number>();
    for (let k = 0; k < 20000; k++) {
      const key = hash32(`client-${k}`);
      const b = s.pick(all, key)!;
      expect(s.pick(all, key)).toBe(b);
      count.set(b.name, (count.get(b.name) ?? 0) + 1);
    }
    for (let i = 1; i <= 10; i++) expect(count.get(`b${i}`) ?? 0, `b${i}'s share of 20,000 keys`).toBeGreaterThan(1000);
    // RingHash searches only the key's arc of the ring (indexRing): it must land where a search of the whole ring does.
    for (const n of [1, 3, 10, 200]) {
      const r = new RingHash(peers(n), { vnodes: 7 });
      const ring = r.ring;
      for (let k = 0; k < 2000; k++) {
        const key = k < 4 ? [0, 1, 4294967295, (ring.hashes[ring.hashes.length - 1] + 1) >>> 0][k] : hash32(`client-${k}`);
        expect(r.pick(all, key), `${n} backends, key ${key}`).toBe(ring.owners[locate(ring, key)]);
      }
    }
  });

  it("removing a backend moves only its own keys; adding one moves keys only to it (2 pts)", () => {
    const bs = peers(10);
    const s = new RingHash(bs);
    const keys = Array.from({ length: 10000 }, (_, k) => hash32(`client-${k}`));
    const before = keys.map((k) => s.pick(all, k));
    s.remove(bs[3]);
    const after = keys.map((k) => s.pick(all, k));
    const wrong = keys.filter((_, i) => before[i] !== bs[3] && after[i] !== before[i]).length;
    expect(wrong, "keys that moved though their backend stayed").toBe(0);
    expect(after.includes(bs[3]), "the removed backend is never picked").toBe(false);
    const extra = peer("b11");
    s.add(extra);
    const added = keys.map((k) => s.pick(all, k));
    const strayed = keys.filter((_, i) => added[i] !== after[i] && added[i] !== extra).length;
    expect(strayed, "keys that moved to another backend than the new one").toBe(0);
    expect(added.filter((b) => b === extra).length, "keys the new backend took").toBeGreaterThan(400);
  });

  it("an unusable owner passes the key on, clockwise, to the next usable backend (1 pts)", () => {
    const bs = peers(5);
    const s = new RingHash(bs);
    for (let k = 0; k < 500; k++) {
      const key = hash32(`client-${k}`);
      const owner = s.pick(all, key)!;
      const next = s.pick((b) => b !== owner, key)!;
      expect(next).not.toBe(owner);
      // The next backend clockwise: walk the ring from the key's point.
      const ring = s.ring;
      let i = locate(ring, key);
      while (ring.owners[i] === owner) i = (i + 1) % ring.hashes.length;
      expect(next).toBe(ring.owners[i]);
    }
    expect(s.pick(() => false, 1)).toBeNull();
  });
});

describe("task 4: the Maglev table", () => {
  /** Set when populate did not return in a worker: the tests that call it in this thread would never end either. */
  let populateHangs = false;
  const unlessItHangs = (): void => {
    if (populateHangs) expect.fail("not run: populate never returned in the first test of task 4, and here it would hold every test after this one");
  };

  it("fills every entry, each backend owning ⌊M/N⌋ or ⌈M/N⌉ of them (2 pts)", async () => {
    // In a worker of its own, stopped after 5 s: a fill that goes on claiming once every entry is owned never ends.
    const sizes = [[3, 13], [10, 65537], [100, 65537]] as const;
    const got = await callsInWorker("09-strategies/maglev.ts", "populate", sizes.map(([n, M]) => [Array.from({ length: n }, (_, i) => `b${i}`), M]), 5000);
    if ("timedOut" in got) {
      populateHangs = true;
      expect.fail("populate had not returned after 5 s: does it stop as soon as the last entry is owned, even in the middle of a round?");
    }
    if ("threw" in got) expect.fail(`populate threw ${got.threw}`);
    const tables = got.value as Int32Array[];
    for (const [k, [n, M]] of sizes.entries()) {
      const t = tables[k]!;
      expect(t.length).toBe(M);
      const count = new Array<number>(n).fill(0);
      const empty = t.filter((x) => !(x >= 0 && x < n)).length;
      expect(empty, `entries of the table for ${n} backends, M = ${M}, that hold no backend index`).toBe(0);
      for (const x of t) count[x]++;
      expect(Math.min(...count), `N = ${n}, M = ${M}`).toBe(Math.floor(M / n));
      expect(Math.max(...count), `N = ${n}, M = ${M}`).toBe(Math.ceil(M / n));
    }
  }, 15_000); // above the worker's 5 s, so that the worker's limit, with its sentence, comes first

  it("with no names, returns the M entries as −1 at once (1 pts)", async () => {
    // In a worker of its own: rounds with nobody to claim a slot never end, and a loop in this thread would stop
    // every later test of the lab from running.
    const got = await callInWorker("09-strategies/maglev.ts", "populate", [[], 13], 3000);
    if ("timedOut" in got) expect.fail("populate([], 13) had not returned after 3 s: with no names, no round can fill a slot");
    if ("threw" in got) expect.fail(`populate([], 13) threw ${got.threw}; with no names it should return 13 entries of −1`);
    expect(got.value, "populate([], 13)").toEqual(new Int32Array(13).fill(-1));
  }, 15_000);

  it("follows each backend's permutation offset + j × skip (mod M): its first preference is its offset (1 pts)", async () => {
    unlessItHangs();
    const M = 65537;
    const ns = ["x", "y", "z"];
    // In a worker too: a skip of 0 (the + 1 forgotten) keeps a backend on one slot for ever.
    const got = await callsInWorker("09-strategies/maglev.ts", "populate", [[ns, M], [ns, 13]], 5000);
    if ("timedOut" in got) {
      populateHangs = true;
      expect.fail("populate(['x', 'y', 'z'], M) had not returned after 5 s: can a skip be 0? (skip = hash32(name, 2) % (M − 1) + 1)");
    }
    if ("threw" in got) expect.fail(`populate threw ${got.threw}`);
    const [t, small] = got.value as Int32Array[];
    // Turn 1: every backend claims its offset unless an earlier one took it.
    const taken = new Set<number>();
    ns.forEach((s, i) => {
      const offset = hash32(s, 1) % M;
      if (!taken.has(offset)) expect(t![offset], `${s}'s offset slot`).toBe(i);
      taken.add(offset);
    });
    // The whole table for M = 13, which every later claim shapes: skip = hash32(name, 2) % 12 + 1.
    expect([...small!], "the table of x, y, z for M = 13 (the paper's Figure 5 on these three names)").toEqual([1, 2, 2, 0, 1, 0, 0, 1, 0, 2, 0, 2, 1]);
  }, 15_000);

  it("the same backend set gives the same table, whatever the order it was added in (1 pts)", () => {
    unlessItHangs();
    const bs = peers(20);
    const a = new Maglev(bs, { tableSize: 4093 });
    const b = new Maglev([...bs].reverse(), { tableSize: 4093 });
    const c = new Maglev(bs.slice(0, 10), { tableSize: 4093 });
    for (const x of bs.slice(10)) c.add(x);
    expect(names(b.table as Backend[])).toEqual(names(a.table as Backend[]));
    expect(names(c.table as Backend[])).toEqual(names(a.table as Backend[]));
    for (let k = 0; k < 1000; k++) expect(a.pick(all, k)).toBe(a.table[k % 4093]);
  });

  it("removing one of 100 backends moves its own entries and at most 1% of the others (2 pts)", () => {
    unlessItHangs();
    const bs = peers(100);
    const s = new Maglev(bs);
    const before = s.table;
    s.remove(bs[41]);
    const after = s.table;
    let own = 0;
    let others = 0;
    for (let j = 0; j < s.M; j++) {
      if (before[j] === bs[41]) own++;
      else if (after[j] !== before[j]) others++;
    }
    expect(own).toBeGreaterThan(600);
    expect(after.includes(bs[41])).toBe(false);
    expect(others / s.M, `entries moved though their backend stayed: ${others} of ${s.M}`).toBeLessThanOrEqual(0.01);
  });
});

describe("task 5: the simulator's event loop", () => {
  const base: SimConfig = { seed: SEED, servers: 1, load: 0.5, strategy: "round-robin", duration: 40000, warmup: 1000 };
  /** Set when the first test's simulation never ended: the others would run the same one in this thread. */
  let simulationHangs = false;
  const unlessItHangs = (): void => {
    if (simulationHangs) expect.fail("not run: the simulation never ended in the first test of task 5, and here it would hold every test after this one");
  };

  it("one server at λ = 0.5 is an M/M/1 queue: mean time in system 1/(1 − λ) = 2, within 5% (1 pts)", async () => {
    // In a worker of its own: a depart() that loses count of a job, or leaves an idle server busy, leaves jobs in the
    // system, and the run's end (given), which waits for the last one to leave, never comes.
    const got = await callInWorker("09-strategies/sim.ts", "simulate", [base], 10_000);
    if ("timedOut" in got) {
      simulationHangs = true;
      expect.fail("simulate had not returned after 10 s: it waits until every job has left; does depart() count each job out, and mark its server not busy when its queue is empty?");
    }
    if ("threw" in got) expect.fail(`simulate threw ${got.threw}`);
    const r = got.value as ReturnType<typeof simulate>;
    expect(r.jobs, replay).toBeGreaterThan(15000);
    expect(Math.abs(r.mean - 2) / 2, `mean ${r.mean}; ${replay}`).toBeLessThan(0.05);
    expect(Math.abs(r.meanQueue - 1) / 1, `jobs in system ${r.meanQueue} (Little: λ × 2 = 1); ${replay}`).toBeLessThan(0.06);
  }, 20_000); // above the worker's 10 s

  it("is replayable, and tells the strategy about every job (started, observe, finished) (2 pts)", () => {
    unlessItHangs();
    const config: SimConfig = { ...base, servers: 4, load: 0.8, strategy: "p2c", duration: 5000, warmup: 0 };
    expect(simulate(config)).toEqual(simulate(config));
    const spied = (warmup: number) => {
      const seen = { started: 0, finished: 0, observed: 0, picks: 0, keyed: 0, observedThenFinished: 0, longest: 0 };
      const inSystem = new Map<Backend, number>(); // jobs each server has, as the strategy hears of them
      let last = "";
      const r = simulate({
        ...config,
        warmup,
        strategy: (backends, options) => {
          const s = new PowerOfChoices(backends, options);
          const pick = s.pick.bind(s);
          s.pick = (u: (b: Backend) => boolean, key?: number) => (seen.picks++, key !== undefined && seen.keyed++, pick(u));
          const [st, fi, ob] = [s.started.bind(s), s.finished.bind(s), s.observe.bind(s)];
          s.started = (b) => {
            seen.started++;
            inSystem.set(b, (inSystem.get(b) ?? 0) + 1);
            seen.longest = Math.max(seen.longest, inSystem.get(b)!);
            st(b);
          };
          s.finished = (b) => {
            seen.finished++;
            if (last === `observe ${b.name}`) seen.observedThenFinished++;
            inSystem.set(b, inSystem.get(b)! - 1);
            last = "";
            fi(b);
          };
          s.observe = (b, ms) => {
            seen.observed++;
            last = `observe ${b.name}`;
            ob(b, ms);
          };
          return s;
        },
      });
      return { r, seen };
    };
    const { r, seen } = spied(0);
    expect(r.jobs).toBeGreaterThan(0);
    expect(seen.started, "started once per pick").toBe(seen.picks);
    expect(seen.finished, "finished once per job").toBe(seen.started);
    expect(seen.observed, "observe once per job").toBe(seen.started);
    expect(seen.observedThenFinished, "at each departure, observe the job's time first, then finished").toBe(seen.finished);
    expect(seen.keyed, "pick is given each job's key").toBe(seen.picks);
    expect(r.maxQueue, "maxQueue: the most jobs one server had at once, the one in service included").toBe(seen.longest);
    expect(r.jobs, "every job measured (no warm-up here)").toBe(seen.picks);
    const warm = spied(config.duration);
    expect(warm.r.jobs, "with a warm-up as long as the run, no job is measured: an unmeasured job is never recorded").toBe(0);
    expect(warm.seen.finished, "…though every one is served").toBe(warm.seen.picks);
  });

  // The supermarket model (Mitzenmacher 2001): n servers of rate 1, Poisson arrivals of rate λn, each job joins the
  // shortest of d queues sampled at random. As n → ∞ the mean time in system tends to Σ_{i≥1} λ^((d^i − d)/(d − 1))
  // for d ≥ 2, and to 1/(1 − λ) for d = 1. With n = 100 the simulation is a little above the limit (the chapter
  // explains why); the queues start at the limit's equilibrium, so no long warm-up is needed.
  const limit = (d: number, lambda: number): number => {
    if (d === 1) return 1 / (1 - lambda);
    let sum = 0;
    for (let i = 1; i < 40; i++) sum += Math.pow(lambda, (Math.pow(d, i) - d) / (d - 1));
    return sum;
  };
  /** Jobs per queue at the limit's equilibrium: P(at least i) = λ^((d^i − 1)/(d − 1)), or λ^i for d = 1. */
  const equilibrium = (d: number, lambda: number) => (random: () => number) => {
    const u = random();
    let k = 0;
    while (k < 10000 && u < Math.pow(lambda, d === 1 ? k + 1 : (Math.pow(d, k + 1) - 1) / (d - 1))) k++;
    return k;
  };
  const supermarket = (d: number): number =>
    simulate({ seed: SEED, servers: 100, load: 0.9, strategy: { name: "p2c", choiceCount: d }, duration: 2000, initial: equilibrium(d, 0.9) }).mean;
  const within = (d: number, below: number, above: number): void => {
    unlessItHangs();
    const m = supermarket(d);
    const rel = (m - limit(d, 0.9)) / limit(d, 0.9);
    const why = `d = ${d}: mean ${m.toFixed(3)}, limit ${limit(d, 0.9).toFixed(3)}; uses your PowerOfChoices (task 2) with choiceCount ${d}; ${replay}`;
    expect(rel, why).toBeGreaterThan(-below);
    expect(rel, why).toBeLessThan(above);
  };

  it("the supermarket model, d = 1: mean time in system within 6% of 1/(1 − λ) = 10 (1 pts)", () => within(1, 0.06, 0.06));
  it("the supermarket model, d = 2: within −2% … +7% of the n → ∞ value 2.614 (1 pts)", () => within(2, 0.02, 0.07));
  it("the supermarket model, d = 3: within −2% … +7% of the n → ∞ value 2.028 (1 pts)", () => within(3, 0.02, 0.07));
});
