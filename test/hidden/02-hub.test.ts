// Instructor-only tests for lab 02-hub: edge cases the README states and the public tests leave out. Graded by the
// instructor's grader and the Gradescope autograder; never handed out with the student edition.
import { describe, expect, it } from "vitest";
import { getCurrent, runReal, runVirtual, sleep, spawn, spawnAfter } from "@target/02-hub/green";
import { Greenlet } from "@target/02-hub/greenlet";
import { Timer, TimerHeap } from "@target/02-hub/heap";
import { getHub } from "@target/02-hub/hub";
import { RingQueue } from "@target/02-hub/ring";
import { PARK, type Green, type Suspend } from "@target/02-hub/suspend";

const noop = (): void => {};

/** A small deterministic random generator: the seed is fixed and printed in the test's name. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

describe("task 1: TimerHeap", () => {
  it("keeps every index right through random pushes, removals and pops (seed 20260202) (1 pts)", () => {
    const random = lcg(20260202);
    const heap = new TimerHeap();
    const live = new Set<Timer>();
    let seq = 0;
    for (let round = 0; round < 400; round++) {
      const r = random();
      if (r < 0.5 || live.size === 0) {
        const t = new Timer(Math.floor(random() * 50), seq++, noop, heap);
        heap.push(t);
        live.add(t);
      } else if (r < 0.8) {
        const victims = [...live];
        const t = victims[Math.floor(random() * victims.length)];
        expect(t.cancel()).toBe(true);
        expect([t.index, t.cancel()]).toEqual([-1, false]); // gone, and a second cancel does nothing
        live.delete(t);
      } else {
        const t = heap.pop()!;
        const earliest = [...live].every((o) => o.deadline > t.deadline || (o.deadline === t.deadline && o.seq >= t.seq));
        expect(earliest).toBe(true);
        expect(t.index).toBe(-1);
        live.delete(t);
      }
      expect(heap.size).toBe(live.size);
    }
    let last = -Infinity;
    for (let t = heap.pop(); t !== undefined; t = heap.pop()) {
      expect(t.deadline).toBeGreaterThanOrEqual(last);
      last = t.deadline;
    }
  });
});

describe("task 2: RingQueue", () => {
  it("a queue of capacity 1 grows many times while items wrap around, and keeps their order (1 pts)", () => {
    const q = new RingQueue<number>(1);
    const expected: number[] = [];
    let next = 0;
    for (let round = 0; round < 50; round++) {
      for (let i = 0; i < 3; i++) {
        q.push(next);
        expected.push(next++);
      }
      expect(q.shift()).toBe(expected.shift());
      expect(q.length).toBe(expected.length);
    }
    const rest: (number | undefined)[] = [];
    while (q.length > 0) rest.push(q.shift());
    expect(rest).toEqual(expected);
    expect(q.shift()).toBeUndefined();
  });
});

describe("task 3: the loop", () => {
  it("start refuses a greenlet that was started before (1 pts)", () => {
    const { result } = runVirtual(function* () {
      const g = spawn(function* () {});
      yield* sleep(0);
      try {
        getHub().start(g);
        return "started again";
      } catch (e) {
        return e instanceof Error ? "refused" : String(e);
      }
    });
    expect(result).toBe("refused");
  });

  it("a thread that yields something that is not a trap gets a TypeError at that yield, and can go on (1 pts)", () => {
    const { result } = runVirtual(function* () {
      const g = spawn(function* (): Green<string> {
        try {
          yield "nap" as unknown as Suspend;
          return "no error";
        } catch (e) {
          yield* sleep(1);
          return e instanceof TypeError ? "TypeError, then slept" : String(e);
        }
      });
      g.onExit(noop);
      yield* sleep(5);
      return g.result;
    });
    expect(result).toBe("TypeError, then slept");
  });

  it("spawn of an async function fails at once with a TypeError, and the hub goes on (1 pts)", () => {
    const { result } = runVirtual(function* () {
      const asyncFn = (async () => 1) as unknown as () => Green<number>;
      let message = "";
      try {
        spawn(asyncFn);
      } catch (e) {
        message = e instanceof TypeError ? e.message : String(e);
      }
      const fine = spawn(function* () {
        return "still fine";
      });
      fine.onExit(noop);
      yield* sleep(0);
      return [message.includes("needs a generator"), fine.result, fine instanceof Greenlet];
    });
    expect(result).toEqual([true, "still fine", true]);
  });
});

describe("task 4: time", () => {
  it("schedule with a negative or NaN delay runs the callback at the next pass, in scheduling order (1 pts)", () => {
    const trace: string[] = [];
    const { time } = runVirtual(
      function* () {
        const hub = getHub();
        hub.schedule(-5, () => trace.push(`negative at ${hub.now()}`));
        hub.schedule(Number.NaN, () => trace.push(`NaN at ${hub.now()}`));
        yield* sleep(0);
        trace.push("main");
      },
      { start: 100 },
    );
    expect(trace).toEqual(["negative at 100", "NaN at 100", "main"]);
    expect(time).toBe(100);
  });

  it("spawnAfter's timer does not start a thread that is no longer new (1 pts)", () => {
    let ran = false;
    const { result } = runVirtual(function* () {
      const g = spawnAfter(10, function* () {
        ran = true;
      });
      g.onExit(noop);
      g.finish(undefined, new Error("called off")); // what chapter 03's cancel does
      yield* sleep(20);
      return g.started;
    });
    expect(result).toBe(false);
    expect(ran).toBe(false);
  });

  it("a sleep counts from its yield*; one left by return(), or ended before its first step, leaves no alarm (1 pts)", () => {
    const { result, time } = runVirtual(function* () {
      const hub = getHub();
      const me = getCurrent();
      const seen: unknown[] = [];
      const later = sleep(100); // its alarm is set when the thread arrives at it, not here
      yield* sleep(50);
      yield* later;
      seen.push(hub.now());
      // A for…of arrives at the sleep (its first next() sets the alarm) and breaks out: return() ends the sleep.
      for (const trap of sleep(100)) {
        seen.push(trap);
        break;
      }
      // Ended before its first step, by an error or by return(): like a finished generator, it is done for good.
      const early = sleep(50);
      try {
        early.throw(new Error("called off"));
      } catch (e) {
        seen.push((e as Error).message);
      }
      seen.push(early.next().done);
      const returned = sleep(60);
      seen.push(returned.return().done, returned.next().done);
      // Now main waits for something else: an alarm any of those sleeps left behind would wake it first.
      hub.schedule(500, () => hub.resume(me, "the right wake-up")); // at 650
      seen.push(yield PARK);
      seen.push(hub.now());
      return seen;
    });
    expect(result).toEqual([150, PARK, "called off", true, true, true, "the right wake-up", 650]);
    expect(time).toBe(650);
  });
});

describe("task 5: errors at yield points", () => {
  it("retract refuses another thread's error, and an error that is not the one waiting (1 pts)", () => {
    const { result } = runVirtual(function* () {
      const hub = getHub();
      const other = spawn(function* () {
        yield PARK;
      });
      other.onExit(noop);
      yield* sleep(0);
      const e = new Error("for other");
      hub.throwInto(other, e);
      const fromOutside = hub.retract(other, e); // only the running thread may take an error back
      const mine = new Error("mine");
      hub.throwInto(getCurrent(), mine);
      const wrongOne = hub.retract(getCurrent(), new Error("mine"));
      const rightOne = hub.retract(getCurrent(), mine);
      yield* sleep(0);
      return [fromOutside, wrongOne, rightOne, (other.error as Error).message];
    });
    expect(result).toEqual([false, false, true, "for other"]);
  });

  it("a switch to a runnable thread does not run it out of turn, so it never runs twice in a pass (1 pts)", () => {
    const trace: string[] = [];
    runVirtual(function* () {
      const hub = getHub();
      const busy = spawn(function* (): Green<void> {
        for (let i = 0; i < 3; i++) {
          trace.push(`busy ${i}`);
          try {
            yield* sleep(0);
          } catch {
            trace.push("busy caught");
          }
        }
      });
      spawn(function* (): Green<void> {
        for (let i = 0; i < 3; i++) {
          trace.push(`tick ${i}`);
          yield* sleep(0);
        }
      });
      yield* sleep(0); // busy yielded: it is runnable, ahead of main in the queue
      yield hub.switchTo(busy, new Error("stop"));
      trace.push("back");
      yield* sleep(0);
      yield* sleep(0);
    });
    expect(trace).toEqual(["busy 0", "tick 0", "busy caught", "busy 1", "tick 1", "back", "busy 2", "tick 2"]);
  });
});

describe("task 6: the real clock", () => {
  it("a Node callback that schedules a nearer timer wakes a hub asleep with no deadline (1 pts)", async () => {
    let guard: ReturnType<typeof setTimeout> | undefined;
    const outcome = await Promise.race([
      runReal(function* () {
        const hub = getHub();
        const me = getCurrent();
        // The hub sleeps with no timer at all; only schedule's wake() can bring it back.
        setTimeout(() => hub.schedule(1, () => hub.resume(me, "woken by a timer")), 5);
        return (yield PARK) as string;
      }),
      new Promise<string>((resolve) => {
        guard = setTimeout(() => resolve("the hub never woke (does schedule call backend.wake()?)"), 1_000);
      }),
    ]);
    clearTimeout(guard);
    expect(outcome).toBe("woken by a timer");
  });
});
