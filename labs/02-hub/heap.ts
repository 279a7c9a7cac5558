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
    // TODO(task 1): TimerHeap.push. See README.md.
    throw new Error("not implemented yet — lab 02-hub, task 1: TimerHeap.push");
  }

  /** Removes and returns the earliest timer; its index becomes -1. */
  pop(): Timer | undefined {
    // TODO(task 1): TimerHeap.pop. See README.md.
    throw new Error("not implemented yet — lab 02-hub, task 1: TimerHeap.pop");
  }

  /** Removes a timer that is in this heap, wherever it is; its index becomes -1. */
  remove(timer: Timer): void {
    // TODO(task 1): TimerHeap.remove. See README.md.
    throw new Error("not implemented yet — lab 02-hub, task 1: TimerHeap.remove");
  }

  /** Moves items[i] up while it fires before its parent. */
  #siftUp(i: number): void {
    // TODO(task 1): TimerHeap.siftUp. See README.md.
    throw new Error("not implemented yet — lab 02-hub, task 1: TimerHeap.siftUp");
  }

  /** Moves items[i] down while one of its children fires before it. */
  #siftDown(i: number): void {
    // TODO(task 1): TimerHeap.siftDown. See README.md.
    throw new Error("not implemented yet — lab 02-hub, task 1: TimerHeap.siftDown");
  }
}
// #endregion
