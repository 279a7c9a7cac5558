// Instructor-only tests for lab 04-primitives: edge cases the README states and the public tests leave out. Graded
// by the instructor's grader and the Gradescope autograder; never handed out with the student edition.
import { describe, expect, it } from "vitest";
import type { Green } from "@target/02-hub/suspend";
import { sleep, spawn } from "@target/03-cancellation/greenthread";
import { Event } from "@target/04-primitives/event";
import { GreenPile } from "@target/04-primitives/greenpile";
import { GreenPool } from "@target/04-primitives/greenpool";
import { Empty, LightQueue, Queue } from "@target/04-primitives/queue";
import { Semaphore } from "@target/04-primitives/semaphore";
import { TIMED_OUT, WaitQueue } from "@target/04-primitives/waiters";
import { now, returnsAfter, run } from "../support/hub";

describe("task 1: WaitQueue", () => {
  it("a thread woken before its deadline leaves no alarm behind (1 pts)", () => {
    const { result, time } = run(function* () {
      const line = new WaitQueue();
      const second = new WaitQueue();
      const g = spawn(function* () {
        const first = yield* line.park(undefined, 1_000);
        // Parked again, on another line and without a deadline: only main wakes it, at 2000. An alarm of the first
        // park that leave did not cancel would wake it here at 1000, with TIMED_OUT.
        const then = yield* second.park(undefined);
        return [first, then === TIMED_OUT ? "TIMED_OUT" : then, now()];
      });
      yield* sleep(10);
      line.wakeOne("early");
      yield* sleep(1_990);
      second.wakeOne("second");
      return yield* g.wait();
    });
    expect(result, "[the first park's value, the second park's value, when the second park returned]").toEqual(["early", "second", 2_000]);
    expect(time).toBe(2_000);
  });

  it("a killed waiter leaves the line: wakeAll does not count it, and length drops (1 pts)", () => {
    const { result } = run(function* () {
      const line = new WaitQueue();
      const ws = [0, 1, 2].map(() =>
        spawn(function* () {
          yield* line.park(undefined);
        }),
      );
      yield* sleep(0);
      const before = line.length;
      yield* ws[1].kill();
      return [before, line.length, line.wakeAll(), line.length];
    });
    expect(result).toEqual([3, 2, 2, 0]);
  });
});

describe("task 2: Event", () => {
  it("wait(ms) returns the value when it is sent in time; a failed event can be reset and sent again (1 pts)", () => {
    const { result } = run(function* () {
      const ev = new Event<string>();
      const g = spawn(function* () {
        return yield* ev.wait(100);
      });
      yield* sleep(30);
      ev.send("in time");
      const first = [yield* g.wait(), now()];
      ev.reset();
      ev.sendError(new Error("broken"));
      let error = "";
      try {
        yield* ev.wait();
      } catch (e) {
        error = (e as Error).message;
      }
      ev.reset();
      ev.send("again");
      return [first, error, yield* ev.wait()];
    });
    expect(result).toEqual([["in time", 30], "broken", "again"]);
  });
});

describe("task 3: Semaphore", () => {
  it("a release with a waiter hands the permit over: the counter never goes up (1 pts)", () => {
    const { result } = run(function* () {
      const sem = new Semaphore(0);
      const g = spawn(function* () {
        const got = yield* sem.acquire();
        return [got, now()];
      });
      yield* sleep(15);
      sem.release();
      const counter = sem.counter; // handed over, not stored
      const newcomer = sem.tryAcquire();
      return [counter, newcomer, yield* g.wait()];
    });
    expect(result).toEqual([0, false, [true, 15]]);
  });
});

describe("task 4: queues", () => {
  it("putNowait on a rendezvous queue succeeds when a getter waits, and fails otherwise (1 pts)", () => {
    const { result } = run(function* () {
      const q = new LightQueue<string>(0);
      let refused = "";
      try {
        q.putNowait("nobody there");
      } catch (e) {
        refused = (e as Error).name;
      }
      const getter = spawn(function* () {
        return yield* q.get();
      });
      yield* sleep(0);
      q.putNowait("handed over");
      return [refused, yield* getter.wait(), q.qsize()];
    });
    expect(result).toEqual(["Full", "handed over", 0]);
  });

  it("get with a timeout on an empty rendezvous queue throws Empty; join returns at once with nothing unfinished (1 pts)", () => {
    const { result } = run(function* () {
      const q = new Queue<number>(0);
      let error = "";
      try {
        yield* q.get(15);
      } catch (e) {
        error = e instanceof Empty ? `Empty at ${now()}` : String(e);
      }
      const t0 = now();
      yield* q.join();
      return [error, now() - t0];
    });
    expect(result).toEqual(["Empty at 15", 0]);
  });

  it("taskDone wakes every joiner at once (1 pts)", () => {
    const { result } = run(function* () {
      const q = new Queue<string>();
      yield* q.put("job");
      const joined: string[] = [];
      for (const name of ["a", "b"]) {
        spawn(function* () {
          yield* q.join();
          joined.push(`${name} at ${now()}`);
        });
      }
      yield* sleep(0);
      yield* q.get();
      yield* sleep(20);
      q.taskDone();
      yield* sleep(0);
      return joined;
    });
    expect(result).toEqual(["a at 20", "b at 20"]);
  });
});

describe("task 5: GreenPool", () => {
  it("a pool of size 0 runs nothing until a resize gives it a slot (1 pts)", () => {
    const { result } = run(function* () {
      const pool = new GreenPool(0);
      const spawner = spawn(function* () {
        const g = yield* pool.spawn(returnsAfter, 5, "ran");
        return [now(), yield* g.wait()];
      });
      yield* sleep(40);
      const waiting = pool.waiting();
      pool.resize(1);
      return [waiting, yield* spawner.wait()];
    });
    expect(result).toEqual([1, [40, "ran"]]);
  });

  it("waitall returns when every thread has ended, failed ones included (1 pts)", () => {
    const { result, reports } = run(function* () {
      const pool = new GreenPool(4);
      yield* pool.spawn(returnsAfter, 10, "ok");
      yield* pool.spawn(function* crashes(): Green<void> {
        yield* sleep(25);
        throw new Error("crashed");
      });
      yield* pool.waitall();
      return [now(), pool.running(), pool.free()];
    });
    expect(result).toEqual([25, 0, 4]);
    expect(reports).toEqual(["crashes-2: crashed"]);
  });
});

describe("task 6: GreenPile", () => {
  it("a pile on a full pool counts a job before it gets a slot, so next() waits for it (1 pts)", () => {
    const { result } = run(function* () {
      // The pool's only slot is busy with a job that is not the pile's, so the pile's one job is still waiting for
      // it when next() is called: counted only once it has a slot, next() would say done with a result on its way.
      const pool = new GreenPool(1);
      yield* pool.spawn(returnsAfter, 10, "not the pile's");
      const pile = new GreenPile<string>(pool);
      spawn(function* () {
        yield* pile.spawn(returnsAfter, 10, "second"); // waits for the pool's only slot
      });
      yield* sleep(0);
      const got: string[] = [];
      for (let r = yield* pile.next(); !r.done; r = yield* pile.next()) got.push(`${r.value} at ${now()}`);
      const stillDone = (yield* pile.next()).done;
      return [got, stillDone];
    });
    expect(result).toEqual([["second at 20"], true]);
  });

});
