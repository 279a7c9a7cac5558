// The hub suite's cases, written once against the hub's API (chapter 02): `hubCases(api)` makes them for whichever hub
// it is given. hub-cases.ts gives it the course's (solutions/), lab-cases.ts the learner's (labs/). Every case runs
// on runReal, the real-clock backend a program uses.
import type * as Threads from "../../solutions/03-cancellation/greenthread";
import type { Green } from "../../solutions/02-hub/suspend";
import type { Event } from "../../solutions/04-primitives/event";
import type { Queue } from "../../solutions/04-primitives/queue";
import type { Measure } from "../lib/measure";
import { check, cpuNs, liveHeap } from "../lib/measure";
import { timerDelayMs } from "./shape";

/** What the cases use of a hub: chapters 02–03 for threads, sleep and wait, chapter 04 for Event and Queue. */
export interface HubApi {
  readonly runReal: typeof Threads.runReal;
  readonly sleep: typeof Threads.sleep;
  readonly spawn: typeof Threads.spawn;
  readonly Event: typeof Event;
  readonly Queue: typeof Queue;
}

function* child(i: number): Green<number> {
  return i;
}

export function hubCases({ runReal, sleep, spawn, Event, Queue }: HubApi): Record<string, Measure> {
  return {
    async "spawn-join"(n) {
      const start = cpuNs();
      const sum = await runReal(function* (): Green<number> {
        const threads: Threads.GreenThread<number>[] = new Array(n);
        for (let i = 0; i < n; i++) threads[i] = spawn(child, i);
        let sum = 0;
        for (const t of threads) sum += yield* t.wait();
        return sum;
      });
      const ns = cpuNs() - start;
      check(sum === (n * (n - 1)) / 2, "every child joined");
      return ns / n;
    },

    async "switch-sleep"(n) {
      let turns = 0;
      function* player(): Green<void> {
        for (let i = 0; i < n / 2; i++) {
          turns++;
          yield* sleep(0);
        }
      }
      const start = cpuNs();
      await runReal(function* (): Green<void> {
        const a = spawn(player);
        const b = spawn(player);
        yield* a.wait();
        yield* b.wait();
      });
      const ns = cpuNs() - start;
      check(turns === n, "every turn taken");
      return ns / n;
    },

    async "switch-queue"(n) {
      const there = new Queue<number>();
      const back = new Queue<number>();
      let last = -1;
      function* ping(): Green<void> {
        for (let i = 0; i < n / 2; i++) {
          yield* there.put(i);
          last = yield* back.get();
        }
      }
      function* pong(): Green<void> {
        for (let i = 0; i < n / 2; i++) yield* back.put(yield* there.get());
      }
      const start = cpuNs();
      await runReal(function* (): Green<void> {
        const a = spawn(ping);
        const b = spawn(pong);
        yield* a.wait();
        yield* b.wait();
      });
      const ns = cpuNs() - start;
      check(last === n / 2 - 1, "every item came back");
      return ns / n;
    },

    async "idle-memory"(n) {
      let bytes = 0;
      let parked = 0;
      let woke = 0;
      await runReal(function* (): Green<void> {
        const event = new Event();
        function* idle(): Green<void> {
          parked++;
          yield* event.wait();
          woke++;
        }
        const before = liveHeap();
        const threads: Threads.GreenThread<void>[] = new Array(n);
        for (let i = 0; i < n; i++) threads[i] = spawn(idle);
        yield* sleep(0); // every thread runs up to its wait, then we are back
        check(parked === n, "every thread parked");
        bytes = (liveHeap() - before) / n;
        event.send();
        for (const t of threads) yield* t.wait();
      });
      check(woke === n, "every thread woke");
      return bytes;
    },

    async timers(n) {
      let fired = 0;
      function* sleeper(i: number): Green<void> {
        yield* sleep(timerDelayMs(i));
        fired++;
      }
      const start = cpuNs();
      await runReal(function* (): Green<void> {
        const threads: Threads.GreenThread<void>[] = new Array(n);
        for (let i = 0; i < n; i++) threads[i] = spawn(sleeper, i);
        for (const t of threads) yield* t.wait();
      });
      const ns = cpuNs() - start;
      check(fired === n, "every timer fired");
      return ns / n;
    },
  };
}
