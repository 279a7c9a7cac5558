// Grading tests for lab 03-cancellation: wait, kill and cancel, links, Timeout and withTimeout.
// All on the virtual clock: a test that "waits ten seconds" runs in microseconds, the same way every time.
import { describe, expect, it } from "vitest";
import {
  getCurrent,
  getHub,
  GreenletExit,
  GreenThread,
  sleep,
  spawn,
  spawnAfter,
} from "@target/03-cancellation/greenthread";
import { Timeout, withTimeout } from "@target/03-cancellation/timeout";
import type { Green } from "@target/02-hub/suspend";
import { run, returnsAfter } from "./support/hub";

const noop = (): void => {};

function* failsAfter(ms: number, message: string): Green<never> {
  yield* sleep(ms);
  throw new Error(message);
}

describe("task 1: wait", () => {
  it("returns what the thread returned, once it has (2 pts)", () => {
    const { result, time } = run(function* () {
      const g = spawn(returnsAfter, 50, "soup");
      return yield* g.wait();
    });
    expect(result).toBe("soup");
    expect(time).toBe(50);
  });

  it("throws what the thread threw, and the failure is not reported as lost (1 pts)", () => {
    const { result, reports } = run(function* () {
      const g = spawn(failsAfter, 10, "burnt");
      try {
        yield* g.wait();
        return "no error";
      } catch (e) {
        return (e as Error).message;
      }
    });
    expect(result).toBe("burnt");
    expect(reports).toEqual([]);
  });

  it("wakes every waiter, and returns at once for a thread that is already dead (1 pts)", () => {
    const { result } = run(function* () {
      const hub = getHub();
      const g = spawn(returnsAfter, 30, 7);
      const seen: string[] = [];
      function* waiter(name: string): Green<void> {
        const v = yield* g.wait();
        seen.push(`${name} got ${v} at ${hub.now()}`);
      }
      const waiters = [spawn(waiter, "a"), spawn(waiter, "b")];
      for (const w of waiters) yield* w.wait();
      const before = hub.now();
      const again = yield* g.wait(); // dead already: no waiting
      seen.push(`again ${again} after ${hub.now() - before} ms`);
      return seen;
    });
    expect(result).toEqual(["a got 7 at 30", "b got 7 at 30", "again 7 after 0 ms"]);
  });

  it("refuses to let a thread wait for itself (1 pts)", () => {
    const { result } = run(function* () {
      const g: GreenThread<string> = spawn(function* (): Green<string> {
        try {
          yield* (getCurrent() as GreenThread<string>).wait();
          return "waited";
        } catch (e) {
          return (e as Error).message;
        }
      });
      return yield* g.wait();
    });
    expect(result).toMatch(/cannot wait for itself/);
  });
});

