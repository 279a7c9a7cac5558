// Grading tests for lab 04-primitives: the wait queue, Event, Semaphore, the queues, GreenPool and GreenPile.
// All on the virtual clock; "concurrently" below means interleaved by the hub, in a repeatable order.
import { describe, expect, it } from "vitest";
import type { Green } from "@target/02-hub/suspend";
import { getCurrent, type GreenThread, sleep, spawn } from "@target/03-cancellation/greenthread";
import { Event } from "@target/04-primitives/event";
import { GreenPile } from "@target/04-primitives/greenpile";
import { GreenPool } from "@target/04-primitives/greenpool";
import { LifoQueue, PriorityQueue } from "@target/04-primitives/ordered";
import { Empty, Full, LightQueue, Queue } from "@target/04-primitives/queue";
import { BoundedSemaphore, Semaphore } from "@target/04-primitives/semaphore";
import { TIMED_OUT, WaitQueue } from "@target/04-primitives/waiters";
import { withTimeout } from "@target/03-cancellation/timeout";
import { now, returnsAfter, run } from "./support/hub";

describe("task 1: WaitQueue", () => {
  it("wakes parked threads one at a time, in the order they parked, with the value handed over (2 pts)", () => {
    const { result } = run(function* () {
      const line = new WaitQueue<string>();
      const got: string[] = [];
      for (const name of ["a", "b", "c"]) {
        spawn(function* () {
          got.push(`${name} got ${String(yield* line.park(name))}`);
        });
      }
      yield* sleep(0);
      expect(line.length).toBe(3);
      const first = line.wakeOne(1);
      expect(first?.data).toBe("a");
      yield* sleep(0);
      expect(got).toEqual(["a got 1"]);
      line.wakeOne(2);
      line.wakeOne(3);
      yield* sleep(0);
      expect(line.length).toBe(0);
      return got;
    });
    expect(result).toEqual(["a got 1", "b got 2", "c got 3"]);
  });

  it("park with a deadline returns TIMED_OUT when nobody wakes it, and leaves the line; woken in time, it leaves no alarm behind (1 pts)", () => {
    const { result, time } = run(function* () {
      const line = new WaitQueue();
      const r = yield* line.park(undefined, 40);
      const timedOut = [r === TIMED_OUT, line.length, now()];
      // Woken at 50, before its deadline at 140: leaving the line cancels the alarm, or it would go off at 140 in
      // whatever the thread parks in next (here a sleep until 550), and wake it there with TIMED_OUT.
      const g = spawn(function* () {
        const v = yield* line.park(undefined, 100);
        yield* sleep(500);
        return [v, now()];
      });
      yield* sleep(10);
      line.wakeOne("early");
      expect(yield* g.wait(), "leave() must cancel the waiter's timer: a stale alarm cut the next sleep short").toEqual(["early", 550]);
      return timedOut;
    });
    expect(result).toEqual([true, 0, 40]);
    expect(time).toBe(550);
  });

  it("wakeOne skips threads already woken by their deadline or killed, and returns null when nobody is left (2 pts)", () => {
    const { result } = run(function* () {
      const line = new WaitQueue<string>();
      const got: string[] = [];
      function* waiter(name: string, ms?: number): Green<void> {
        const r = yield* line.park(name, ms);
        got.push(`${name}: ${r === TIMED_OUT ? "timed out" : String(r)}`);
      }
      spawn(waiter, "early", 10);
      const victim = spawn(waiter, "victim");
      spawn(waiter, "patient");
      // Main's alarm is set now, before the three park, so at 10 it rings first: main runs before "early", whose
      // deadline has woken it in the same instant, has left the line.
      yield* sleep(10);
      victim.killSoon(); // "victim" is woken by an error (killSoon: no switch); neither has left the line yet
      const woken = line.wakeOne("value");
      const nobody = line.wakeOne("more");
      yield* sleep(0);
      return [woken?.data, nobody, got];
    });
    expect(result).toEqual(["patient", null, ["early: timed out", "patient: value"]]);
  });

  it("wakeAll wakes every thread in line and says how many, not counting threads already woken by a deadline or a kill (1 pts)", () => {
    const { result } = run(function* () {
      const line = new WaitQueue();
      let woken = 0;
      for (let i = 0; i < 4; i++) {
        spawn(function* () {
          yield* line.park(undefined);
          woken++;
        });
      }
      yield* sleep(0);
      const n = line.wakeAll();
      yield* sleep(0);
      // Three more in line: one whose deadline passes at 10, one killed at 10, one still waiting. Main's alarm is set
      // first, so at 10 main runs before the first two have left the line.
      spawn(function* () {
        yield* line.park(undefined, 10);
      });
      const victim = spawn(function* () {
        yield* line.park(undefined);
      });
      spawn(function* () {
        yield* line.park(undefined);
        woken++;
      });
      yield* sleep(10);
      victim.killSoon();
      const stale = line.wakeAll();
      expect(stale, "wakeAll must count only the threads it woke, not those already woken by their deadline or a kill").toBe(1);
      yield* sleep(0);
      return [n, woken, line.wakeAll()];
    });
    expect(result).toEqual([4, 5, 0]);
  });
});

