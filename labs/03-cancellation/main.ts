// Chapter 03 demo: `npm run lab 03`. Waiting for threads, killing them, linking to them, and timeouts.
import { done, step } from "../00-common/demo";
import type { Green } from "../02-hub/suspend";
import { getHub, type GreenThread, runVirtual, sleep, spawn, spawnAfter } from "./greenthread";
import { Timeout, withTimeout } from "./timeout";

/** One line of a timeline: virtual time, the running thread (or the hub, in a link), what happens. */
function say(what: string): void {
  const who = getHub().current?.name ?? "(hub)";
  console.log(`   ${String(getHub().now()).padStart(5)} ms  ${who.padEnd(10)} ${what}`);
}

const message = (e: unknown): string => (e instanceof Error ? `${e.name}: ${e.message}` : String(e));

function* cook(dish: string, ms: number): Green<string> {
  say(`cooks ${dish} for ${ms} ms`);
  yield* sleep(ms);
  if (dish === "soufflé") throw new Error("the soufflé collapsed");
  say(`serves ${dish}`);
  return dish;
}

await step("Task 1: wait for a result, and for an error", () => {
  runVirtual(function* () {
    const soup = spawn(cook, "soup", 50);
    const souffle = spawn(cook, "soufflé", 80);
    say(`waits for the soup: got ${yield* soup.wait()}`);
    try {
      yield* souffle.wait();
    } catch (e) {
      say(`waits for the soufflé: ${message(e)}`);
    }
  });
});

await step("Task 2: kill a sleeping thread (its finally runs) and cancel one that has not started", () => {
  runVirtual(function* () {
    const napper = spawn(function* napper(): Green<void> {
      try {
        say("naps for an hour");
        yield* sleep(3_600_000);
      } finally {
        say("cleans up in finally");
      }
    });
    const late = spawnAfter(500, cook, "dessert", 10);
    yield* sleep(100);
    say("kills the napper: yield* napper.kill() switches to it");
    yield* napper.kill();
    say(`back from kill: the napper is dead (${napper.dead}) and ended with ${message(napper.error)}`);
    say(`cancels the dessert before it starts: ${late.cancel()}`);
  });
});

await step("Task 3: a link restarts a worker that crashes, twice", () => {
  runVirtual(function* () {
    let restarts = 0;
    function* worker(crashAfter: number): Green<void> {
      say(`starts, will crash after ${crashAfter} ms`);
      yield* sleep(crashAfter);
      throw new Error("worker crashed");
    }
    function supervise(g: GreenThread<void>): void {
      say(`link sees ${g.name} end: ${message(g.error)}`);
      if (restarts++ < 2) spawn(worker, 100).link(supervise); // links must not block: spawn instead
    }
    spawn(worker, 100).link(supervise);
    yield* sleep(1_000);
    say(`gave up after ${restarts - 1} restarts`);
  });
});

await step("Task 4: nested timeouts — the inner one fires first", () => {
  runVirtual(function* () {
    const outer = new Timeout(300);
    try {
      const inner = new Timeout(100);
      try {
        say("sleeps 1000 ms under a 300 ms and a 100 ms timeout");
        yield* sleep(1_000);
      } catch (e) {
        if (e !== inner) throw e;
        say("the inner timeout fired; sleeps again");
      } finally {
        inner.cancel();
      }
      yield* sleep(1_000);
    } catch (e) {
      if (e !== outer) throw e;
      say("the outer timeout fired");
    } finally {
      outer.cancel();
    }
  });
});

await step("Task 5: three lookups with a 120 ms deadline each", () => {
  runVirtual(function* () {
    function* lookup(name: string, ms: number): Green<string> {
      const answer = yield* withTimeout(ms > 120 ? 120 : 1_000, () => cook(name, ms), {
        timeoutValue: `${name} (timed out)`,
      });
      say(`has ${answer}`);
      return answer;
    }
    const all = [spawn(lookup, "tea", 40), spawn(lookup, "toast", 200), spawn(lookup, "jam", 90)];
    const results: string[] = [];
    for (const g of all) results.push(yield* g.wait());
    say(`got ${results.join(", ")}`);
  });
});

done();
