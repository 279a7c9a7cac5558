// `npm run bench:instructions` (bench/instructions/run.ts) takes its counts two at a time on separate ports and saves
// only a whole run (bench/instructions/plan.ts); these check the schedule, the ports, the pool and the rule for saving.
import { describe, expect, it } from "vitest";
import { CASES } from "../../bench/instructions/cases";
import { NODE_FLAGS } from "../../solutions/14-capstone/node-flags";
import { atMost, countsOf, highestPort, portsOf, whyNotSaved, type RunShape } from "../../bench/instructions/plan";

describe("the counts of a run", () => {
  it("takes reps pairs of every system of every case, a pair's small and large count next to each other", () => {
    const counts = countsOf(CASES, undefined, 3);
    const systems = CASES.reduce((n, c) => n + c.systems.length, 0);
    expect(counts).toHaveLength(systems * 3 * 2);
    const first = counts.slice(0, 4).map((n) => [n.case.id, n.system.name, n.pair, n.size]);
    expect(first).toEqual([
      ["lb-connection", "hub (splice)", 1, "small"],
      ["lb-connection", "hub (splice)", 1, "large"],
      ["lb-connection", "hub (splice)", 2, "small"],
      ["lb-connection", "hub (splice)", 2, "large"],
    ]);
    // Every (case, system, pair, size) once.
    expect(new Set(counts.map((n) => `${n.case.id}/${n.system.name}/${n.pair}/${n.size}`)).size).toBe(counts.length);
  });

  it("takes only the systems asked for", () => {
    const counts = countsOf(CASES, ["metrics on", "hub echo"], 1);
    expect(counts.map((n) => `${n.case.id}/${n.system.name}/${n.size}`)).toEqual([
      "obs-request/metrics on/small",
      "obs-request/metrics on/large",
      "io-echo/hub echo/small",
      "io-echo/hub echo/large",
    ]);
  });
});

describe("the ports of counts running at once", () => {
  it("gives slot 0 --port and --port + 4, each further slot five ports up, and all of them the same backends", () => {
    expect(portsOf(9350, 0)).toEqual({ listen: 9350, metrics: 9354, backends: [9351, 9352, 9353] });
    expect(portsOf(9350, 1)).toEqual({ listen: 9355, metrics: 9359, backends: [9351, 9352, 9353] });
  });

  it("never gives two slots, or a slot and a backend, the same port, and stays below 65,536", () => {
    const jobs = 8;
    const base = highestPort(jobs);
    const taken = [...portsOf(base, 0).backends];
    for (let slot = 0; slot < jobs; slot++) taken.push(portsOf(base, slot).listen, portsOf(base, slot).metrics);
    expect(new Set(taken).size).toBe(taken.length);
    expect(Math.max(...taken)).toBe(65535);
  });

  it("puts each system's program on its slot's ports", () => {
    const ports = portsOf(9350, 1);
    const l7 = CASES.find((c) => c.id === "l7-request")!.systems[0]!.argv(ports);
    expect(l7.slice(-4)).toEqual(["9355", "9351", "9352", "9353"]);
    const metered = CASES.find((c) => c.id === "obs-request")!.systems.find((s) => s.name === "metrics on")!.argv(ports);
    expect(metered.slice(-6)).toEqual(["metrics", "9355", "9359", "9351", "9352", "9353"]);
    const echo = CASES.find((c) => c.id === "io-echo")!.systems[0]!.argv(ports);
    expect(echo.at(-1)).toBe("9355");
  });
});

describe("the pool that runs counts", () => {
  const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

  it("runs every item once, never more than `jobs` at once, each on a slot no running call holds", async () => {
    let running = 0;
    let most = 0;
    const held = new Set<number>();
    const items = Array.from({ length: 9 }, (_, i) => i);
    const out = await atMost(3, items, async (i, slot) => {
      expect(held.has(slot)).toBe(false);
      expect(slot).toBeGreaterThanOrEqual(0);
      expect(slot).toBeLessThan(3);
      held.add(slot);
      most = Math.max(most, ++running);
      for (let t = 0; t < (i % 3) + 1; t++) await tick();
      running--;
      held.delete(slot);
      return i * 10;
    });
    expect(most).toBe(3);
    expect(out).toEqual(items.map((i) => ({ status: "fulfilled", value: i * 10 })));
  });

  it("goes on past a call that throws, and gives each outcome in the items' order", async () => {
    const out = await atMost(2, ["a", "b", "c"], async (x) => {
      await tick();
      if (x === "b") throw new Error("no count");
      return x.toUpperCase();
    });
    expect(out[0]).toEqual({ status: "fulfilled", value: "A" });
    expect(out[1]).toMatchObject({ status: "rejected", reason: new Error("no count") });
    expect(out[2]).toEqual({ status: "fulfilled", value: "C" });
  });

  it("runs one at a time with one job, and nothing with no items", async () => {
    const order: string[] = [];
    await atMost(1, ["x", "y"], async (x, slot) => {
      order.push(`${x} starts on ${slot}`);
      await tick();
      order.push(`${x} ends`);
    });
    expect(order).toEqual(["x starts on 0", "x ends", "y starts on 0", "y ends"]);
    expect(await atMost(2, [], async () => 1)).toEqual([]);
  });
});

describe("which runs are saved to bench/results/instructions.json", () => {
  const full: RunShape = { noSave: false, cases: [], systems: undefined, reps: 3, scale: 1, failed: 0 };

  it("saves a run of every case and system, 3 pairs or more, at the default load, every count taken", () => {
    expect(whyNotSaved(full)).toBeNull();
    expect(whyNotSaved({ ...full, reps: 5 })).toBeNull();
  });

  it("does not save any other run, and says why", () => {
    expect(whyNotSaved({ ...full, noSave: true })).toBe("--no-save");
    expect(whyNotSaved({ ...full, failed: 1 })).toBe("1 count failed");
    expect(whyNotSaved({ ...full, failed: 2 })).toBe("2 counts failed");
    expect(whyNotSaved({ ...full, cases: ["l7-request"] })).toBe("a run of some cases or systems");
    expect(whyNotSaved({ ...full, systems: ["hub echo"] })).toBe("a run of some cases or systems");
    expect(whyNotSaved({ ...full, reps: 2 })).toBe("fewer than 3 pairs");
    expect(whyNotSaved({ ...full, scale: 2 })).toBe("--scale other than 1");
  });

  it("saves a breakdown of one pair when it covers every case and system, and no other", () => {
    expect(whyNotSaved({ ...full, reps: 1, breakdown: true })).toBeNull();
    expect(whyNotSaved({ ...full, reps: 1, breakdown: true, cases: ["io-echo"] })).toBe("a run of some cases or systems");
    expect(whyNotSaved({ ...full, reps: 1, breakdown: true, failed: 1 })).toBe("1 count failed");
  });
});

describe("how the counted programs are started", () => {
  it("starts the l7 and obs programs with the balancer's flags, as their suites do, and the lb and io programs without", () => {
    const ports = portsOf(9350, 0);
    for (const c of CASES) {
      for (const s of c.systems) {
        const flags = s.argv(ports).slice(1).filter((a) => NODE_FLAGS.includes(a));
        expect([c.id, s.name, flags]).toEqual([c.id, s.name, c.id.startsWith("l7-") || c.id === "obs-request" ? [...NODE_FLAGS] : []]);
      }
    }
  });
});
