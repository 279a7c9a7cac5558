// PriorityQueue and LifoQueue: a Queue with another order for its buffer. Built in chapter 04.
import { Queue } from "./queue";

// #region priority
/** A Queue that hands out the smallest item first (by `compare`), like eventlet's heapq-based PriorityQueue. */
export class PriorityQueue<T> extends Queue<T> {
  /** A binary min-heap, the same shape as the hub's timer heap. */
  // Simplification: items of equal priority come out in no particular order; a production queue would
  // break ties with a sequence number, as the timer heap does.
  readonly #heap: T[] = [];

  /**
   * @param compare negative when `a` comes first. @default numbers and strings in ascending order;
   *   arrays (`[priority, item]`) by their first element
   */
  constructor(
    maxsize?: number,
    private readonly compare: (a: T, b: T) => number = defaultCompare,
  ) {
    super(maxsize);
  }

  override qsize(): number {
    return this.#heap.length;
  }

  protected override store(item: T): void {
    const heap = this.#heap;
    let i = heap.push(item) - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (this.compare(heap[i], heap[p]) >= 0) break;
      [heap[i], heap[p]] = [heap[p], heap[i]];
      i = p;
    }
  }

  protected override take(): T {
    const heap = this.#heap;
    const top = heap[0];
    const last = heap.pop()!;
    if (heap.length > 0) {
      heap[0] = last;
      for (let i = 0; ; ) {
        let c = 2 * i + 1;
        if (c >= heap.length) break;
        if (c + 1 < heap.length && this.compare(heap[c + 1], heap[c]) < 0) c++;
        if (this.compare(heap[c], heap[i]) >= 0) break;
        [heap[i], heap[c]] = [heap[c], heap[i]];
        i = c;
      }
    }
    return top;
  }
}

function defaultCompare(a: unknown, b: unknown): number {
  const x = Array.isArray(a) ? a[0] : a;
  const y = Array.isArray(b) ? b[0] : b;
  return x < y ? -1 : x > y ? 1 : 0;
}
// #endregion

// #region lifo
/** A Queue that hands out the most recently put item first: a stack. */
export class LifoQueue<T> extends Queue<T> {
  readonly #stack: T[] = [];

  override qsize(): number {
    return this.#stack.length;
  }
  protected override store(item: T): void {
    this.#stack.push(item);
  }
  protected override take(): T {
    return this.#stack.pop() as T;
  }
}
// #endregion
