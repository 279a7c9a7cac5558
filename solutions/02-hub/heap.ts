// The timer heap: a binary min-heap of timers ordered by deadline, then by creation. Built in chapter 02.
//
// The hub asks two questions many times per second: "which timer is due first?" and "forget this timer".
// A sorted array answers the first in O(1) but pays O(n) per insert; a heap pays O(log n) for insert, pop
// and removal, and O(1) to peek. Each timer remembers its index in the array, so cancelling one is a
// removal in place rather than a tombstone left behind to leak until its deadline.

// #region timer
/**
 * A callback the hub runs at `deadline` (in the backend's milliseconds), as `callback(arg)`, unless it is cancelled
 * first. The argument is passed, as `setTimeout(fn, ms, arg)` passes one, so that the hub's commonest timer (resume
 * this thread) needs no closure of its own: one shared function and the thread as its argument.
 */
export class Timer {
  /** Where the timer sits in its heap's array; -1 once it has fired or been cancelled. */
  index = -1;

  constructor(
    readonly deadline: number,
    /** Creation order: timers with equal deadlines fire first-scheduled, first-fired. */
    readonly seq: number,
    readonly callback: (arg: unknown) => void,
    private readonly heap: TimerHeap,
    /** What `callback` is called with. */
    readonly arg: unknown = undefined,
  ) {}

  /** True until the timer fires or is cancelled. */
  get pending(): boolean {
    return this.index >= 0;
  }

  /** Stops the timer from firing. Returns false when it had already fired or been cancelled. */
  cancel(): boolean {
    if (this.index < 0) return false;
    this.heap.remove(this);
    return true;
  }
}

/** Does timer `a` fire before timer `b`? Deadline first, then creation order, so a run is reproducible. */
export const before = (a: Timer, b: Timer): boolean =>
  a.deadline < b.deadline || (a.deadline === b.deadline && a.seq < b.seq);
// #endregion

// #region heap
export class TimerHeap {
  /** items[0] is the earliest timer; the children of items[i] are items[2i+1] and items[2i+2]. */
  readonly #items: Timer[] = [];

  get size(): number {
    return this.#items.length;
  }

  /** The earliest timer, without removing it. */
  peek(): Timer | undefined {
    return this.#items[0];
  }

  /** Adds a timer (one whose index is -1). */
  push(timer: Timer): void {
    // BEGIN SOLUTION 1 TimerHeap.push
    timer.index = this.#items.length;
    this.#items.push(timer);
    this.#siftUp(timer.index);
    // END SOLUTION
  }

  /** Removes and returns the earliest timer; its index becomes -1. */
  pop(): Timer | undefined {
    // BEGIN SOLUTION 1 TimerHeap.pop
    const items = this.#items;
    if (items.length === 0) return undefined;
    const top = items[0];
    this.remove(top);
    return top;
    // END SOLUTION
  }

  /** Removes a timer that is in this heap, wherever it is; its index becomes -1. */
  remove(timer: Timer): void {
    // BEGIN SOLUTION 1 TimerHeap.remove
    const items = this.#items;
    const i = timer.index;
    const last = items.pop()!;
    timer.index = -1;
    if (last === timer) return; // it was the last leaf: nothing to repair
    // Move the last leaf into the hole, then let it float to where it belongs: up if it is
    // earlier than its new parent, down if it is later than one of its new children.
    items[i] = last;
    last.index = i;
    if (i > 0 && before(last, items[(i - 1) >> 1])) this.#siftUp(i);
    else this.#siftDown(i);
    // END SOLUTION
  }

  /** Moves items[i] up while it fires before its parent. */
  #siftUp(i: number): void {
    // BEGIN SOLUTION 1 TimerHeap.siftUp
    const items = this.#items;
    const t = items[i];
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!before(t, items[p])) break;
      items[i] = items[p];
      items[i].index = i;
      i = p;
    }
    items[i] = t;
    t.index = i;
    // END SOLUTION
  }

  /** Moves items[i] down while one of its children fires before it. */
  #siftDown(i: number): void {
    // BEGIN SOLUTION 1 TimerHeap.siftDown
    const items = this.#items;
    const n = items.length;
    const t = items[i];
    for (;;) {
      let c = 2 * i + 1;
      if (c >= n) break;
      if (c + 1 < n && before(items[c + 1], items[c])) c++;
      if (!before(items[c], t)) break;
      items[i] = items[c];
      items[i].index = i;
      i = c;
    }
    items[i] = t;
    t.index = i;
    // END SOLUTION
  }
}
// #endregion