describe("task 2: Event", () => {
  it("wait returns the value sent, to every waiter, and at once after it was sent (2 pts)", () => {
    const { result } = run(function* () {
      const ev = new Event<string>();
      const got: string[] = [];
      for (const name of ["a", "b"]) {
        spawn(function* () {
          got.push(`${name}: ${yield* ev.wait()} at ${now()}`);
        });
      }
      yield* sleep(30);
      expect(ev.ready()).toBe(false);
      ev.send("ready");
      yield* sleep(0);
      got.push(`late: ${yield* ev.wait()}`);
      return got;
    });
    expect(result).toEqual(["a: ready at 30", "b: ready at 30", "late: ready"]);
  });

  it("send never switches; a second send throws; reset allows another; resetting an unsent event throws (1 pts)", () => {
    const { result } = run(function* () {
      const ev = new Event<number>();
      let ran = false;
      spawn(function* () {
        yield* ev.wait();
        ran = true;
      });
      yield* sleep(0);
      ev.send(1);
      const switched = ran; // still false: the waiter runs at our next yield
      expect(() => ev.send(2)).toThrow(/already sent/);
      ev.reset();
      expect(ev.ready()).toBe(false);
      expect(() => ev.reset()).toThrow();
      ev.send(3);
      return [switched, yield* ev.wait()];
    });
    expect(result).toEqual([false, 3]);
  });

  it("sendError makes every waiter throw that error (1 pts)", () => {
    const { result } = run(function* () {
      const ev = new Event<number>();
      const got: string[] = [];
      for (let i = 0; i < 2; i++) {
        spawn(function* () {
          try {
            yield* ev.wait();
          } catch (e) {
            got.push((e as Error).message);
          }
        });
      }
      yield* sleep(0);
      ev.sendError(new Error("cancelled"));
      yield* sleep(0);
      return [ev.hasError(), got];
    });
    expect(result).toEqual([true, ["cancelled", "cancelled"]]);
  });

  it("wait with a timeout returns undefined when nothing is sent in time (1 pts)", () => {
    const { result, time } = run(function* () {
      const ev = new Event<string>();
      return yield* ev.wait(25);
    });
    expect(result).toBeUndefined();
    expect(time).toBe(25);
  });

  it("a waiter gets the value that was sent even if the event is reset before it runs (1 pts)", () => {
    const { result } = run(function* () {
      const ev = new Event<string>();
      const w = spawn(function* () {
        return yield* ev.wait();
      });
      yield* sleep(0);
      ev.send("first");
      ev.reset();
      return yield* w.wait();
    });
    expect(result).toBe("first");
  });
});

