// Chapter 04 demo: `npm run lab 04`. Each primitive at work on the virtual clock: who waits, who wakes, when.
import { done, step } from "../00-common/demo";
import type { Green } from "../02-hub/suspend";
import { getHub, runVirtual, sleep, spawn } from "../03-cancellation/greenthread";
import { Event } from "./event";
import { GreenPile } from "./greenpile";
import { GreenPool } from "./greenpool";
import { PriorityQueue } from "./ordered";
import { Empty, Queue } from "./queue";
import { Semaphore } from "./semaphore";
import { TIMED_OUT, WaitQueue } from "./waiters";

/** One line of a timeline: virtual time, the running thread, what happens. */
function say(what: string): void {
  const who = getHub().current?.name ?? "(hub)";
  console.log(`   ${String(getHub().now()).padStart(5)} ms  ${who.padEnd(10)} ${what}`);
}

await step("Task 1: a line of parked threads, woken one at a time", () => {
  runVirtual(function* () {
    const line = new WaitQueue<string>();
    function* guest(name: string, patience?: number): Green<void> {
      say(`joins the line${patience ? ` (leaves after ${patience} ms)` : ""}`);
      const r = yield* line.park(name, patience);
      say(r === TIMED_OUT ? "gave up waiting" : `is served: ${String(r)}`);
    }
    spawn(guest, "ann");
    spawn(guest, "bob", 15);
    spawn(guest, "cy");
    yield* sleep(20);
    say(`serves the first in line: ${line.wakeOne("a table for one")?.data}`);
    say(`serves the next: ${line.wakeOne("the last table")?.data}`);
    yield* sleep(0);
  });
});

await step("Task 2: an Event — three threads wait for the doors to open", () => {
  runVirtual(function* () {
    const doors = new Event<string>();
    for (let i = 0; i < 3; i++) {
      spawn(function* visitor(): Green<void> {
        say("waits for the doors");
        say(`goes in: ${yield* doors.wait()}`);
      });
    }
    yield* sleep(100);
    say("opens the doors");
    doors.send("welcome");
    yield* sleep(0);
  });
});

await step("Task 3: a Semaphore(2) — two at a time through the turnstile, in arrival order", () => {
  runVirtual(function* () {
    const turnstile = new Semaphore(2);
    function* rider(): Green<void> {
      yield* turnstile.hold(function* () {
        say("rides for 10 ms");
        yield* sleep(10);
      });
    }
    const riders = Array.from({ length: 5 }, () => spawn(rider));
    for (const r of riders) yield* r.wait();
    say(`all rode; permits back: ${turnstile.counter}`);
  });
});

await step("Task 4: a bounded Queue between a fast producer and a slow consumer", () => {
  runVirtual(function* () {
    const q = new Queue<number>(2);
    spawn(function* consumer(): Green<void> {
      for (;;) {
        const n = yield* q.get();
        yield* sleep(20);
        say(`done with ${n}`);
        q.taskDone();
      }
    });
    for (let i = 1; i <= 4; i++) {
      yield* q.put(i); // waits while the queue holds two
      say(`put ${i} (the queue holds ${q.qsize()})`);
    }
    yield* q.join();
    say("every item is done");
    try {
      yield* q.get(5);
    } catch (e) {
      if (!(e instanceof Empty)) throw e;
      say("a get with a 5 ms timeout found nothing: Empty");
    }
    const urgent = new PriorityQueue<[number, string]>();
    for (const job of [[2, "reply to email"], [0, "fix the outage"], [1, "review"]] as [number, string][]) urgent.putNowait(job);
    const order: string[] = [];
    while (!urgent.empty()) order.push(urgent.getNowait()[1]);
    say(`a PriorityQueue hands out: ${order.join(", ")}`);
  });
});

await step("Task 5: a GreenPool(3) runs six downloads, three at a time", () => {
  runVirtual(function* () {
    const pool = new GreenPool(3);
    function* download(file: string, ms: number): Green<void> {
      say(`downloads ${file} (${ms} ms)`);
      yield* sleep(ms);
    }
    const files: [string, number][] = [["a", 30], ["b", 10], ["c", 20], ["d", 10], ["e", 30], ["f", 10]];
    for (const [file, ms] of files) yield* pool.spawn(download, file, ms);
    say(`spawned all six; ${pool.running()} still running`);
    yield* pool.waitall();
    say("all downloads done");
  });
});

await step("Task 6: a GreenPile gives results in the order they were asked for", () => {
  runVirtual(function* () {
    function* lookup(name: string, ms: number): Green<string> {
      yield* sleep(ms);
      say(`found ${name}`);
      return `${name}.example`;
    }
    const pile = new GreenPile<string>(4);
    for (const [name, ms] of [["slow", 30], ["fast", 10], ["mid", 20]] as [string, number][]) yield* pile.spawn(lookup, name, ms);
    say(`results in order: ${(yield* pile.all()).join(", ")}`);
    const squares = yield* new GreenPool(2).imap(function* square(n: number): Green<number> {
      yield* sleep(5);
      return n * n;
    }, [1, 2, 3, 4]).all();
    say(`imap squares with a pool of 2: ${squares.join(", ")}`);
  });
});

done();
