// Chapter 02 demo: `npm run lab 02`. A timer heap, a run queue, then green threads on a virtual clock and a real one.
import { done, step } from "../00-common/demo";
import { getCurrent, runReal, runVirtual, sleep, spawn, spawnAfter } from "./green";
import { Timer, TimerHeap } from "./heap";
import { getHub } from "./hub";
import { RingQueue } from "./ring";
import type { Green } from "./suspend";

const log = (line: string): void => console.log(`   ${line}`);

/** One line of a timeline: the hub's clock, the thread that is running, what it does. */
function say(what: string): void {
  const hub = getHub();
  log(`${String(hub.now()).padStart(5)} ms  ${getCurrent().name.padEnd(9)} ${what}`);
}

/** The same without the clock, for the real clock, whose readings differ from run to run. */
function sayUntimed(what: string): void {
  log(`${"".padStart(8)}  ${getCurrent().name.padEnd(9)} ${what}`);
}

/** Breakfast: three cooks who sleep while things cook, and a late one started with spawnAfter. */
function* breakfast(say: (what: string) => void): Green<string[]> {
  const served: string[] = [];
  function* cook(dish: string, ms: number): Green<void> {
    say(`puts on the ${dish} (${ms} ms)`);
    yield* sleep(ms);
    say(`serves the ${dish}`);
    served.push(dish);
  }
  spawn(cook, "kettle", 300);
  spawn(cook, "toast", 150);
  spawnAfter(100, cook, "eggs", 120);
  say("spawned three cooks; sleeps until everything is served");
  yield* sleep(400);
  say(`breakfast is ${served.join(", ")}`);
  return served;
}

await step("Task 1: a timer heap pops the earliest deadline first", () => {
  const heap = new TimerHeap();
  [300, 100, 250, 100, 50].forEach((d, seq) => heap.push(new Timer(d, seq, () => {}, heap)));
  const order: string[] = [];
  for (let t = heap.pop(); t; t = heap.pop()) order.push(`${t.deadline}#${t.seq}`);
  log(`deadline#seq in pop order: ${order.join(" ")}`);
});

await step("Task 2: a ring buffer for the run queue", () => {
  const q = new RingQueue<string>(2);
  for (const name of ["a", "b", "c", "d", "e"]) q.push(name);
  const out: string[] = [];
  while (q.length) out.push(q.shift()!);
  log(`pushed a..e into a ring of capacity 2, shifted ${out.join(" ")}`);
});

await step("Task 3: three green threads take turns with sleep(0)", () => {
  runVirtual(function* () {
    function* worker(turns: number): Green<void> {
      for (let i = 1; i <= turns; i++) {
        say(`turn ${i} of ${turns}`);
        yield* sleep(0);
      }
    }
    spawn(worker, 3);
    spawn(worker, 1);
    spawn(worker, 2);
    say("spawned three workers, now yields until they finish");
    for (let i = 0; i < 4; i++) yield* sleep(0);
  });
});

await step("Task 4: breakfast on the virtual clock (400 ms of cooking, no waiting)", () => {
  const options = { start: 0 };
  log(`runVirtual options: ${JSON.stringify(options)} (the virtual clock's first reading, in ms)`);
  const { time } = runVirtual(() => breakfast(say), options);
  log(`the run ended at virtual time ${time} ms`);
});

await step("Task 5: an error thrown into a sleeping thread", () => {
  runVirtual(function* () {
    const hub = getHub();
    const napper = spawn(function* napper(): Green<void> {
      try {
        say("sleeps for an hour");
        yield* sleep(3_600_000);
      } finally {
        say("wakes up in its finally block");
      }
    });
    napper.onExit(() => {});
    yield* sleep(10);
    say("throws an error into the napper");
    hub.throwInto(napper, new Error("wake up"));
    yield* sleep(0);
    say(`the napper is ${napper.state}: ${(napper.error as Error).message}`);
  });
});

await step("Task 6: the same breakfast on Node's clock (about 400 ms)", async () => {
  const options = { slice: 10 };
  log(`runReal options: ${JSON.stringify(options)} (ms the hub may run threads before Node's event loop gets a turn)`);
  const served = await runReal(() => breakfast(sayUntimed), options);
  const virtual = runVirtual(() => breakfast(() => {})).result; // the same program, silent
  log(`served ${served.join(", ")}: ${served.join() === virtual.join() ? "the same order" : "not the order"} as on the virtual clock`);
});

done();