describe("task 2: kill and cancel", () => {
  it("a thread killed before it starts never runs, and its waiters get GreenletExit (2 pts)", () => {
    let ran = false;
    const { result, reports } = run(function* () {
      const g = spawn(function* () {
        ran = true;
      });
      let linked = "";
      g.link((t) => (linked = (t.error as Error).name));
      yield* g.kill();
      expect([g.dead, linked]).toEqual([true, "GreenletExit"]);
      try {
        yield* g.wait();
        return "returned";
      } catch (e) {
        return e instanceof GreenletExit ? "GreenletExit" : String(e);
      }
    });
    expect(ran).toBe(false);
    expect(result).toBe("GreenletExit");
    expect(reports).toEqual([]); // a kill is not a failure worth reporting
  });

  it("a killed sleeper gets the error at its sleep and its finally runs (2 pts)", () => {
    const trace: string[] = [];
    const { time } = run(function* () {
      const hub = getHub();
      const g = spawn(function* () {
        try {
          yield* sleep(60_000);
          trace.push("slept");
        } catch (e) {
          trace.push(`caught ${(e as Error).name}`);
          throw e;
        } finally {
          trace.push(`finally at ${hub.now()}`);
        }
      });
      yield* sleep(25);
      yield* g.kill();
      try {
        yield* g.wait();
      } catch (e) {
        expect(e).toBeInstanceOf(GreenletExit);
      }
    });
    expect(trace).toEqual(["caught GreenletExit", "finally at 25"]);
    expect(time).toBe(25);
  });

  it("kill switches to the victim: when it returns, a victim's finally that does not block has run, and one that blocks got the error once; the caller comes back after the others (2 pts)", () => {
    const trace: string[] = [];
    const { result } = run(function* () {
      // A victim whose finally blocks gets the error once: kill stops switching when the error has arrived
      // (pendingError is no longer the kill's), even though the victim is still alive, parked in its finally.
      const slowCleanup = spawn(function* () {
        try {
          yield* sleep(1_000);
        } finally {
          yield* sleep(10);
          trace.push(`cleanup done at ${getHub().now()}`);
        }
      });
      yield* sleep(0);
      yield* slowCleanup.kill();
      const alive = !slowCleanup.dead;
      yield* sleep(20);
      expect(trace, "kill must not throw the error again into a victim that has received it (its finally blocks)").toEqual(["cleanup done at 10"]);
      trace.length = 0;
      const victim = spawn(function* () {
        try {
          yield* sleep(1_000);
        } finally {
          trace.push("victim's finally");
        }
      });
      yield* sleep(0);
      spawn(function* () {
        trace.push("bystander");
      });
      trace.push("kill");
      yield* victim.kill();
      trace.push(`after kill ${victim.dead}`);
      return alive;
    });
    expect(trace).toEqual(["kill", "victim's finally", "bystander", "after kill true"]);
    expect(result).toBe(true);
  });

  it("a kill is final: it replaces a Timeout that fired in the same pass, a Timeout firing after it does not replace it, and the victim does not go on (1 pts)", () => {
    const { result } = run(function* () {
      const trace: string[] = [];
      function* victim(): Green<void> {
        // The Timeout fires at 10 and would make withTimeout return "late", and the thread would go on.
        const r = yield* withTimeout(10, () => returnsAfter(100, "slow"), { timeoutValue: "late" });
        trace.push(`went on with ${r}`);
        yield* sleep(1_000);
      }
      // The killer's alarm is set first, so at 10 it is woken first, then the Timeout goes off.
      const killer = spawn(function* () {
        yield* sleep(10);
        yield* v.kill();
        trace.push(`killed: ${v.dead && v.error instanceof GreenletExit}`);
      });
      const v = spawn(victim);
      yield* killer.wait();
      // The same from a hub callback, with killSoon.
      const w = spawn(victim);
      yield* sleep(0);
      getHub().schedule(10, () => w.killSoon());
      try {
        yield* w.wait();
      } catch (e) {
        trace.push(`killSoon: ${(e as Error).name}`);
      }
      // The other way round: the kill is on its way first (its alarm is set before the victim's Timeout), then the
      // Timeout fires in the same pass. A Timeout's throwInto is not final, so it does not replace the kill.
      getHub().schedule(10, () => x.killSoon());
      const x = spawn(victim);
      let outcome = "returned";
      try {
        yield* x.wait();
      } catch (e) {
        outcome = (e as Error).name;
      }
      expect(outcome, "Timeout.start must use a non-final throwInto: a kill on its way wins over a Timeout that fires after it").toBe("GreenletExit");
      trace.push(`kill first: ${outcome}`);
      return trace;
    });
    expect(result).toEqual(["killed: true", "killSoon: GreenletExit", "kill first: GreenletExit"]);
  });

  it("killSoon queues a kill without switching, and ends an unstarted thread at once; kill refuses to run in a hub callback, which cannot switch (1 pts)", () => {
    const { result } = run(function* () {
      const trace: string[] = [];
      const g = spawn(returnsAfter, 1_000, "never");
      yield* sleep(0);
      g.killSoon(new RangeError("soon"));
      trace.push(`right after killSoon: dead ${g.dead}`);
      yield* sleep(0);
      trace.push(`a turn later: ${(g.error as Error).message}`);
      const h = spawn(returnsAfter, 1_000, "never");
      yield* sleep(0);
      getHub().schedule(5, () => {
        try {
          h.kill().next();
        } catch (e) {
          trace.push((e as Error).message);
        }
      });
      yield* sleep(10);
      h.cancel(); // started: nothing to do
      h.killSoon();
      yield* sleep(0);
      let ran = false;
      const unstarted = spawn(function* () {
        ran = true;
      });
      unstarted.killSoon();
      expect([unstarted.dead, unstarted.error instanceof GreenletExit],
        "killSoon on a thread that has not started must finish it on the spot").toEqual([true, true]);
      yield* sleep(0);
      expect(ran, "a thread killed before it started must never run").toBe(false);
      return trace.concat(`h dead ${h.dead}`);
    });
    expect(result[0]).toBe("right after killSoon: dead false");
    expect(result[1]).toBe("a turn later: soon");
    expect(result[2]).toMatch(/cannot switch/);
    expect(result[2], "the error must tell the caller to use killSoon").toMatch(/killSoon/);
    expect(result[3]).toBe("h dead true");
  });

  it("kills with the error given, which wait then throws (1 pts)", () => {
    const { result } = run(function* () {
      const g = spawn(returnsAfter, 100, "never");
      yield* sleep(1);
      yield* g.kill(new RangeError("stop now"));
      try {
        yield* g.wait();
      } catch (e) {
        return `${(e as Error).name}: ${(e as Error).message}`;
      }
    });
    expect(result).toBe("RangeError: stop now");
  });

  it("killing a dead thread does nothing, not even switch (from a hub callback too), and a thread that kills itself stops right there (1 pts)", () => {
    const trace: string[] = [];
    run(function* () {
      const done = spawn(returnsAfter, 0, "ok");
      yield* done.wait();
      let bystanderRan = false;
      spawn(function* () {
        bystanderRan = true;
      });
      yield* done.kill();
      expect(bystanderRan, "kill of a dead thread must return without switching (no sleep(0))").toBe(false);
      expect([done.failed, done.result]).toEqual([false, "ok"]);
      // The dead check comes first: from a hub callback, killing a dead thread does nothing rather than throw.
      let fromCallback = "did nothing";
      getHub().schedule(0, () => {
        try {
          done.kill().next();
        } catch (e) {
          fromCallback = (e as Error).message;
        }
      });
      yield* sleep(1);
      expect(fromCallback, "kill must check for a dead thread before it checks for a hub callback").toBe("did nothing");
      const suicidal = spawn(function* () {
        trace.push("before");
        yield* (getCurrent() as GreenThread).kill();
        trace.push("after");
      });
      yield* sleep(0);
      expect(suicidal.error).toBeInstanceOf(GreenletExit);
    });
    expect(trace).toEqual(["before"]);
  });

  it("a waiter killed while waiting stops waiting and stops listening (1 pts)", () => {
    const { result, reports } = run(function* () {
      const slow = spawn(failsAfter, 100, "nobody heard");
      const waiter = spawn(function* () {
        yield* slow.wait();
      });
      yield* sleep(10);
      yield* waiter.kill();
      yield* sleep(0);
      const state = waiter.state;
      yield* sleep(200);
      return state;
    });
    expect(result).toBe("dead");
    // The waiter is gone, so nobody listens to `slow` any more: its failure must be reported.
    expect(reports).toEqual(["failsAfter-1: nobody heard"]);
  });

  it("cancel stops a thread that has not started, and leaves a started one alone (1 pts)", () => {
    const { result } = run(function* () {
      const notYet = spawn(returnsAfter, 5, "a");
      const started = spawn(returnsAfter, 5, "b");
      expect(notYet.cancel()).toBe(true);
      yield* sleep(1);
      expect(started.cancel()).toBe(false);
      const value = yield* started.wait();
      expect(started.cancel(), "cancel of a thread that ran and ended must return false").toBe(false);
      return [notYet.dead && notYet.error instanceof GreenletExit, value];
    });
    expect(result).toEqual([true, "b"]);
  });

  it("a spawnAfter thread cancelled before its time never starts (1 pts)", () => {
    let ran = false;
    const { result } = run(function* () {
      const later = spawnAfter(100, function* () {
        ran = true;
      });
      yield* sleep(50);
      const cancelled = later.cancel();
      yield* sleep(100);
      return [cancelled, later.started];
    });
    expect(result).toEqual([true, false]);
    expect(ran).toBe(false);
  });
});