describe("task 3: Semaphore", () => {
  it("lets at most `value` threads hold a permit at once (2 pts)", () => {
    const { result, time } = run(function* () {
      const sem = new Semaphore(2);
      let holding = 0;
      let most = 0;
      function* worker(): Green<void> {
        yield* sem.acquire();
        try {
          most = Math.max(most, ++holding);
          yield* sleep(10);
        } finally {
          holding--;
          sem.release();
        }
      }
      const ws = Array.from({ length: 5 }, () => spawn(worker));
      for (const w of ws) yield* w.wait();
      return [most, sem.counter];
    });
    expect(result).toEqual([2, 2]);
    expect(time).toBe(30);
  });

  it("hands permits out first come, first served; a newcomer cannot barge ahead of waiters (2 pts)", () => {
    const { result } = run(function* () {
      const sem = new Semaphore(1);
      const order: string[] = [];
      yield* sem.acquire();
      for (const name of ["a", "b", "c"]) {
        spawn(function* () {
          yield* sem.acquire();
          order.push(name);
          yield* sleep(5);
          sem.release();
        });
      }
      yield* sleep(0);
      sem.release(); // goes to "a", who is first in line...
      expect(sem.tryAcquire()).toBe(false); // ...so it is not free for us to grab
      spawn(function* () {
        yield* sem.acquire(); // a latecomer queues behind b and c
        order.push("late");
        sem.release();
      });
      yield* sleep(100);
      return order;
    });
    expect(result).toEqual(["a", "b", "c", "late"]);
  });

  it("acquire with a timeout returns false when no permit comes in time, and leaves the line; a release nobody can take keeps its permit (1 pts)", () => {
    const { result } = run(function* () {
      const sem = new Semaphore(0);
      const got = yield* sem.acquire(15);
      const at = now();
      sem.release();
      // The only waiters were woken already — one by its deadline, one by a kill — and are still in line when
      // release runs: it wakes nobody, so the permit goes to the counter instead of being lost.
      const lost = new Semaphore(0);
      spawn(function* () {
        yield* lost.acquire(10);
      });
      const killed = spawn(function* () {
        yield* lost.acquire();
      });
      yield* sleep(10); // main's alarm was set first: at 10 it runs before the timed-out waiter has left the line
      killed.killSoon();
      lost.release();
      expect(lost.counter, "release must count the permit when wakeOne woke nobody (the waiters in line had timed out or been killed)").toBe(1);
      yield* sleep(0);
      return [got, at, sem.counter, sem.balance, lost.counter, lost.balance];
    });
    expect(result).toEqual([false, 15, 1, 1, 1, 1]);
  });

  it("tryAcquire never waits; locked, counter and balance describe the state (1 pts)", () => {
    const { result } = run(function* () {
      const sem = new Semaphore(1);
      const a = sem.tryAcquire();
      const b = sem.tryAcquire();
      spawn(function* () {
        yield* sem.acquire();
      });
      yield* sleep(0);
      return [a, b, sem.locked(), sem.counter, sem.balance];
    });
    expect(result).toEqual([true, false, true, 0, -1]);
  });

  it("a BoundedSemaphore refuses a release past its bound; negative values are refused (1 pts)", () => {
    const { result } = run(function* () {
      const sem = new BoundedSemaphore(2);
      yield* sem.acquire();
      sem.release();
      expect(() => sem.release()).toThrow(RangeError);
      expect(() => sem.release()).toThrow(/Semaphore released too many times/);
      expect(() => new Semaphore(-1)).toThrow(RangeError);
      const plain = new Semaphore(1);
      plain.release(); // a plain Semaphore does not mind
      return [sem.counter, plain.counter];
    });
    expect(result).toEqual([2, 2]);
  });
});

