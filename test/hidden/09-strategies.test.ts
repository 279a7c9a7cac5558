// Instructor-only tests for lab 09-strategies: edge cases the public tests leave out. Graded by the instructor's
// grader and the Gradescope autograder; never handed out with the student edition.
import { describe, expect, it } from "vitest";
import { mulberry32 } from "@target/05-green-sockets/random";
import type { Backend } from "@target/08-tcp-proxy/balancer";
import { Maglev, populate } from "@target/09-strategies/maglev";
import { PowerOfChoices } from "@target/09-strategies/p2c";
import { buildRing, RingHash } from "@target/09-strategies/ring-hash";
import { exponentialSize, lognormalSize, simulate, type SimConfig } from "@target/09-strategies/sim";
import { SmoothWeighted } from "@target/09-strategies/smooth-wrr";
import { hash32, type Peer } from "@target/09-strategies/strategy";

const SEED = 20261203;
const peer = (name: string, weight?: number): Peer => ({ name, address: { host: name, port: 80 }, weight });
const peers = (n: number): Peer[] => Array.from({ length: n }, (_, i) => peer(`b${i + 1}`));
const all = (): boolean => true;
const names = (bs: readonly (Backend | null)[]): string[] => bs.map((b) => (b === null ? "null" : b.name));

describe("task 1: smooth weighted round robin", () => {
  it("weights 3, 2, 1 give a b a c b a (1 pts)", () => {
    const s = new SmoothWeighted([peer("a", 3), peer("b", 2), peer("c", 1)]);
    expect(names(Array.from({ length: 6 }, () => s.pick(all)))).toEqual(["a", "b", "a", "c", "b", "a"]);
  });
  it("a backend added mid-stream gets its turns; a removed one is never picked again (1 pts)", () => {
    const [a, b, c] = [peer("a", 2), peer("b"), peer("c")];
    const s = new SmoothWeighted([a, b]);
    for (let i = 0; i < 3; i++) s.pick(all);
    s.add(c);
    s.remove(a);
    s.failed(a); // feedback about a backend gone: ignored
    const got = names(Array.from({ length: 6 }, () => s.pick(all)));
    expect(got.includes("a")).toBe(false);
    expect(got.filter((n) => n === "c").length).toBe(3);
  });
});

describe("task 2: the power of two choices", () => {
  it("finds the one usable backend among a hundred (1 pts)", () => {
    const bs = peers(100);
    const s = new PowerOfChoices(bs, { random: mulberry32(SEED) });
    for (let i = 0; i < 50; i++) expect(s.pick((b) => b === bs[63])).toBe(bs[63]);
  });
  it("never picks a backend removed while its work was in flight (1 pts)", () => {
    const bs = peers(4);
    const s = new PowerOfChoices(bs, { random: mulberry32(SEED) });
    s.started(bs[2]);
    s.remove(bs[2]);
    expect(() => s.finished(bs[2])).not.toThrow();
    for (let i = 0; i < 300; i++) expect(s.pick(all)).not.toBe(bs[2]);
  });
});

describe("task 3: ring hash", () => {
  it("a backend of weight 2 has twice the points; an empty ring picks null (1 pts)", () => {
    const ring = buildRing([peer("a", 2), peer("b")], 50);
    expect(ring.owners.filter((o) => o.name === "a").length).toBe(100);
    expect(ring.owners.filter((o) => o.name === "b").length).toBe(50);
    expect(new RingHash([]).pick(all, 5)).toBeNull();
  });
  it("with bounded loads (ε = 0.25) no backend carries more than ⌈1.25 × average⌉ (1 pts)", () => {
    const bs = peers(8);
    const s = new RingHash(bs, { boundedLoad: 0.25 });
    const load = new Map<Backend, number>();
    for (let i = 0; i < 800; i++) {
      const b = s.pick(all, hash32("hot")  ^ (i % 3))!; // three hot keys
      s.started(b);
      load.set(b, (load.get(b) ?? 0) + 1);
      const cap = Math.ceil((1.25 * (i + 1)) / 8);
      expect(load.get(b)!, `after ${i + 1} picks`).toBeLessThanOrEqual(cap);
    }
  });
});

describe("task 4: the Maglev table", () => {
  it("one backend owns the whole table; three in a table of 13 own 4 or 5 entries each (1 pts)", () => {
    expect([...populate(["only"], 13)]).toEqual(new Array(13).fill(0));
    const t = populate(["x", "y", "z"], 13);
    for (let i = 0; i < 3; i++) expect([4, 5]).toContain(t.filter((v) => v === i).length);
  });
  it("when the owner of a key's entry is not usable, the next entries' owners take it (1 pts)", () => {
    const bs = peers(5);
    const s = new Maglev(bs, { tableSize: 101 });
    const table = s.table;
    for (let k = 0; k < 101; k++) {
      const owner = table[k]!;
      let j = k;
      while (table[j % 101] === owner) j++;
      expect(s.pick((b) => b !== owner, k)).toBe(table[j % 101]);
    }
  });
});

describe("task 5: the simulator's event loop", () => {
  const base: SimConfig = { seed: SEED, servers: 10, load: 0.7, strategy: "round-robin", duration: 8000, warmup: 500 };
  it("a heavy-tailed size distribution (log-normal) gives a longer p99 than the exponential (1 pts)", () => {
    const exp = simulate({ ...base, size: exponentialSize });
    const heavy = simulate({ ...base, size: lognormalSize(1.5) });
    expect(heavy.p99).toBeGreaterThan(1.5 * exp.p99);
  });
  it("a server that turns slow costs round robin more timeouts than peak EWMA (1 pts)", () => {
    const slow: SimConfig = { ...base, servers: 11, meanService: 10, duration: 30000, timeout: 100, speedChanges: [{ at: 5000, server: 0, speed: 0.1 }, { at: 20000, server: 0, speed: 1 }] };
    const rr = simulate(slow);
    const ewma = simulate({ ...slow, strategy: "peak-ewma" });
    expect(ewma.successRate).toBeGreaterThan(rr.successRate + 0.02);
  });
});
