// bench/lib/steal.ts, which decides whether a measurement of the suites is taken again: the share of the machine
// taken from it — stolen by the hypervisor (/proc/stat) or used by processes other than the benchmark's
// (/proc/<pid>/stat) — and the tally that retries, once the machine is quiet, and sums up.
import { describe, expect, it, vi } from "vitest";
import { listProcesses } from "../../tools/lib/process-group";
import { machineTime, othersOf, type ProcessTime, STEAL_LIMIT, STEAL_RETRIES, StealTally, stealText, stolen } from "../../bench/lib/steal";

const stat = (user: number, steal: number, idle = 1000): string =>
  `cpu  ${user} 0 100 ${idle} 5 0 10 ${steal} 7 0\ncpu0 1 2 3 4 5 6 7 8 9 10\nintr 1 2 3\n`;
const none = (): ProcessTime[] => [];
const proc = (pid: number, ppid: number, ticks: number, start = "100"): ProcessTime => ({ pid, ppid, start, ticks });

describe("machineTime", () => {
  it("reads the steal column and the total of user to steal from the first line (guest is inside user)", () => {
    expect(machineTime(() => stat(400, 20), none)).toEqual({ steal: 20, total: 400 + 0 + 100 + 1000 + 5 + 0 + 10 + 20, others: null });
  });

  it("gives null where there is no /proc/stat, or a first line it cannot read", () => {
    expect(machineTime(() => { throw new Error("ENOENT"); }, none)).toBeNull();
    expect(machineTime(() => "cpu 1 2 3 4\n", none)).toBeNull(); // a kernel too old for the steal column
    expect(machineTime(() => "intr 1 2 3 4 5 6 7 8 9\n", none)).toBeNull();
    expect(machineTime(() => "cpu a b c d e f g h\n", none)).toBeNull();
  });

  it("reads this machine's, when it has one: this process is the benchmark's, not another's", () => {
    const now = machineTime(undefined, undefined, process.pid);
    if (now === null) return; // not Linux: the suites report the share taken as unknown
    expect(now.total).toBeGreaterThan(0);
    expect(now.steal).toBeGreaterThanOrEqual(0);
    expect(now.steal).toBeLessThanOrEqual(now.total);
    const me = listProcesses().find((p) => p.pid === process.pid);
    expect(me, "this process is in the list").toBeDefined();
    expect(now.others?.has(`${me!.pid}:${me!.start}`)).toBe(false);
  });
});

describe("othersOf", () => {
  // 1 init; 2 kthreadd; 50 a kernel thread; 10 the benchmark, 11 its proxy, 12 a worker of the proxy; 20 a shell, 21 its test run.
  const table = [proc(1, 0, 5), proc(2, 0, 1), proc(50, 2, 300), proc(10, 1, 40), proc(11, 10, 90), proc(12, 11, 70), proc(20, 1, 3), proc(21, 20, 500)];

  it("leaves out the benchmark's processes, however deep, and the kernel's threads; keys the rest by pid and start", () => {
    expect(othersOf(table, 10)).toEqual(new Map([["1:100", 5], ["20:100", 3], ["21:100", 500]]));
  });

  it("counts everything but the kernel's threads as another's when the benchmark is not in the list", () => {
    expect([...othersOf(table, 999).keys()]).toEqual(["1:100", "10:100", "11:100", "12:100", "20:100", "21:100"]);
  });
});

describe("stolen", () => {
  it("is the stolen share of the time that passed between two readings", () => {
    const a = machineTime(() => stat(400, 20), none)!;
    const b = machineTime(() => stat(500, 45, 1075), none)!; // 200 ticks passed, 25 of them stolen
    expect(stolen(a, b)).toBeCloseTo(25 / 200, 10);
  });

  it("adds the time other processes used: a new one's whole time, and a gone one's only after the first reading", () => {
    const root = 10;
    const a = machineTime(() => stat(400, 20), () => [proc(10, 1, 0), proc(20, 1, 100), proc(21, 20, 50), proc(22, 20, 30)], root)!;
    // 200 ticks pass, 10 stolen. 20 used 5 of its own; 21 exited after 50 + 10 more and was reaped by 20 (+60 there);
    // 23 started and used 15; 22 used 20; the benchmark's 11 used 80, which does not count.
    const b = machineTime(() => stat(500, 30, 1090), () => [proc(10, 1, 0), proc(11, 10, 80), proc(20, 1, 165), proc(22, 20, 50), proc(23, 20, 15, "150")], root)!;
    expect(stolen(a, b)).toBeCloseTo((10 + 5 + 10 + 15 + 20) / 200, 10);
  });

  it("never says more than the whole machine, nor less than the steal when a gone process went unreaped", () => {
    const a = machineTime(() => stat(400, 20), () => [proc(10, 1, 0), proc(20, 1, 500)], 10)!;
    const b = machineTime(() => stat(500, 30, 1090), () => [proc(10, 1, 0)], 10)!;
    expect(stolen(a, b)).toBeCloseTo(10 / 200, 10);
    const c = machineTime(() => stat(500, 30, 1090), () => [proc(10, 1, 0), proc(20, 1, 5000)], 10)!;
    expect(stolen(a, c)).toBe(1);
  });

  it("is NaN when a reading is missing or no time passed", () => {
    const a = machineTime(() => stat(400, 20), none)!;
    expect(stolen(null, a)).toBeNaN();
    expect(stolen(a, null)).toBeNaN();
    expect(stolen(a, a)).toBeNaN();
  });
});