describe("task 3: link and unlink", () => {
  it("calls linked functions with the thread when it ends, in the order they were linked; a linked failure is not reported (1 pts)", () => {
    const trace: string[] = [];
    const { reports } = run(function* () {
      const hub = getHub();
      const ok = spawn(returnsAfter, 10, "fine");
      const bad = spawn(failsAfter, 20, "broken");
      ok.link((g) => trace.push(`first: ${g.result} at ${hub.now()}`));
      ok.link((g) => trace.push(`second: ${g === ok}`));
      bad.link((g) => trace.push(`bad: ${(g.error as Error).message}`));
      yield* sleep(30);
    });
    expect(trace).toEqual(["first: fine at 10", "second: true", "bad: broken"]);
    expect(reports, "a link observes (onExit(fn), not onExit(fn, false)): the failure is the link's, not the hub's to report").toEqual([]);
  });

  it("a link added after the thread ended is called at once (1 pts)", () => {
    const { result } = run(function* () {
      const g = spawn(returnsAfter, 0, 3);
      yield* g.wait();
      let called = false;
      g.link(() => (called = true));
      return called;
    });
    expect(result).toBe(true);
  });

  it("unlink removes a link and says whether it was there; a failure nobody is linked to any more is reported (1 pts)", () => {
    const trace: string[] = [];
    const { result, reports } = run(function* () {
      const g = spawn(returnsAfter, 10, 1);
      const a = () => trace.push("a");
      const b = () => trace.push("b");
      g.link(a);
      g.link(b);
      const removed = [g.unlink(a), g.unlink(a)];
      yield* g.wait();
      const bad = spawn(failsAfter, 5, "unheard");
      bad.link(a);
      bad.unlink(a);
      yield* sleep(10);
      return removed;
    });
    expect(result).toEqual([true, false]);
    expect(trace).toEqual(["b"]);
    expect(reports, "unlink must remove the link as an observer too: the failure is nobody's now, so the hub reports it").toEqual([expect.stringMatching(/^failsAfter-\d+: unheard$/)]);
  });

  it("a link that throws is reported and the other links still run (1 pts)", () => {
    const trace: string[] = [];
    const { reports } = run(function* () {
      const g = spawn(returnsAfter, 1, "x");
      g.link(() => {
        throw new Error("bad link");
      });
      g.link(() => trace.push("second link ran"));
      yield* sleep(5);
    });
    expect(trace).toEqual(["second link ran"]);
    expect(reports).toEqual(["returnsAfter-1: bad link"]);
  });
});

