// Grading tests for lab 02-hub: the timer heap, the run queue, the hub's loop, time, errors at yield
// points, and the real clock. Everything but the last group runs on the virtual clock: instant, repeatable.
import { describe, expect, it, vi } from "vitest";
import { getCurrent, runReal, runVirtual, sleep, spawn, spawnAfter, spawnN } from "@target/02-hub/green";
import { Greenlet } from "@target/02-hub/greenlet";
import { Timer, TimerHeap } from "@target/02-hub/heap";
import { DeadlockError, getHub, Hub } from "@target/02-hub/hub";
import { RealBackend } from "@target/02-hub/real";
import { RingQueue } from "@target/02-hub/ring";
import { PARK, SWITCH, type Green } from "@target/02-hub/suspend";
import { VirtualBackend } from "@target/02-hub/virtual";

/** A small deterministic random generator, so a failing test fails the same way every time. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

const noop = (): void => {};

describe("task 1: TimerHeap", () => {
  it("pops timers in deadline order, whatever order they were pushed in (1 pts)", () => {
    const heap = new TimerHeap();
    const rand = lcg(42);
    const deadlines: number[] = [];
    for (let i = 0; i < 300; i++) {
      const d = Math.floor(rand() * 1000);
      deadlines.push(d);
      heap.push(new Timer(d, i, noop, heap));
    }
    expect(heap.size).toBe(300);
    const popped: number[] = [];
    for (let t = heap.pop(); t; t = heap.pop()) popped.push(t.deadline);
    expect(popped).toEqual([...deadlines].sort((a, b) => a - b));
    expect(heap.size).toBe(0);
  });

  it("pops timers with equal deadlines in the order they were created (1 pts)", () => {
    const heap = new TimerHeap();
    for (const seq of [3, 0, 4, 1, 2]) heap.push(new Timer(10, seq, noop, heap));
    const order: number[] = [];
    for (let t = heap.pop(); t; t = heap.pop()) order.push(t.seq);
    expect(order).toEqual([0, 1, 2, 3, 4]);
  });

  it("removes a cancelled timer from anywhere and keeps the others in order (1 pts)", () => {
    const heap = new TimerHeap();
    const rand = lcg(7);
    const timers = Array.from({ length: 200 }, (_, i) => new Timer(Math.floor(rand() * 500), i, noop, heap));
    for (const t of timers) heap.push(t);
    const cancelled = timers.filter((_, i) => i % 3 === 0);
    for (const t of cancelled) expect(t.cancel()).toBe(true);
    expect(cancelled.every((t) => !t.pending && t.index === -1)).toBe(true);
    expect(cancelled[0].cancel()).toBe(false); // cancelling twice does nothing
    expect(heap.size).toBe(200 - cancelled.length);
    const kept = timers.filter((_, i) => i % 3 !== 0);
    const popped: Timer[] = [];
    for (let t = heap.pop(); t; t = heap.pop()) popped.push(t);
    const byTime = (a: Timer, b: Timer) => a.deadline - b.deadline || a.seq - b.seq;
    expect(popped).toEqual([...kept].sort(byTime));
  });

  it("peek shows the earliest timer without removing it; pop on an empty heap gives undefined (1 pts)", () => {
    const heap = new TimerHeap();
    expect(heap.pop()).toBeUndefined();
    const late = new Timer(50, 0, noop, heap);
    const early = new Timer(5, 1, noop, heap);
    heap.push(late);
    heap.push(early);
    expect(heap.peek()).toBe(early);
    expect(heap.size).toBe(2);
    expect(heap.pop()).toBe(early);
    expect(early.pending).toBe(false);
    expect(late.pending).toBe(true);
  });
});

describe("task 2: RingQueue", () => {
  it("shifts items in the order they were pushed, counts them, and gives undefined when empty (1 pts)", () => {
    const q = new RingQueue<string>();
    expect(q.shift()).toBeUndefined();
    for (const s of ["a", "b", "c"]) q.push(s);
    expect(q.length).toBe(3);
    expect([q.shift(), q.shift()]).toEqual(["a", "b"]);
    expect(q.length).toBe(1);
    expect(q.shift()).toBe("c");
    expect(q.shift()).toBeUndefined();
  });

  it("grows past its capacity and keeps the order, also after wrapping around (1 pts)", () => {
    const q = new RingQueue<number>(4);
    let next = 0;
    let expected = 0;
    for (let round = 0; round < 50; round++) {
      for (let i = 0; i < 3 + (round % 7); i++) q.push(next++);
      for (let i = 0; i < 2 + (round % 5) && q.length > 0; i++) expect(q.shift()).toBe(expected++);
    }
    while (q.length > 0) expect(q.shift()).toBe(expected++);
    expect(expected).toBe(next);
  });
});

describe("task 3: the hub's loop", () => {
  it("runVirtual returns what main returns (1 pts)", () => {
    expect(runVirtual(function* () {
      return 42;
    }).result).toBe(42);
  });

  it("spawned threads start only when the spawner yields, in the order they were spawned (1 pts)", () => {
    const trace: string[] = [];
    runVirtual(function* () {
      function* worker(name: string): Green<void> {
        trace.push(name);
      }
      spawn(worker, "a");
      spawn(worker, "b");
      trace.push("main before yield");
      yield* sleep(0);
      trace.push("main after yield");
    });
    expect(trace).toEqual(["main before yield", "a", "b", "main after yield"]);
  });

  it("spawn refuses a function that is not a generator function, with a TypeError that says so (1 pts)", () => {
    const { result } = runVirtual(function* () {
      const plain = (() => 42) as unknown as () => Green<number>;
      try {
        spawn(plain);
        return "spawned";
      } catch (e) {
        return `${(e as Error).name}: ${(e as Error).message}`;
      }
    });
    expect(result).toMatch(/^TypeError: .*needs a generator/);
  });

  it("sleep(0) lets every other runnable thread run once (2 pts)", () => {
    const trace: string[] = [];
    const { time } = runVirtual(function* () {
      function* worker(name: string, n: number): Green<string> {
        for (let i = 0; i < n; i++) {
          trace.push(`${name}${i}`);
          yield* sleep(0);
        }
        return name;
      }
      const threads = [spawn(worker, "a", 3), spawn(worker, "b", 1), spawn(worker, "c", 2)];
      while (!threads.every((g) => g.dead)) yield* sleep();
      return threads.map((g) => g.result);
    });
    expect(trace).toEqual(["a0", "b0", "c0", "a1", "c1", "a2"]);
    expect(time).toBe(0); // yielding takes no time
  });

  it("keeps a thread's result and error on its greenlet (1 pts)", () => {
    runVirtual(function* () {
      const ok = spawn(function* () {
        return "fine";
      });
      const bad = spawn(function* (): Green<void> {
        throw new Error("boom");
      });
      bad.onExit(noop); // someone is listening: not reported
      expect(ok.started).toBe(false);
      yield* sleep(0);
      expect([ok.dead, ok.failed, ok.result]).toEqual([true, false, "fine"]);
      expect([bad.dead, bad.failed, (bad.error as Error).message]).toEqual([true, true, "boom"]);
    });
  });

  it("rethrows from runVirtual what main threw (1 pts)", () => {
    expect(() =>
      runVirtual(function* (): Green<void> {
        yield* sleep(0);
        throw new RangeError("main failed");
      }),
    ).toThrow(RangeError);
  });

  it("runs a parked thread again only when resumed, with the value it was resumed with (1 pts)", () => {
    const { result } = runVirtual(function* () {
      const hub = getHub();
      const got: unknown[] = [];
      const waiter = spawn(function* () {
        got.push(yield PARK);
      });
      yield* sleep(0); // the waiter parks
      yield* sleep(0);
      expect(waiter.state).toBe("parked");
      expect(hub.resume(waiter, "hello")).toBe(true);
      expect(hub.resume(waiter, "again")).toBe(false); // not parked any more: the first wake-up wins
      yield* sleep(0);
      return got;
    });
    expect(result).toEqual(["hello"]);
  });

  it("getCurrent returns the running thread, and no thread is current in an onExit listener; getHub refuses outside a hub (1 pts)", () => {
    const inListeners: unknown[] = [];
    const { result } = runVirtual(function* () {
      const me = getCurrent();
      let seen: Greenlet | undefined;
      const child = spawn(function* () {
        seen = getCurrent();
      });
      // A listener runs on the hub where its thread ended, in no thread: #step sets current back to null first,
      // after a thread that returned and after one that threw.
      child.onExit(() => inListeners.push(getHub().current?.name ?? null));
      const bad = spawn(function* bad(): Green<void> {
        throw new Error("boom");
      });
      bad.onExit(() => inListeners.push(getHub().current?.name ?? null));
      yield* sleep(0);
      return [me.name, seen === child];
    });
    expect(result).toEqual(["main", true]);
    expect(inListeners, "hub.current in the listeners of a thread that returned and of one that threw").toEqual([null, null]);
    expect(() => getHub()).toThrow(/runVirtual/);
  });

  it("reports a failure nobody waits for, with the thread's name (1 pts)", () => {
    const reports: string[] = [];
    runVirtual(
      function* () {
        spawnN(function* exploding(): Green<void> {
          throw new Error("lost?");
        });
        yield* sleep(0);
      },
      { report: (g, e) => reports.push(`${g?.name}: ${(e as Error).message}`) },
    );
    expect(reports).toEqual(["exploding-1: lost?"]);
    const spy = vi.spyOn(console, "error").mockImplementation(noop);
    try {
      runVirtual(function* () {
        spawnN(function* quiet(): Green<void> {
          throw new Error("printed");
        });
        yield* sleep(0);
      });
      expect(spy.mock.calls.join(" ")).toMatch(/quiet-1.*printed/s);
    } finally {
      spy.mockRestore();
    }
  });
});

describe("task 4: time", () => {
  it("wakes sleepers in deadline order and moves the virtual clock to each deadline; one resumed early is not woken again by its alarm (1 pts)", () => {
    const trace: string[] = [];
    const { time } = runVirtual(function* () {
      const hub = getHub();
      function* sleeper(name: string, ms: number): Green<void> {
        yield* sleep(ms);
        trace.push(`${name}@${hub.now()}`);
      }
      spawn(sleeper, "slow", 300);
      spawn(sleeper, "fast", 100);
      spawn(sleeper, "mid", 250);
      const early = spawn(function* (): Green<void> {
        yield* sleep(200);
        trace.push(`early@${hub.now()}`);
        // It goes on to wait for something else: an alarm its sleep left behind would resume it at 200.
        yield PARK;
        trace.push(`early woken again@${hub.now()}`);
      });
      yield* sleep(50);
      expect(hub.resume(early)).toBe(true); // a wake-up before its alarm: the sleep ends here
      yield* sleep(950);
    });
    expect(trace).toEqual(["early@50", "fast@100", "mid@250", "slow@300"]);
    expect(time).toBe(1000);
  });

  it("wakes sleepers with the same deadline in the order they went to sleep (1 pts)", () => {
    const trace: number[] = [];
    runVirtual(function* () {
      for (let i = 0; i < 5; i++) {
        spawn(function* () {
          yield* sleep(50);
          trace.push(i);
        });
      }
      yield* sleep(100);
    });
    expect(trace).toEqual([0, 1, 2, 3, 4]);
  });

  it("spawnAfter starts a thread after its delay unless it is no longer new by then, and the program runs no longer than its last event (1 pts)", () => {
    const reports: string[] = [];
    let calledOffRan = false;
    let calledOff: Greenlet | undefined;
    const { result, time } = runVirtual(function* () {
      const hub = getHub();
      // Ended before its delay (what chapter 03's kill does): its timer must neither start it nor try to.
      calledOff = spawnAfter(100, function* () {
        calledOffRan = true;
      });
      calledOff.onExit(noop);
      calledOff.finish(undefined, new Error("called off"));
      let startedAt = -1;
      const g = spawnAfter(
        500,
        function* (x: number) {
          startedAt = hub.now();
          return x * 2;
        },
        21,
      );
      yield* sleep(499);
      expect(g.started).toBe(false);
      yield* sleep(2);
      return [startedAt, g.result];
    }, { report: (g, e) => reports.push(`${g?.name ?? "a timer callback"}: ${e instanceof Error ? e.message : String(e)}`) });
    expect(result).toEqual([500, 42]);
    expect(time).toBe(501);
    // A timer that called start on it anyway makes start throw, and the hub reports that error.
    expect({ ran: calledOffRan, started: calledOff!.started, reports }).toEqual({ ran: false, started: false, reports: [] });
  });

  it("runs a scheduled callback at its time, in no thread, unless it is cancelled first; one that throws is reported and the loop goes on (1 pts)", () => {
    const fired: string[] = [];
    const reports: string[] = [];
    const run = (): unknown =>
      runVirtual(
        function* () {
          const hub = getHub();
          // In no thread: hub.current is null (getCurrent() throws), though main was the last to run (it parked).
          hub.schedule(10, () => fired.push(`a@${hub.now()} in ${hub.current === null ? "no thread" : hub.current.name}`));
          const b = hub.schedule(20, () => fired.push("b"));
          hub.schedule(25, () => {
            throw new Error("callback broke");
          });
          hub.schedule(30, () => fired.push(`c@${hub.now()}`));
          hub.schedule(40, (who: string) => fired.push(`${who}@${hub.now()}`), "d"); // the callback gets its argument
          yield* sleep(15);
          expect(b.cancel()).toBe(true);
          yield* sleep(100);
        },
        { report: (g, e) => reports.push(`${g === null ? "null" : g.name}: ${e instanceof Error ? e.message : String(e)}`) },
      );
    expect(run).not.toThrow(); // a callback's error goes to report(null, error), not out of the loop
    expect(fired).toEqual(["a@10 in no thread", "c@30", "d@40"]);
    expect(reports).toEqual(["null: callback broke"]);
  });

  it("ends with a DeadlockError when main waits and nothing can wake it (1 pts)", () => {
    expect(() =>
      runVirtual(function* () {
        yield PARK; // nobody will resume main
      }),
    ).toThrow(DeadlockError);
    // Main dies of it (main.finish): the loop ends because main is dead, and nothing is thrown out of hub.run.
    const hub = new Hub(new VirtualBackend());
    const main = new Greenlet(hub, (function* (): Green<void> {
      yield PARK;
    })(), "main");
    expect(() => hub.run(main)).not.toThrow();
    expect([main.dead, main.error instanceof DeadlockError]).toEqual([true, true]);
  });

  it("sleeps an hour of virtual time instantly, from the start time given (1 pts)", () => {
    const { time } = runVirtual(
      function* () {
        for (let i = 0; i < 60; i++) yield* sleep(60_000);
      },
      { start: 1_000 },
    );
    expect(time).toBe(1_000 + 3_600_000);
  });
});

describe("task 5: errors at yield points", () => {
  it("throws into a sleeping thread at its sleep, runs its finally, and cancels its alarm (1 pts)", () => {
    const trace: string[] = [];
    const { time } = runVirtual(function* () {
      const hub = getHub();
      const sleeper = spawn(function* (): Green<void> {
        try {
          yield* sleep(100);
          trace.push("woke normally");
        } catch (e) {
          trace.push(`caught ${(e as Error).message}@${hub.now()}`);
        } finally {
          trace.push(`finally@${hub.now()}`);
        }
        // It goes on to wait for something else: an alarm its sleep left behind would resume it at 100.
        yield PARK;
        trace.push(`resumed@${hub.now()}`);
      });
      sleeper.onExit(noop);
      yield* sleep(30);
      expect(hub.throwInto(sleeper, new Error("wake up"))).toBe(true);
      yield* sleep(200); // past the sleep's deadline
      expect(hub.throwInto(sleeper, new Error("stop"))).toBe(true);
      yield* sleep(0);
      expect(sleeper.failed && (sleeper.error as Error).message).toBe("stop");
      expect(hub.throwInto(sleeper, new Error("again"))).toBe(false); // dead: nothing to do
    });
    expect(trace).toEqual(["caught wake up@30", "finally@30"]); // no "resumed@100": the alarm was cancelled
    expect(time).toBe(230);
  });

  it("an error thrown into a thread that never started means its body never runs, and it dies at its turn (1 pts)", () => {
    let ran = false;
    let diedAt = -1;
    runVirtual(function* () {
      const hub = getHub();
      const g = spawn(function* () {
        ran = true;
      });
      g.onExit(noop);
      hub.throwInto(g, new Error("never mind"));
      yield* sleep(0);
      expect(g.failed).toBe(true);
      // A new thread that waits for its spawnAfter delay is in no queue: throwInto must not enqueue it (only a
      // parked one), so it stays "new" until its timer starts it at 50, and the error ends it then.
      const later = spawnAfter(50, function* () {
        ran = true;
      });
      later.onExit(() => (diedAt = hub.now()));
      expect(hub.throwInto(later, new Error("never mind"))).toBe(true);
      expect(later.state).toBe("new");
      yield* sleep(100);
    });
    expect(ran).toBe(false);
    expect(diedAt).toBe(50);
  });

  it("a woken thread gets its value first and the error at its next yield (a PARK too), in its own turn; one error at a time (1 pts)", () => {
    const { result } = runVirtual(function* () {
      const hub = getHub();
      const got: unknown[] = [];
      const g = spawn(function* () {
        try {
          got.push(yield PARK);
          got.push("ran on");
          yield* sleep(0);
          got.push("not reached");
        } catch (e) {
          got.push((e as Error).message);
        }
        // The running thread can take back an error it was given and has not received yet.
        const e = new Error("retracted");
        hub.throwInto(getCurrent(), e);
        got.push(hub.retract(getCurrent(), e));
        yield* sleep(0);
        got.push("still alive");
        // An error on the way when the thread yields PARK is delivered there too: it must not park.
        hub.throwInto(getCurrent(), new Error("at the park"));
        try {
          yield PARK;
          got.push("woken from the park");
        } catch (e) {
          got.push((e as Error).message);
        }
      });
      yield* sleep(0);
      hub.resume(g, "the item");
      // g is runnable (in the queue once): throwInto must not queue it a second time.
      expect(hub.throwInto(g, new Error("late error"))).toBe(true);
      expect(hub.throwInto(g, new Error("second"))).toBe(false);
      yield* sleep(0);
      got.push("main's turn"); // g had one turn, not two, before main's
      for (let turns = 0; turns < 20 && !g.dead; turns++) yield* sleep(0); // bounded: a parked g never ends
      return [...got, g.dead ? "g ended" : `g is ${g.state}`];
    });
    expect(result).toEqual(["the item", "ran on", "main's turn", "late error", true, "still alive", "at the park", "g ended"]);
  });

  it("a final error replaces the one on its way, and a later ordinary error does not replace it (1 pts)", () => {
    const { result } = runVirtual(function* () {
      const hub = getHub();
      const g = spawn(function* (): Green<string> {
        try {
          yield PARK;
          return "woke";
        } catch (e) {
          return (e as Error).message;
        }
      });
      g.onExit(noop);
      yield* sleep(0);
      const first = hub.throwInto(g, new Error("first")); // nothing was on the way: taken
      const replaced = hub.throwInto(g, new Error("final"), true);
      const after = hub.throwInto(g, new Error("too late"));
      yield* sleep(0);
      return [first, replaced, after, g.result];
    });
    expect(result).toEqual([true, true, false, "final"]);
  });

  it("yield hub.switchTo(g, error) runs a parked g at once with the error; the caller, queued first, runs after the others; an error on the caller's way does not lose the switch (1 pts)", () => {
    const trace: string[] = [];
    runVirtual(function* () {
      const hub = getHub();
      const victim = spawn(function* (): Green<void> {
        try {
          yield* sleep(1_000);
        } finally {
          trace.push("victim's finally");
          yield* sleep(0); // queued behind the caller: #switch queued the caller before it ran the victim
          trace.push("victim's second step");
          yield* sleep(0); // and queued once: one turn a pass, like every thread
          trace.push("victim's last step");
        }
      });
      victim.onExit(noop);
      yield* sleep(0); // the victim is parked in its sleep now
      spawn(function* (): Green<void> {
        trace.push("bystander");
      });
      trace.push("switching");
      const trap = hub.switchTo(victim, new Error("stop"));
      expect(trap).toBe(SWITCH);
      yield trap;
      trace.push("back");
      yield* sleep(0);
      trace.push("main again");
      yield* sleep(0);
      trace.push(`victim dead: ${victim.dead}`);
      // The caller has an error of its own on the way when it switches: the victim still gets its error at once,
      // and the caller gets its own at that yield.
      const second = spawn(function* (): Green<void> {
        try {
          yield* sleep(1_000);
        } finally {
          trace.push("second victim's finally");
        }
      });
      second.onExit(noop);
      yield* sleep(0);
      hub.throwInto(getCurrent(), new Error("mine"));
      try {
        yield hub.switchTo(second, new Error("stop"));
        trace.push("no error");
      } catch (e) {
        trace.push(`caught ${(e as Error).message}, second victim dead: ${second.dead}`);
      }
    });
    expect(trace).toEqual([
      "switching",
      "victim's finally",
      "bystander",
      "back",
      "victim's second step",
      "main again",
      "victim's last step",
      "victim dead: true",
      "second victim's finally",
      "caught mine, second victim dead: true",
    ]);
  });
});

describe("task 6: the real clock", () => {
  it("runReal runs sleepers on Node's clock in deadline order and resolves with main's result (1 pts)", async () => {
    const trace: string[] = [];
    const result = await runReal(function* () {
      function* sleeper(name: string, ms: number): Green<void> {
        yield* sleep(ms);
        trace.push(name);
      }
      spawn(sleeper, "b", 8);
      spawn(sleeper, "a", 2);
      yield* sleep(15);
      return "done";
    });
    expect(result).toBe("done");
    expect(trace).toEqual(["a", "b"]);
  });

  it("runReal rejects with what main threw (1 pts)", async () => {
    await expect(
      runReal(function* (): Green<void> {
        yield* sleep(1);
        throw new Error("real failure");
      }),
    ).rejects.toThrow("real failure");
  });

  it("gives Node's event loop a turn while threads are busy, and wakes when a Node callback resumes or starts a thread; wake calls back once, and idle(Infinity) sets no timer (1 pts)", async () => {
    const trace: string[] = [];
    let guard: ReturnType<typeof setTimeout> | undefined;
    const outcome = await Promise.race([
      runReal(
        function* () {
          const hub = getHub();
          let immediateRan = false;
          setImmediate(() => (immediateRan = true));
          // Busy: always runnable, never sleeping. The hub must still let Node run the immediate.
          while (!immediateRan) yield* sleep(0);
          trace.push("immediate ran");
          const me = getCurrent();
          setTimeout(() => hub.resume(me, "from node"), 5);
          trace.push(String(yield PARK));
          // The hub sleeps with no deadline again; a Node callback starts a thread (start must call wake()).
          setTimeout(() => {
            const helper = new Greenlet(hub, (function* (): Green<void> {
              hub.resume(me, "from a thread started by node");
            })(), "helper");
            hub.start(helper);
          }, 5);
          trace.push(String(yield PARK));
          return "main ended";
        },
        { slice: 1 },
      ),
      new Promise<string>((resolve) => {
        guard = setTimeout(() => resolve("the hub never woke up for main (do resume and start call backend.wake()?)"), 1_000);
      }),
    ]);
    clearTimeout(guard);
    expect({ outcome, trace }).toEqual({ outcome: "main ended", trace: ["immediate ran", "from node", "from a thread started by node"] });

    // RealBackend on its own: with no deadline it sets no timer (a setTimeout of Infinity fires after 1 ms), and
    // wake() calls back once however often it is called.
    const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
    const backend = new RealBackend();
    let calls = 0;
    expect(backend.idle(Infinity, () => calls++)).toBe("asleep");
    await pause(20);
    const withNoDeadline = calls;
    backend.wake();
    backend.wake();
    backend.wake();
    await pause(20);
    expect({ "calls with no deadline and no wake": withNoDeadline, "calls after three wake()s": calls }).toEqual({
      "calls with no deadline and no wake": 0,
      "calls after three wake()s": 1,
    });
  });
});
