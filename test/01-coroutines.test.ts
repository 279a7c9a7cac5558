// Grading tests for lab 01-coroutines: generators as pausable functions, and a round-robin scheduler.
import { describe, expect, it } from "vitest";
import { countdown, runningTotal, sequence } from "@target/01-coroutines/generators";
import { Scheduler, type Task } from "@target/01-coroutines/scheduler";

function drain<T, R>(g: Generator<T, R, unknown>): { yields: T[]; result: R } {
  const yields: T[] = [];
  for (;;) {
    const r = g.next();
    if (r.done) return { yields, result: r.value };
    yields.push(r.value);
  }
}

describe("task 1: countdown", () => {
  it("yields n down to 1 and returns liftoff (2 pts)", () => {
    expect(drain(countdown(3))).toEqual({ yields: [3, 2, 1], result: "liftoff" });
  });
  it("does no work until the first next() (1 pts)", () => {
    // An n that records when it is read (a number in every other way): a generator body runs only when pulled,
    // so countdown(n) must not even look at n before the first next().
    const reads: string[] = [];
    const n = { valueOf: () => (reads.push("n read"), 2) } as unknown as number;
    const g = countdown(n);
    expect(reads, "n was read before the first next(): is countdown a generator function (function*)?").toEqual([]);
    const first = g.next();
    expect([Number(first.value), first.done]).toEqual([2, false]);
  });
  it("countdown(0) yields nothing and returns at once (1 pts)", () => {
    expect(drain(countdown(0))).toEqual({ yields: [], result: "liftoff" });
  });
});

describe("task 2: runningTotal", () => {
  it("the first next() starts it and yields 0 (1 pts)", () => {
    expect(runningTotal().next()).toEqual({ value: 0, done: false });
  });
  it("each number sent in is added to the total it yields (2 pts)", () => {
    const t = runningTotal();
    t.next();
    expect([5, 2, -3, 10].map((x) => t.next(x).value)).toEqual([5, 7, 4, 14]);
  });
  it("two totals keep separate state (1 pts)", () => {
    const a = runningTotal();
    const b = runningTotal();
    a.next();
    b.next();
    a.next(100);
    expect(b.next(1).value).toBe(1);
    expect(a.next(1).value).toBe(101);
  });
});

describe("task 3: sequence", () => {
  function* part(label: string, n: number): Generator<string, number, unknown> {
    for (let i = 1; i <= n; i++) yield `${label}${i}`;
    return n * 10;
  }
  it("passes every part's yields through, in order, taking each part only when the one before has finished (2 pts)", () => {
    expect(drain(sequence([part("a", 2), part("b", 1)])).yields).toEqual(["a1", "a2", "b1"]);
    // parts is a generator that logs when it hands out each part: sequence must not read them all up front.
    const log: string[] = [];
    function* parts(): Generator<Generator<string, number, unknown>> {
      log.push("part a taken");
      yield part("a", 2);
      log.push("part b taken");
      yield part("b", 1);
    }
    for (const value of sequence(parts())) log.push(value);
    expect(log).toEqual(["part a taken", "a1", "a2", "part b taken", "b1"]);
  });
  it("returns the sum of the parts' return values (1 pts)", () => {
    expect(drain(sequence([part("a", 2), part("b", 3), part("c", 0)])).result).toBe(50);
  });
  it("values sent with next(x) reach the part that is running (1 pts)", () => {
    function* echo(): Generator<string, number, unknown> {
      const got = yield "ready";
      return Number(got);
    }
    const g = sequence([echo(), echo()]);
    expect(g.next().value).toBe("ready");
    expect(g.next(4).value).toBe("ready");
    expect(g.next(6)).toEqual({ value: 10, done: true });
  });
});

describe("task 4: Scheduler.run", () => {
  function* worker(steps: number, result: string): Task {
    for (let i = 0; i < steps; i++) yield;
    return result;
  }
  it("runs a single task to completion and keeps its result (2 pts)", () => {
    const s = new Scheduler();
    s.spawn("only", worker(2, "done"));
    s.run();
    expect(s.results.get("only")).toBe("done");
    expect(s.trace).toEqual(["only", "only", "only"]);
  });
  it("takes turns round robin until every task has finished (3 pts)", () => {
    const s = new Scheduler();
    s.spawn("A", worker(2, "a"));
    s.spawn("B", worker(0, "b"));
    s.spawn("C", worker(1, "c"));
    s.run();
    expect(s.trace).toEqual(["A", "B", "C", "A", "C", "A"]);
    expect(Object.fromEntries(s.results)).toEqual({ A: "a", B: "b", C: "c" });
  });
  it("a task that throws is dropped with exactly what it threw kept (and no result), and the others go on (2 pts)", () => {
    function* faulty(): Task {
      yield;
      throw new Error("boom");
    }
    function* throwsAString(): Task {
      throw "a plain string"; // anything can be thrown: keep it as it is, not wrapped in an Error
    }
    const s = new Scheduler();
    s.spawn("bad", faulty());
    s.spawn("good", worker(3, "ok"));
    s.spawn("odd", throwsAString());
    s.run();
    expect((s.errors.get("bad") as Error).message).toBe("boom");
    expect(s.errors.get("odd")).toBe("a plain string");
    expect(s.results.get("good")).toBe("ok");
    expect({ "results has bad": s.results.has("bad"), "results has odd": s.results.has("odd") }).toEqual({
      "results has bad": false,
      "results has odd": false,
    });
    expect(s.trace.filter((n) => n === "bad")).toHaveLength(2);
  });
  it("a task may spawn another while the scheduler runs (1 pts)", () => {
    const s = new Scheduler();
    function* parent(): Task {
      s.spawn("child", worker(1, "child done"));
      yield;
      return "parent done";
    }
    s.spawn("parent", parent());
    s.run();
    expect(s.trace).toEqual(["parent", "child", "parent", "child"]);
    expect(s.results.get("child")).toBe("child done");
  });
});
