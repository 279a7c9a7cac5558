// TraceRing: a fixed-capacity ring buffer of trace records, one typed array per field. Built in chapter 13 (task 6).
//
// A tracer that is on records every switch of the hub, so its buffer must cost nothing to grow and nothing to
// forget: all memory is taken once, when tracing starts, and a full ring overwrites its oldest record (counting
// it) instead of allocating. A record is six numbers in six columns, not an object: pushing one allocates nothing,
// so the garbage collector never runs because of tracing.

// #region trace-ring
export class TraceRing {
  /** What the record is (the tracer's event kinds: spawn, run, wake, die). */
  readonly kind: Uint8Array;
  /** A detail of the kind: how a run slice ended, who woke a thread, how it died. */
  readonly code: Uint8Array;
  /** The thread the record is about. */
  readonly tid: Int32Array;
  /** Another thread (the waker, the spawner) or another number (an error's name); -1 for none. */
  readonly other: Int32Array;
  /** When, in microseconds. */
  readonly ts: Float64Array;
  /** A second time: where a run slice ended, or where the waker was when it woke the thread. */
  readonly ts2: Float64Array;
  /** Records pushed since the ring was made, overwritten ones included. */
  written = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError(`a trace ring needs a capacity of at least 1 record (an integer), got ${capacity}`);
    }
    this.kind = new Uint8Array(capacity);
    this.code = new Uint8Array(capacity);
    this.tid = new Int32Array(capacity);
    this.other = new Int32Array(capacity);
    this.ts = new Float64Array(capacity);
    this.ts2 = new Float64Array(capacity);
  }

  /** Records held now: `capacity` once the ring has wrapped. */
  get length(): number {
    return Math.min(this.written, this.capacity);
  }

  /** Records overwritten because the ring was full (lost from the trace). */
  get dropped(): number {
    return this.written - this.length;
  }

  /** Writes one record over the oldest when the ring is full. Allocates nothing. */
  push(kind: number, code: number, tid: number, other: number, ts: number, ts2: number): void {
    // BEGIN SOLUTION 6 TraceRing.push
    const i = this.written % this.capacity;
    this.kind[i] = kind;
    this.code[i] = code;
    this.tid[i] = tid;
    this.other[i] = other;
    this.ts[i] = ts;
    this.ts2[i] = ts2;
    this.written++;
    // END SOLUTION
  }

  /** The slots that hold records, oldest first: read each record's fields at `ring.kind[slot]`, `ring.ts[slot]`… */
  slots(): number[] {
    // BEGIN SOLUTION 6 TraceRing.slots
    const first = this.written - this.length; // the oldest record still held
    const slots: number[] = [];
    for (let n = first; n < this.written; n++) slots.push(n % this.capacity);
    return slots;
    // END SOLUTION
  }
}
// #endregion