describe("task 4: queues", () => {
  it("get returns items first in, first out, waiting while the queue is empty (2 pts)", () => {
    const { result } = run(function* () {
      const q = new Queue<string>();
      const got: string[] = [];
      const consumer = spawn(function* () {
        for (let i = 0; i < 3; i++) got.push(`${yield* q.get()}@${now()}`);
      });
      yield* sleep(10);
      yield* q.put("a");
      yield* q.put("b");
      yield* sleep(10);
      yield* q.put("c");
      yield* consumer.wait();
      return got;
    });
    expect(result).toEqual(["a@10", "b@10", "c@20"]);
  });

  it("put waits while the queue is full, and waiting putters get in in order (2 pts)", () => {
    const { result } = run(function* () {
      const q = new LightQueue<number>(2);
      const trace: string[] = [];
      spawn(function* () {
        for (let i = 1; i <= 4; i++) {
          yield* q.put(i);
          trace.push(`put ${i}@${now()}`);
        }
      });
      yield* sleep(10);
      expect([q.qsize(), q.full(), q.putting()]).toEqual([2, true, 1]);
      for (let i = 0; i < 4; i++) {
        trace.push(`got ${yield* q.get()}@${now()}`);
        yield* sleep(10);
      }
      return trace;
    });
    expect(result).toEqual([
      // Each get makes room, and the waiting putter's item moves in at once.
      "put 1@0", "put 2@0", "got 1@10", "put 3@10", "got 2@20", "put 4@20", "got 3@30", "got 4@40",
    ]);
  });

  it("getNowait and putNowait throw Empty and Full; get and put with a timeout throw them in time (2 pts)", () => {
    const { result } = run(function* () {
      const q = new Queue<number>(1);
      const out: string[] = [];
      try {
        q.getNowait();
      } catch (e) {
        out.push(e instanceof Empty ? "Empty" : "?");
      }
      q.putNowait(1);
      try {
        q.putNowait(2);
      } catch (e) {
        out.push(e instanceof Full ? "Full" : "?");
      }
      try {
        yield* q.put(3, 20);
      } catch (e) {
        out.push(`${e instanceof Full ? "Full" : "?"}@${now()}`);
      }
      out.push(`got ${q.getNowait()}`);
      try {
        yield* q.get(30);
      } catch (e) {
        out.push(`${e instanceof Empty ? "Empty" : "?"}@${now()}`);
      }
      // `undefined` is an item like any other: taken at once, not mistaken for "no item".
      const anything = new Queue<number | undefined>(1);
      anything.putNowait(undefined);
      out.push(`got ${String(anything.getNowait())}`);
      anything.putNowait(undefined);
      out.push(`got ${String(yield* anything.get(5))}@${now()}`);
      // A timeout of 0 is a deadline like any other: it passes at the hub's next pass, not "no deadline". (Guarded by
      // an outer 100 ms limit, so that a get that never times out fails here instead of waiting forever.)
      let zero = "";
      try {
        yield* withTimeout(100, () => q.get(0));
      } catch (e) {
        zero = `${(e as Error).name}@${now()}`;
      }
      expect(zero, "get(0) on an empty queue must throw Empty at once: 0 ms is a deadline (ms !== undefined), not none").toBe("Empty@50");
      return out;
    });
    expect(result).toEqual(["Empty", "Full", "Full@20", "got 1", "Empty@50", "got undefined", "got undefined@50"]);
  });

  it("maxsize 0 is a rendezvous: a put waits until a get takes its item (1 pts)", () => {
    const { result } = run(function* () {
      const q = new LightQueue<string>(0);
      const trace: string[] = [];
      spawn(function* () {
        yield* q.put("hello");
        trace.push(`put returned@${now()}`);
      });
      yield* sleep(50);
      expect([q.empty(), q.full()]).toEqual([true, true]);
      trace.push(`got ${yield* q.get()}@${now()}`);
      yield* sleep(0);
      return trace;
    });
    expect(result).toEqual(["got hello@50", "put returned@50"]);
  });

  it("join waits until every item put has been marked done, however it got in; one taskDone too many throws (1 pts)", () => {
    const { result } = run(function* () {
      // Every accepted item is an unfinished task: one handed straight to a waiting getter (#offer), one taken
      // straight from a waiting putter (#poll, on a rendezvous queue), and one moved in from the putters' line when a
      // get made room (#admitPutters).
      const toGetter = new Queue<string>();
      spawn(function* () {
        yield* toGetter.get();
      });
      const fromPutter = new Queue<string>(0);
      spawn(function* () {
        yield* fromPutter.put("from a putter");
      });
      const admitted = new Queue<string>(1);
      admitted.putNowait("first");
      spawn(function* () {
        yield* admitted.put("admitted");
      });
      yield* sleep(0);
      yield* toGetter.put("to a getter");
      yield* fromPutter.get();
      yield* admitted.get();
      expect(toGetter.unfinishedTasks, "an item handed to a waiting getter is a task: #offer must call accepted()").toBe(1);
      expect(fromPutter.unfinishedTasks, "an item taken from a waiting putter is a task: #poll must call accepted()").toBe(1);
      expect(admitted.unfinishedTasks, "an item admitted from the putters' line is a task: #admitPutters must call accepted()").toBe(2);
      const joined: string[] = [];
      for (const [name, queue] of [["toGetter", toGetter], ["fromPutter", fromPutter], ["admitted", admitted]] as const) {
        spawn(function* () {
          yield* queue.join();
          joined.push(name);
        });
      }
      yield* sleep(0);
      toGetter.taskDone();
      fromPutter.taskDone();
      admitted.taskDone();
      yield* sleep(0);
      expect(joined, "join must wait for the admitted item's task too").toEqual(["toGetter", "fromPutter"]);
      admitted.taskDone();
      yield* sleep(0);
      expect(joined).toEqual(["toGetter", "fromPutter", "admitted"]);
      const q = new Queue<number>();
      for (let i = 1; i <= 3; i++) yield* q.put(i);
      spawn(function* worker() {
        for (;;) {
          const n = yield* q.get();
          yield* sleep(n * 10);
          q.taskDone();
        }
      });
      expect(q.unfinishedTasks).toBe(3);
      yield* q.join();
      const at = now();
      expect(() => q.taskDone()).toThrow(RangeError);
      return at;
    });
    expect(result).toBe(60);
  });

  it("a PriorityQueue hands out the smallest first; a LifoQueue the newest first (1 pts)", () => {
    const { result } = run(function* () {
      const pq = new PriorityQueue<[number, string]>();
      for (const e of [[3, "c"], [1, "a"], [4, "d"], [2, "b"]] as [number, string][]) yield* pq.put(e);
      const fromPq: string[] = [];
      while (!pq.empty()) fromPq.push((yield* pq.get())[1]);
      const lq = new LifoQueue<number>();
      for (const n of [1, 2, 3]) lq.putNowait(n);
      return [fromPq, [lq.getNowait(), lq.getNowait(), lq.getNowait()]];
    });
    expect(result).toEqual([["a", "b", "c", "d"], [3, 2, 1]]);
  });

  it("resize lets waiting putters in; getting() counts waiting getters (1 pts)", () => {
    const { result } = run(function* () {
      const q = new LightQueue<number>(1);
      q.putNowait(0);
      for (const n of [1, 2]) {
        spawn(function* () {
          yield* q.put(n);
        });
      }
      yield* sleep(0);
      q.resize(3);
      const size = q.qsize();
      const items = [q.getNowait(), q.getNowait(), q.getNowait()];
      const empty = new LightQueue<number>();
      spawn(function* () {
        yield* empty.get();
      });
      yield* sleep(0);
      return [size, items, q.putting(), empty.getting()];
    });
    expect(result).toEqual([3, [0, 1, 2], 0, 1]);
  });

  it("a getter that timed out does not swallow an item put afterwards (1 pts)", () => {
    const { result } = run(function* () {
      const q = new Queue<string>();
      const impatient = spawn(function* () {
        try {
          return yield* q.get(10);
        } catch {
          return "gave up";
        }
      });
      const patient = spawn(function* () {
        return yield* q.get();
      });
      yield* sleep(10); // the impatient getter's deadline passes; it has not run yet
      yield* q.put("item");
      return [yield* impatient.wait(), yield* patient.wait()];
    });
    expect(result).toEqual(["gave up", "item"]);
  });
});

