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
    // BEGIN SOLUTION 2 RingQueue.push
    if (this.#length > this.#mask) this.#grow();
    this.#items[(this.#head + this.#length) & this.#mask] = item;
    this.#length++;
    // END SOLUTION
  }

  /** Removes and returns the front item, or undefined when the queue is empty. */
  shift(): T | undefined {
    // BEGIN SOLUTION 2 RingQueue.shift
    if (this.#length === 0) return undefined;
    const item = this.#items[this.#head];
    this.#items[this.#head] = undefined; // let the garbage collector have it
    this.#head = (this.#head + 1) & this.#mask;
    this.#length--;
    return item;
    // END SOLUTION
  }

  // Simplification: a production queue would also shrink after a burst; this one keeps its largest size.
  /** Doubles the capacity, copying the items to the front of the new array in queue order. */
  #grow(): void {
    // BEGIN SOLUTION 2 RingQueue.grow
    const old = this.#items;
    const items = new Array<T | undefined>(old.length * 2);
    for (let i = 0; i < this.#length; i++) items[i] = old[(this.#head + i) & this.#mask];
    this.#items = items;
    this.#mask = items.length - 1;
    this.#head = 0;
    // END SOLUTION
  }
}
// #endregion
