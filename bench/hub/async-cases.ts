// The hub suite's cases written the way a Node programmer would without a hub (chapter 02): async functions,
// promises and setTimeout. Each is the native idiom at its cheapest honest form, so the comparison flatters no one.
import type { Measure } from "../lib/measure";
import { check, cpuNs, liveHeap } from "../lib/measure";
import { timerDelayMs } from "./shape";

async function child(i: number): Promise<number> {
  return i;
}

/** The smallest promise channel: get() parks a resolver while empty, put() hands the item to the first one. */
class Channel<T> {
  readonly #items: T[] = [];
  readonly #getters: ((item: T) => void)[] = [];
  put(item: T): void {
    const g = this.#getters.shift();
    if (g) g(item);
    else this.#items.push(item);
  }
  get(): T | Promise<T> {
    // Returning the item itself when there is one keeps a hand-off to one promise, as a tuned channel would.
    if (this.#items.length) return this.#items.shift()!;
    return new Promise<T>((resolve) => this.#getters.push(resolve));
  }
}

export const cases: Record<string, Measure> = {
  async "spawn-join"(n) {
    const start = cpuNs();
    const tasks: Promise<number>[] = new Array(n);
    for (let i = 0; i < n; i++) tasks[i] = child(i);
    let sum = 0;
    for (const t of tasks) sum += await t;
    const ns = cpuNs() - start;
    check(sum === (n * (n - 1)) / 2, "every child joined");
    return ns / n;
  },

  async "switch-sleep"(n) {
    // `await null` is the cheapest native yield: a microtask turn, the two loops interleave one await at a time.
    let turns = 0;
    const player = async (): Promise<void> => {
      for (let i = 0; i < n / 2; i++) {
        turns++;
        await null;
      }
    };
    const start = cpuNs();
    await Promise.all([player(), player()]);
    const ns = cpuNs() - start;
    check(turns === n, "every turn taken");
    return ns / n;
  },

  async "switch-queue"(n) {
    const there = new Channel<number>();
    const back = new Channel<number>();
    let last = -1;
    const ping = async (): Promise<void> => {
      for (let i = 0; i < n / 2; i++) {
        there.put(i);
        last = await back.get();
      }
    };
    const pong = async (): Promise<void> => {
      for (let i = 0; i < n / 2; i++) back.put(await there.get());
    };
    const start = cpuNs();
    await Promise.all([ping(), pong()]);
    const ns = cpuNs() - start;
    check(last === n / 2 - 1, "every item came back");
    return ns / n;
  },

  async "idle-memory"(n) {
    let release!: () => void;
    const event = new Promise<void>((resolve) => (release = resolve));
    let parked = 0;
    let woke = 0;
    const idle = async (): Promise<void> => {
      parked++;
      await event;
      woke++;
    };
    const before = liveHeap();
    const tasks: Promise<void>[] = new Array(n);
    for (let i = 0; i < n; i++) tasks[i] = idle();
    check(parked === n, "every task parked");
    const bytes = (liveHeap() - before) / n;
    release();
    await Promise.all(tasks);
    check(woke === n, "every task woke");
    return bytes;
  },

  async timers(n) {
    let fired = 0;
    const sleeper = async (i: number): Promise<void> => {
      await new Promise<void>((resolve) => setTimeout(resolve, timerDelayMs(i)));
      fired++;
    };
    const start = cpuNs();
    const tasks: Promise<void>[] = new Array(n);
    for (let i = 0; i < n; i++) tasks[i] = sleeper(i);
    for (const t of tasks) await t;
    const ns = cpuNs() - start;
    check(fired === n, "every timer fired");
    return ns / n;
  },
};