describe("task 5: GreenPool", () => {
  it("runs at most `size` threads at once; spawn waits while the pool is full (2 pts)", () => {
    const { result, time } = run(function* () {
      const pool = new GreenPool(2);
      let running = 0;
      let most = 0;
      const spawnedAt: number[] = [];
      function* job(): Green<void> {
        most = Math.max(most, ++running);
        yield* sleep(10);
        running--;
      }
      for (let i = 0; i < 5; i++) {
        yield* pool.spawn(job);
        spawnedAt.push(now());
      }
      yield* pool.waitall();
      return [most, spawnedAt];
    });
    expect(result).toEqual([2, [0, 0, 10, 10, 20]]);
    expect(time).toBe(30);
  });

  it("waitall waits for every thread (and refuses inside the pool); running and free count them (1 pts)", () => {
    const { result } = run(function* () {
      const pool = new GreenPool(3);
      yield* pool.waitall(); // nothing running: returns at once
      const inside = yield* pool.spawn(function* () {
        try {
          yield* pool.waitall();
          return "returned";
        } catch (e) {
          return (e as Error).message;
        }
      });
      expect(yield* inside.wait()).toMatch(/never return/);
      const gs = [yield* pool.spawn(returnsAfter, 10, "a"), yield* pool.spawn(returnsAfter, 30, "b")];
      const during = [pool.running(), pool.free()];
      yield* pool.waitall();
      return [during, [pool.running(), pool.free()], now(), gs.map((g) => g.result)];
    });
    expect(result).toEqual([[2, 1], [0, 3], 30, ["a", "b"]]);
  });

  it("resize raises the limit for waiting spawners and lowers it for new ones (1 pts)", () => {
    const { result } = run(function* () {
      const pool = new GreenPool(1);
      yield* pool.spawn(returnsAfter, 100, 0);
      const spawner = spawn(function* () {
        yield* pool.spawn(returnsAfter, 100, 1); // waits: the pool is full
        return now();
      });
      yield* sleep(10);
      expect(pool.waiting()).toBe(1);
      pool.resize(2); // a new slot: the waiting spawner gets it now
      const startedAt = yield* spawner.wait();
      pool.resize(1); // two running, room for one: nothing new starts until both are done
      const t0 = now();
      yield* pool.spawn(returnsAfter, 1, 2);
      return [startedAt, now() - t0, pool.free()];
    });
    expect(result).toEqual([10, 100, 0]);
  });

  it("a pool thread's failure that nobody waits for is reported, and frees its slot (1 pts)", () => {
    const { result, reports } = run(function* () {
      const pool = new GreenPool(1);
      yield* pool.spawn(function* crash(): Green<void> {
        yield* sleep(5);
        throw new Error("job failed");
      });
      const next = yield* pool.spawn(returnsAfter, 1, "next");
      return [now(), yield* next.wait()];
    });
    expect(result).toEqual([5, "next"]);
    expect(reports).toEqual(["crash-1: job failed"]);
  });

  it("a pool thread that spawns into its own full pool runs the job itself instead of waiting forever, a failing job too (1 pts)", () => {
    const { result } = run(function* () {
      const pool = new GreenPool(1);
      const outer = yield* pool.spawn(function* () {
        const inner = yield* pool.spawn(returnsAfter, 5, "inner result");
        // A job run this way that throws finishes its thread with the error: spawn returns that thread, it does not throw.
        let failing: GreenThread<never> | string;
        try {
          failing = yield* pool.spawn(function* (): Green<never> {
            throw new Error("inner failed");
          });
        } catch (e) {
          failing = `spawn threw ${(e as Error).message}`;
        }
        expect(typeof failing === "string" ? failing : [failing.dead, (failing.error as Error).message],
          "a self-run job that throws must finish its thread with the error, and spawn must return that thread").toEqual([true, "inner failed"]);
        return [inner.dead, yield* inner.wait(), getCurrent().name];
      });
      return yield* outer.wait();
    });
    expect(result).toEqual([true, "inner result", expect.stringContaining("-")]);
  });
});