describe("task 4: Timeout", () => {
  it("throws itself in the thread that set it, at its yield point, after the delay (2 pts)", () => {
    const { result, time } = run(function* () {
      const t = new Timeout(100);
      try {
        yield* sleep(1_000);
        return "slept";
      } catch (e) {
        return e === t ? `timeout at ${getHub().now()}` : `other: ${String(e)}`;
      } finally {
        t.cancel();
      }
    });
    expect(result).toBe("timeout at 100");
    expect(time).toBe(100); // the 1-second sleep's alarm was cancelled
  });

  it("a cancelled Timeout never fires; pending says whether it is set (1 pts)", () => {
    const { result } = run(function* () {
      const t = new Timeout(50);
      const states = [t.pending];
      yield* sleep(10);
      t.cancel();
      states.push(t.pending);
      yield* sleep(100);
      const never = new Timeout(null);
      states.push(never.pending);
      yield* sleep(10);
      return states;
    });
    expect(result).toEqual([true, false, false]);
  });

  it("nested timeouts: the one that fires is the one thrown, and each catches only its own (1 pts)", () => {
    const { result } = run(function* () {
      const trace: string[] = [];
      function* guarded(outerMs: number, innerMs: number): Green<void> {
        const outer = new Timeout(outerMs);
        try {
          const inner = new Timeout(innerMs);
          try {
            yield* sleep(1_000);
          } catch (e) {
            if (e !== inner) throw e;
            trace.push(`inner fired at ${getHub().now()}`);
          } finally {
            inner.cancel();
          }
          yield* sleep(1_000);
        } catch (e) {
          if (e !== outer) throw e;
          trace.push(`outer fired at ${getHub().now()}`);
        } finally {
          outer.cancel();
        }
      }
      const start = getHub().now();
      yield* guarded(300, 100); // inner first, then outer
      yield* guarded(100, 300); // outer first: it passes through the inner handler
      trace.push(`done after ${getHub().now() - start}`);
      return trace;
    });
    expect(result).toEqual(["inner fired at 100", "outer fired at 300", "outer fired at 400", "done after 400"]);
  });

  it("throws the error it was given instead of itself, and can be started again after a cancel or after it fired (1 pts)", () => {
    const { result } = run(function* () {
      const t = new Timeout(20, new Error("too slow"));
      const out: string[] = [];
      try {
        yield* sleep(50);
      } catch (e) {
        out.push((e as Error).message);
      }
      t.cancel();
      t.start();
      expect(() => t.start()).toThrow(/already started/);
      try {
        yield* sleep(50);
      } catch (e) {
        out.push(`again: ${(e as Error).message}`);
      }
      // It fired and is no longer pending: start works without a cancel first.
      let restarted = "started";
      try {
        t.start();
      } catch (e) {
        restarted = (e as Error).message;
      }
      expect(restarted, "start must refuse only while the Timeout is pending, not after it fired").toBe("started");
      try {
        yield* sleep(50);
      } catch (e) {
        out.push(`third: ${(e as Error).message}`);
      }
      t.cancel();
      return out;
    });
    expect(result).toEqual(["too slow", "again: too slow", "third: too slow"]);
  });
});

