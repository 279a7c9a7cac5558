// The run queue: a first-in, first-out queue on a growable ring buffer. Built in chapter 02.
//
// The hub takes a thread from the front and puts one at the back on every switch. `Array.prototype.shift`
// moves every remaining element, O(n) per switch; a ring moves two indices and allocates only when it
// grows (doubling), so a switch costs the same with ten threads or a hundred thousand.

// #region ring
export class RingQueue<T> {
  /** Capacity is always a power of two, so `i & mask` wraps an index without a division. */
  #items: (T | undefined)[];
  #mask: number;
  /** Index of the front item. */
  #head = 0;
  #length = 0;

  constructor(capacity = 16) {
    let c = 1;
    while (c < capacity) c *= 2;
    this.#items = new Array<T | undefined>(c);
    this.#mask = c - 1;
  }

  get length(): number {
    return this.#length;
  }

  /** Adds an item at the back. */
  push(item: T): void {
    // TODO(task 2): RingQueue.push. See README.md.
    throw new Error("not implemented yet — lab 02-hub, task 2: RingQueue.push");
  }

  /** Removes and returns the front item, or undefined when the queue is empty. */
  shift(): T | undefined {
    // TODO(task 2): RingQueue.shift. See README.md.
    throw new Error("not implemented yet — lab 02-hub, task 2: RingQueue.shift");
  }

  // Simplification: a production queue would also shrink after a burst; this one keeps its largest size.
  /** Doubles the capacity, copying the items to the front of the new array in queue order. */
  #grow(): void {
    // TODO(task 2): RingQueue.grow. See README.md.
    throw new Error("not implemented yet — lab 02-hub, task 2: RingQueue.grow");
  }
}
// #endregion