describe("StealTally", () => {
  /** A measurement that reports the shares given, one per try, and counts its tries. */
  function tries(...steals: number[]) {
    let i = 0;
    return { once: async () => ({ steal: steals[Math.min(i, steals.length - 1)]!, try: i++ }), count: () => i };
  }
  /** A tally whose retries wait for nothing, counting how often they would have waited for a quiet machine. */
  function tally(again = true, quiet = () => true) {
    let waits = 0;
    const t = new StealTally(again, async () => (waits++, quiet()));
    return Object.assign(t, { waits: () => waits });
  }

  it("keeps a measurement with little taken as it is", async () => {
    const t = tally();
    const m = tries(0.01);
    expect(await t.measure(m.once)).toEqual({ steal: 0.01, try: 0 });
    expect(m.count()).toBe(1);
    expect(t.waits()).toBe(0);
    expect(t.note()).toBe(
      "the share of the machine taken from the measured runs kept, by the hypervisor's steal (/proc/stat) and by processes other than the benchmark's (/proc/<pid>/stat): median 1.0%, at most 1.0%; 0 measurements taken again, once the machine was quiet, for more than 5.0% taken",
    );
  });

  it("takes a measurement again, once the machine is quiet, while the share is over the limit, telling each retry, and keeps the first one under it", async () => {
    const t = tally();
    const m = tries(0.3, 0.02, 0.01);
    const told: number[] = [];
    expect(await t.measure(m.once, (x) => told.push(x.steal))).toEqual({ steal: 0.02, try: 1 });
    expect(m.count()).toBe(2);
    expect(t.waits(), "one wait for a quiet machine before the retry").toBe(1);
    expect(told).toEqual([0.3]);
    expect(t.note()).toContain("1 measurement taken again, once the machine was quiet, for more than 5.0% taken");
  });

  it(`gives up after ${STEAL_RETRIES} more tries, keeps the one with the least taken, and says it stayed over the limit`, async () => {
    const t = tally();
    const m = tries(0.2, 0.08, 0.3, 0.01);
    const told: number[] = [];
    expect(await t.measure(m.once, (x) => told.push(x.steal))).toEqual({ steal: 0.08, try: 1 });
    expect(told, "each try taken again, not the one kept so far").toEqual([0.2, 0.08]);
    expect(m.count()).toBe(1 + STEAL_RETRIES);
    expect(t.waits()).toBe(STEAL_RETRIES);
    expect(t.note()).toBe(
      `the share of the machine taken from the measured runs kept, by the hypervisor's steal (/proc/stat) and by processes other than the benchmark's (/proc/<pid>/stat): median 8.0%, at most 8.0%; ${STEAL_RETRIES} measurements taken again, once the machine was quiet, for more than 5.0% taken; 1 kept above it (the try with the least taken)`,
    );
  });

  it("keeps measurements as they come once the machine stayed busy through a wait, and says from which one", async () => {
    let quietNow = true;
    const t = tally(true, () => quietNow);
    const stderr = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
    try {
      expect((await t.measure(tries(0.2, 0.01).once)).steal).toBe(0.01);
      quietNow = false;
      const busy = tries(0.3, 0.01);
      expect((await t.measure(busy.once)).steal, "the wait failed: no retry").toBe(0.3);
      expect(busy.count()).toBe(1);
      const later = tries(0.4, 0.01);
      expect((await t.measure(later.once)).steal).toBe(0.4);
      expect(later.count()).toBe(1);
      expect(t.waits(), "no more waits after the machine proved busy").toBe(2);
      expect(String(stderr.mock.calls.at(-1)?.[0])).toContain("the machine stayed busy for 60 s");
    } finally {
      stderr.mockRestore();
    }
    expect(t.note()).toContain("1 measurement taken again, once the machine was quiet, for more than 5.0% taken; 2 kept above it (the try with the least taken); from measurement 2 on, after the machine stayed busy through a wait of 60 s, none was taken again");
  });

  it("takes what it gets in a quick run, and when the share cannot be read", async () => {
    const quick = tally(false);
    const m = tries(0.5);
    expect((await quick.measure(m.once)).steal).toBe(0.5);
    expect(m.count()).toBe(1);
    expect(quick.waits()).toBe(0);
    const unknown = tally();
    const u = tries(NaN);
    expect((await unknown.measure(u.once)).steal).toBeNaN();
    expect(u.count()).toBe(1);
    expect(unknown.note()).toBeNull();
  });

  it("sums up several measurements with their median", async () => {
    const t = tally();
    for (const s of [0.01, 0.03, 0.02]) await t.measure(tries(s).once);
    expect(t.note()).toMatch(/^the share of the machine taken from the measured runs kept, .*: median 2\.0%, at most 3\.0%;/);
  });

  it("prints a share for a progress line", () => {
    expect(stealText(0.0321)).toBe("others 3.2%");
    expect(stealText(NaN)).toBe("others unknown");
    expect(STEAL_LIMIT).toBe(0.05);
  });
});
