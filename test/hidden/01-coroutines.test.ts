// Instructor-only tests for lab 01-coroutines: edge cases the public tests leave out. Graded by the
// instructor's grader and the Gradescope autograder; never handed out with the student edition.
import { describe, expect, it } from "vitest";
import { countdown, runningTotal, sequence } from "@target/01-coroutines/generators";
import { Scheduler, type Task } from "@target/01-coroutines/scheduler";

function* steps(n: number, result: unknown): Task {
  for (let i = 0; i < n; i++) yield;
  return result;
}

describe("task 1: countdown", () => {
  it("return() stops a countdown early, and it yields nothing after (1 pts)", () => {
    const g = countdown(5);
    expect(g.next().value).toBe(5);
    expect(g.return("stopped")).toEqual({ value: "stopped", done: true });
    expect(g.next()).toEqual({ value: undefined, done: true });
  });
  it("a long countdown yields every number once, in order (1 pts)", () => {
    expect([...countdown(1000)]).toEqual(Array.from({ length: 1000 }, (_, i) => 1000 - i));
  });
});

describe("task 2: runningTotal", () => {
  it("a value sent with the first next() is dropped (1 pts)", () => {
    const t = runningTotal();
    expect(t.next(99 as never).value).toBe(0);
    expect(t.next(1).value).toBe(1);
  });
  it("adds fractions and negatives exactly as numbers add (1 pts)", () => {
    const t = runningTotal();
    t.next();
    t.next(0.5);
    t.next(-2);
    expect(t.next(0.25).value).toBe(-1.25);
  });
});

describe("task 3: sequence", () => {
  it("no parts: yields nothing and returns 0 (1 pts)", () => {
    const g = sequence<string>([]);
    expect(g.next()).toEqual({ value: 0, done: true });
  });
  it("pulls each part only when the one before it has finished (1 pts)", () => {
    const started: string[] = [];
    function* part(label: string): Generator<string, number, unknown> {
      started.push(label);
      yield label;
      return 1;
    }
    // Log when each part is taken from parts, not only when its body starts: reading every part up front
    // ([...parts]) makes both generators before a's body runs, and only the log of taking them shows it.
    function* parts(): Generator<Generator<string, number, unknown>> {
      started.push("take a");
      yield part("a");
      started.push("take b");
      yield part("b");
    }
    const g = sequence(parts());
    g.next();
    expect(started).toEqual(["take a", "a"]);
    g.next();
    expect(started).toEqual(["take a", "a", "take b", "b"]);
  });
});

describe("task 4: Scheduler.run", () => {
  it("with no tasks, run() returns at once and records nothing (1 pts)", () => {
    const s = new Scheduler();
    s.run();
    expect(s.trace).toEqual([]);
    expect(s.results.size + s.errors.size).toBe(0);
  });
  it("a task that throws before its first yield runs once and its error is kept (1 pts)", () => {
    function* early(): Task {
      throw new Error("at once");
    }
    const s = new Scheduler();
    s.spawn("early", early());
    s.spawn("fine", steps(1, "ok"));
    s.run();
    expect(s.trace).toEqual(["early", "fine", "fine"]);
    expect((s.errors.get("early") as Error).message).toBe("at once");
    expect(s.results.get("fine")).toBe("ok");
  });
  it("keeps an undefined result as a result, not as missing (1 pts)", () => {
    const s = new Scheduler();
    s.spawn("quiet", steps(0, undefined));
    s.run();
    expect(s.results.has("quiet")).toBe(true);
  });
  it("a second run() goes on with tasks spawned after the first finished (1 pts)", () => {
    const s = new Scheduler();
    s.spawn("one", steps(1, 1));
    s.run();
    s.spawn("two", steps(1, 2));
    s.run();
    expect(s.trace).toEqual(["one", "one", "two", "two"]);
    expect(Object.fromEntries(s.results)).toEqual({ one: 1, two: 2 });
  });
});