describe("task 5: withTimeout", () => {
  it("returns what the operation returns when it is fast enough, and leaves no alarm behind (1 pts)", () => {
    const { result, time } = run(function* () {
      const v = yield* withTimeout(100, () => returnsAfter(40, "in time"));
      yield* sleep(200); // the Timeout must not fire here
      return v;
    });
    expect(result).toBe("in time");
    expect(time).toBe(240);
  });

  it("throws a Timeout when the operation is too slow, after the operation's finally ran (1 pts)", () => {
    const trace: string[] = [];
    const { result } = run(function* () {
      try {
        yield* withTimeout(30, function* () {
          try {
            yield* sleep(100);
          } finally {
            trace.push(`cleanup at ${getHub().now()}`);
          }
        });
        return "no timeout";
      } catch (e) {
        return e instanceof Timeout ? "Timeout" : String(e);
      }
    });
    expect(result).toBe("Timeout");
    expect(trace).toEqual(["cleanup at 30"]);
  });

  it("returns timeoutValue instead of throwing (undefined too), but lets other errors through, and leaves no alarm behind (1 pts)", () => {
    const { result } = run(function* () {
      const slow = yield* withTimeout(10, () => returnsAfter(50, "late"), { timeoutValue: "default" });
      let other = "";
      try {
        yield* withTimeout(100, () => failsAfter(5, "real error"), { timeoutValue: "default" });
      } catch (e) {
        other = (e as Error).message;
      }
      // The operation failed at 15, before its 100 ms limit: the Timeout must be cancelled (in a finally) all the same.
      let stray = "none";
      try {
        yield* sleep(200);
      } catch (e) {
        stray = String(e);
      }
      expect(stray, "withTimeout must cancel its Timeout in a finally, also when op throws").toBe("none");
      // A timeoutValue of undefined is a value given like any other.
      let missing: string | undefined = "no value";
      try {
        missing = yield* withTimeout(10, () => returnsAfter(50, "late"), { timeoutValue: undefined });
      } catch (e) {
        missing = `threw ${String(e)}`;
      }
      expect(missing, "{ timeoutValue: undefined } gives a value: withTimeout must return undefined, not throw").toBeUndefined();
      return [slow, other];
    });
    expect(result).toEqual(["default", "real error"]);
  });
});
