// The hub suite's cases on the floor scheduler (chapter 02). Traps are yielded bare (`yield`, not `yield*`): this is
// the cheapest a generator hub can be, so the hub's ratio to it is the price of its design.
import type { Body, Thread } from "./floor";
import { Floor, FloorEvent, FloorQueue } from "./floor";
import type { Measure } from "../lib/measure";
import { check, cpuNs, liveHeap } from "../lib/measure";
import { timerDelayMs } from "./shape";

// Joining inline: `t.done ? t.result : yield t.joiners`, the bare form of GreenThread.wait.
const joiners = (t: Thread): Thread[] => (t.joiners ??= []);

function* child(i: number): Body<number> {
  return i;
}

export const cases: Record<string, Measure> = {
  async "spawn-join"(n) {
    const floor = new Floor();
    const start = cpuNs();
    const sum = await floor.run(
      (function* (): Body<number> {
        const threads: Thread[] = new Array(n);
        for (let i = 0; i < n; i++) threads[i] = floor.spawn(child(i));
        let sum = 0;
        for (const t of threads) sum += (t.done ? t.result : yield joiners(t)) as number;
        return sum;
      })(),
    );
    const ns = cpuNs() - start;
    check(sum === (n * (n - 1)) / 2, "every child joined");
    return ns / n;
  },

  async "switch-sleep"(n) {
    // n switches in all: two threads that each yield n/2 times, taking turns.
    const floor = new Floor();
    let turns = 0;
    function* player(): Body<void> {
      for (let i = 0; i < n / 2; i++) {
        turns++;
        yield;
      }
    }
    const start = cpuNs();
    await floor.run(
      (function* (): Body<void> {
        const a = floor.spawn(player());
        const b = floor.spawn(player());
        if (!a.done) yield joiners(a);
        if (!b.done) yield joiners(b);
      })(),
    );
    const ns = cpuNs() - start;
    check(turns === n, "every turn taken");
    return ns / n;
  },

  async "switch-queue"(n) {
    // n hand-offs in all: ping puts on one queue and waits on the other, pong the reverse.
    const floor = new Floor();
    const there = new FloorQueue<number>(floor);
    const back = new FloorQueue<number>(floor);
    let last = -1;
    function* ping(): Body<void> {
      for (let i = 0; i < n / 2; i++) {
        there.put(i);
        last = (back.size ? back.take() : yield back.getters) as number;
      }
    }
    function* pong(): Body<void> {
      for (let i = 0; i < n / 2; i++) {
        const v = (there.size ? there.take() : yield there.getters) as number;
        back.put(v);
      }
    }
    const start = cpuNs();
    await floor.run(
      (function* (): Body<void> {
        const a = floor.spawn(ping());
        const b = floor.spawn(pong());
        if (!a.done) yield joiners(a);
        if (!b.done) yield joiners(b);
      })(),
    );
    const ns = cpuNs() - start;
    check(last === n / 2 - 1, "every item came back");
    return ns / n;
  },

  async "idle-memory"(n) {
    const floor = new Floor();
    let bytes = 0;
    let woke = 0;
    await floor.run(
      (function* (): Body<void> {
        const event = new FloorEvent(floor);
        function* idle(): Body<void> {
          if (!event.set) yield event.waiters;
          woke++;
        }
        const before = liveHeap();
        const threads: Thread[] = new Array(n);
        for (let i = 0; i < n; i++) threads[i] = floor.spawn(idle());
        yield; // every thread runs up to its wait, then we are back
        check(event.waiters.length === n, "every thread parked");
        bytes = (liveHeap() - before) / n;
        event.send();
        for (const t of threads) if (!t.done) yield joiners(t);
      })(),
    );
    check(woke === n, "every thread woke");
    return bytes;
  },

  async timers(n) {
    const floor = new Floor();
    let fired = 0;
    function* sleeper(i: number): Body<void> {
      yield performance.now() + timerDelayMs(i);
      fired++;
    }
    const start = cpuNs();
    await floor.run(
      (function* (): Body<void> {
        const threads: Thread[] = new Array(n);
        for (let i = 0; i < n; i++) threads[i] = floor.spawn(sleeper(i));
        for (const t of threads) if (!t.done) yield joiners(t);
      })(),
    );
    const ns = cpuNs() - start;
    check(fired === n, "every timer fired");
    return ns / n;
  },
};
