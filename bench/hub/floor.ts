// The floor of the hub benchmark (chapter 02): the least a generator scheduler can do — a run queue, one timer heap,
// park/wake — with nothing the course's hub adds (no Suspend objects, no yield* helpers, no cancellation, no clock
// interface). The hub's figures are read as multiples of this one's, measured in the same run.
//
// A thread yields one of three traps, told apart by type so that no trap allocates:
//   undefined   → yield: go to the back of the run queue (sleep(0));
//   Thread[]    → park: join that list of waiters; whoever owns the list wakes it;
//   number      → sleep until that time (performance.now() milliseconds).

export type Trap = undefined | Thread[] | number;
export type Body<T = unknown> = Generator<Trap, T, unknown>;

export interface Thread {
  readonly gen: Body;
  /** Sent into the generator at its next resume. */
  sent: unknown;
  done: boolean;
  result: unknown;
  /** Threads parked in join(); null until someone joins. */
  joiners: Thread[] | null;
}

/** A growable ring buffer: Array#shift is O(n) once an array has 100k entries. Its length stays a power of two. */
class Ring<T> {
  #items: (T | undefined)[] = new Array(16);
  #mask = 15;
  #head = 0;
  #size = 0;
  get size(): number {
    return this.#size;
  }
  push(item: T): void {
    if (this.#size === this.#items.length) {
      const old = this.#items;
      const grown: (T | undefined)[] = new Array(old.length * 2);
      for (let i = 0; i < this.#size; i++) grown[i] = old[(this.#head + i) & this.#mask];
      this.#items = grown;
      this.#mask = grown.length - 1;
      this.#head = 0;
    }
    this.#items[(this.#head + this.#size++) & this.#mask] = item;
  }
  shift(): T {
    const item = this.#items[this.#head] as T;
    this.#items[this.#head] = undefined;
    this.#head = (this.#head + 1) & this.#mask;
    this.#size--;
    return item;
  }
}

interface Timer {
  at: number;
  seq: number;
  thread: Thread;
}

/** Binary min-heap on (at, seq): seq keeps equal deadlines first-in, first-out. */
class TimerHeap {
  #heap: Timer[] = [];
  #seq = 0;
  get size(): number {
    return this.#heap.length;
  }
  peek(): Timer | undefined {
    return this.#heap[0];
  }
  push(at: number, thread: Thread): void {
    const h = this.#heap;
    const t: Timer = { at, seq: this.#seq++, thread };
    let i = h.length;
    h.push(t);
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!before(t, h[p]!)) break;
      h[i] = h[p]!;
      i = p;
    }
    h[i] = t;
  }
  pop(): Timer {
    const h = this.#heap;
    const top = h[0]!;
    const last = h.pop()!;
    if (h.length > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= h.length) break;
        const r = l + 1;
        const c = r < h.length && before(h[r]!, h[l]!) ? r : l;
        if (!before(h[c]!, last)) break;
        h[i] = h[c]!;
        i = c;
      }
      h[i] = last;
    }
    return top;
  }
}
const before = (a: Timer, b: Timer): boolean => a.at < b.at || (a.at === b.at && a.seq < b.seq);

/** The scheduler. One instance per measurement. */
export class Floor {
  #runq = new Ring<Thread>();
  #timers = new TimerHeap();
  #finished: (() => void) | null = null;

  spawn<T>(gen: Body<T>): Thread {
    const t: Thread = { gen, sent: undefined, done: false, result: undefined, joiners: null };
    this.#runq.push(t);
    return t;
  }

  /** Makes a parked thread runnable; `sent` is what its yield evaluates to. */
  wake(t: Thread, sent?: unknown): void {
    t.sent = sent;
    this.#runq.push(t);
  }

  /** Runs `main` and every thread it spawns; resolves with main's result once nothing is left to run or wait for. */
  run<T>(main: Body<T>): Promise<T> {
    const t = this.spawn(main);
    return new Promise<T>((resolve) => {
      this.#finished = () => resolve(t.result as T);
      this.#loop();
    });
  }

  #loop = (): void => {
    for (;;) {
      const timers = this.#timers;
      if (timers.size > 0) {
        const now = performance.now();
        while (timers.size > 0 && timers.peek()!.at <= now) this.#runq.push(timers.pop().thread);
      }
      if (this.#runq.size === 0) break;
      // Run only the threads queued now, then look at the clock again, so timers are not starved.
      for (let k = this.#runq.size; k > 0; k--) this.#step(this.#runq.shift());
    }
    if (this.#timers.size > 0) {
      // Nothing runnable: hand the process back to Node's event loop until the next deadline.
      setTimeout(this.#loop, Math.max(0, this.#timers.peek()!.at - performance.now()));
    } else {
      this.#finished?.();
    }
  };

  #step(t: Thread): void {
    const sent = t.sent;
    t.sent = undefined;
    const r = t.gen.next(sent);
    if (r.done) {
      t.done = true;
      t.result = r.value;
      if (t.joiners) for (const j of t.joiners) this.wake(j, r.value);
      return;
    }
    const trap = r.value;
    if (trap === undefined) this.#runq.push(t);
    else if (typeof trap === "number") this.#timers.push(trap, t);
    else trap.push(t);
  }
}

/** A one-shot event, as small as it gets: a flag and a list of parked threads. */
export class FloorEvent {
  set = false;
  value: unknown = undefined;
  readonly waiters: Thread[] = [];
  constructor(readonly floor: Floor) {}
  send(value?: unknown): void {
    this.set = true;
    this.value = value;
    for (const t of this.waiters) this.floor.wake(t, value);
    this.waiters.length = 0;
  }
}

/** An unbounded queue: put never blocks; get parks while empty. */
export class FloorQueue<T> {
  readonly #items = new Ring<T>();
  readonly getters: Thread[] = [];
  constructor(readonly floor: Floor) {}
  get size(): number {
    return this.#items.size;
  }
  put(item: T): void {
    // Hand the item straight to a parked getter: it is woken with it, like eventlet's LightQueue does.
    const g = this.getters.shift();
    if (g) this.floor.wake(g, item);
    else this.#items.push(item);
  }
  take(): T {
    return this.#items.shift();
  }
}