describe("task 6: GreenPile and imap", () => {
  it("a pile gives results in spawn order, not finish order, then says done (1 pts)", () => {
    const { result } = run(function* () {
      const pile = new GreenPile<string>(10);
      yield* pile.spawn(returnsAfter, 30, "slow");
      yield* pile.spawn(returnsAfter, 10, "fast");
      yield* pile.spawn(returnsAfter, 20, "mid");
      const all = yield* pile.all();
      return [all, now(), (yield* pile.next()).done];
    });
    expect(result).toEqual([["slow", "fast", "mid"], 30, true]);
  });

  it("a pile rethrows a job's error when that job's turn comes, and says done after it and after a spawn that failed (1 pts)", () => {
    const { result } = run(function* () {
      const pool = new GreenPool(4);
      const pile = new GreenPile<number>(pool);
      yield* pile.spawn(returnsAfter, 5, 1);
      yield* pile.spawn(function* (): Green<number> {
        yield* sleep(1);
        throw new Error("job 2 failed");
      });
      const first = yield* pile.next();
      let error = "no error";
      try {
        yield* pile.next();
      } catch (e) {
        error = (e as Error).message;
      }
      // Both results are taken, the failed one too: next() uncounts in a `finally`. (Each check has a 100 ms limit, so
      // that a next() that waits for a result that never comes fails here instead of waiting forever.)
      const after = yield* withTimeout(100, () => pile.next(), { timeoutValue: "waited forever" });
      expect(after, "next() after a failed job must say done: it must uncount the failed result in a finally").toEqual({ done: true, value: undefined });
      // A spawn that fails (here its spawner is killed while it waits for a slot) uncounts the job it counted.
      const busy = new GreenPool(1);
      yield* busy.spawn(returnsAfter, 50, 0);
      const small = new GreenPile<number>(busy);
      const spawner = spawn(function* () {
        yield* small.spawn(returnsAfter, 1, 3);
      });
      yield* sleep(0);
      yield* spawner.kill();
      const none = yield* withTimeout(100, () => small.next(), { timeoutValue: "waited forever" });
      expect(none, "next() after a failed spawn must say done: spawn must uncount on an error").toEqual({ done: true, value: undefined });
      return [first.value, error];
    });
    expect(result).toEqual([1, "job 2 failed"]);
  });

  it("imap returns results in input order, zipping its iterables, at most `size` at a time (1 pts)", () => {
    const { result, time } = run(function* () {
      const pool = new GreenPool(2);
      let running = 0;
      let most = 0;
      function* scale(ms: number, factor: number): Green<number> {
        most = Math.max(most, ++running);
        yield* sleep(ms);
        running--;
        return ms * factor;
      }
      const out = yield* pool.imap(scale, [30, 10, 20, 10], [1, 2, 3]).all();
      return [out, most];
    });
    expect(result).toEqual([[30, 20, 60], 2]);
    expect(time).toBe(30); // 30 and 10 start at once; 20 takes the slot 10 frees

  });

  it("imap over many items with a small pool yields them all, one at a time with next(), and ends when its input fails (1 pts)", () => {
    const { result } = run(function* () {
      const pool = new GreenPool(3);
      function* square(n: number): Green<number> {
        yield* sleep(n % 4);
        return n * n;
      }
      const it = pool.starmap(square, Array.from({ length: 50 }, (_, i) => [i] as [number]));
      let sum = 0;
      let count = 0;
      for (let r = yield* it.next(); !r.done; r = yield* it.next()) {
        sum += r.value;
        count++;
      }
      const failing = pool.imap(function* (n: number): Green<number> {
        if (n === 2) throw new Error("item 2 failed");
        return n;
      }, [1, 2, 3]);
      const first = (yield* failing.next()).value;
      let error = "";
      try {
        yield* failing.next();
      } catch (e) {
        error = (e as Error).message;
      }
      // Argument lists that throw part-way: the feeder still marks the end (in a `finally`), so all() returns the
      // results it has. (Limited to 100 ms, so that an all() that waits forever fails here instead.)
      function* brokenArgs(): Generator<[number]> {
        yield [7];
        throw new Error("argLists broke");
      }
      const cut = yield* withTimeout(100, () => pool.starmap(square, brokenArgs()).all(), { timeoutValue: "waited forever" });
      expect(cut, "starmap's feeder must call doneSpawning() in a finally, also when argLists throws").toEqual([49]);
      return [count, sum, (yield* it.next()).done, first, error];
    });
    expect(result).toEqual([50, 40425, true, 1, "item 2 failed"]);
  });
});
