// Instructor-only tests for lab 03-cancellation: edge cases the README states and the public tests leave out. Graded
// by the instructor's grader and the Gradescope autograder; never handed out with the student edition.
import { describe, expect, it } from "vitest";
import {
  getCurrent,
  getHub,
  GreenletExit,
  type GreenThread,
  sleep,
  spawn,
  spawnAfter,
} from "@target/03-cancellation/greenthread";
import { Timeout, withTimeout } from "@target/03-cancellation/timeout";
import { PARK } from "@target/02-hub/suspend";
import { run, returnsAfter } from "../support/hub";

describe("task 1: wait", () => {
  it("a stray resume does not end a wait early (1 pts)", () => {
    const { result, time } = run(function* () {
      const slow = spawn(returnsAfter, 40, "done");
      const waiter = spawn(function* () {
        return yield* slow.wait();
      });
      yield* sleep(10);
      getHub().resume(waiter, "stray"); // not the thread it waits for
      return yield* waiter.wait();
    });
    expect(result).toBe("done");
    expect(time).toBe(40);
  });
});

describe("task 2: kill, killSoon and cancel", () => {
  it("a victim woken with a value gets the value first; kill returns once the kill has arrived too (1 pts)", () => {
    const { result } = run(function* () {
      const hub = getHub();
      const got: string[] = [];
      const victim = spawn(function* () {
        try {
          got.push(`woke with ${String(yield PARK)}`);
          yield* sleep(1_000);
        } finally {
          got.push("finally");
        }
      });
      yield* sleep(0);
      hub.resume(victim, "the item"); // runnable now, with a value to deliver
      yield* victim.kill();
      got.push(`kill returned: dead ${victim.dead}`);
      return got;
    });
    expect(result).toEqual(["woke with the item", "finally", "kill returned: dead true"]);
  });

  it("killing a thread that never started: it never runs, links fire at once, and the killer yields once (1 pts)", () => {
    const { result } = run(function* () {
      const trace: string[] = [];
      spawn(function* () {
        trace.push("other thread");
      });
      const notYet = spawn(function* () {
        trace.push("notYet ran");
      });
      notYet.link((t) => trace.push(`link: ${(t.error as Error).name}`));
      const later = spawnAfter(50, function* () {
        trace.push("later ran");
      });
      later.link(() => trace.push("link: later"));
      yield* notYet.kill();
      trace.push("after first kill");
      yield* later.kill();
      yield* sleep(100);
      return trace;
    });
    // The kill yields once, so "other thread" runs before main goes on; nothing killed ever runs.
    expect(result).toEqual(["link: GreenletExit", "other thread", "after first kill", "link: later"]);
  });

  it("killSoon on itself: the error arrives at the thread's next yield point (1 pts)", () => {
    const { result } = run(function* () {
      const trace: string[] = [];
      const g = spawn(function* () {
        (getCurrent() as GreenThread).killSoon(new RangeError("later"));
        trace.push("still running");
        try {
          yield* sleep(10);
          trace.push("slept");
        } catch (e) {
          trace.push(`caught ${(e as Error).message}`);
        }
      });
      yield* g.wait();
      return trace;
    });
    expect(result).toEqual(["still running", "caught later"]);
  });

  it("a victim that kills its killer in its finally: both die, nobody runs twice (1 pts)", () => {
    const { result } = run(function* () {
      const trace: string[] = [];
      let killer: GreenThread<void>;
      const victim = spawn(function* () {
        try {
          yield* sleep(1_000);
        } finally {
          trace.push("victim's finally");
          yield* killer.kill();
          trace.push("victim killed its killer");
        }
      });
      killer = spawn(function* () {
        try {
          yield* sleep(1);
          yield* victim.kill();
          trace.push("killer went on");
        } finally {
          trace.push("killer's finally");
        }
      });
      yield* sleep(10);
      return [trace, victim.dead, killer.dead, killer.error instanceof GreenletExit];
    });
    expect(result).toEqual([
      ["victim's finally", "killer's finally", "victim killed its killer"],
      true,
      true,
      true,
    ]);
  });

  it("a killer that gets its own Timeout at the kill still delivers the kill (1 pts)", () => {
    const { result } = run(function* () {
      const hub = getHub();
      const trace: string[] = [];
      const victim = spawn(function* () {
        try {
          yield* sleep(1_000);
        } finally {
          trace.push("victim's finally");
        }
      });
      // Set before the killer's Timeout: at 10 the killer is woken with a value first, then its Timeout fires
      // and waits for the killer's next yield point — which is the kill's switch.
      hub.schedule(10, () => hub.resume(killer, "go"));
      const killer = spawn(function* () {
        const t = new Timeout(10);
        try {
          yield PARK;
          yield* victim.kill();
          trace.push("kill returned");
        } catch (e) {
          trace.push(e === t ? "killer got its Timeout" : String(e));
        } finally {
          t.cancel();
        }
      });
      yield* killer.wait();
      return [trace, victim.dead];
    });
    const why = "the kill is lost: does your #step (lab 02) send a SWITCH to #switch even when an error is pending?";
    expect(result, why).toEqual([["victim's finally", "killer got its Timeout"], true]);
  });
});

describe("task 3: link and unlink", () => {
  it("unlink of a function never linked says false; a link sees the thread itself (1 pts)", () => {
    const { result } = run(function* () {
      const g = spawn(returnsAfter, 1, "r");
      let seen: unknown = null;
      const unlinked = g.unlink(() => {});
      g.link((t) => (seen = t));
      yield* g.wait();
      return [unlinked, seen === g];
    });
    expect(result).toEqual([false, true]);
  });
});

describe("task 4: Timeout", () => {
  it("Timeout(null) never fires and start returns the Timeout; cancelling twice is harmless (1 pts)", () => {
    const { result, time } = run(function* () {
      const t = new Timeout(null);
      const same = t.start() === t;
      yield* sleep(100);
      t.cancel();
      t.cancel();
      return [same, t.pending];
    });
    expect(result).toEqual([true, false]);
    expect(time).toBe(100);
  });

  it("a Timeout that fires while its owner is woken with a value is taken back by cancel (1 pts)", () => {
    const { result } = run(function* () {
      const hub = getHub();
      const trace: string[] = [];
      // This alarm is set before the thread's Timeout, so at 10 it wakes the thread first, with a value;
      // then the Timeout goes off, and its error waits for the thread's next yield point.
      hub.schedule(10, () => hub.resume(g, "value"));
      const g = spawn(function* () {
        const t = new Timeout(10);
        try {
          trace.push(`got ${String(yield PARK)}`);
        } finally {
          t.cancel(); // must take the waiting error back
        }
        yield* sleep(5);
        trace.push("no stray Timeout");
      });
      yield* g.wait();
      return trace;
    });
    expect(result).toEqual(["got value", "no stray Timeout"]);
  });
});

describe("task 5: withTimeout", () => {
  it("an outer Timeout passes through an inner withTimeout that has a timeoutValue (1 pts)", () => {
    const { result } = run(function* () {
      const outer = new Timeout(20);
      try {
        yield* withTimeout(100, () => returnsAfter(1_000, "slow"), { timeoutValue: "inner default" });
        return "no timeout";
      } catch (e) {
        return e === outer ? `outer at ${getHub().now()}` : String(e);
      } finally {
        outer.cancel();
      }
    });
    expect(result).toBe("outer at 20");
  });
});
