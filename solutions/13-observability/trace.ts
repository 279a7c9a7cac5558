// Hub tracing: every green thread's life — spawned, ran, suspended on which trap, woken by whom, died how —
// recorded into a ring buffer while tracing is on. Built in chapter 13 (task 6 writes the ring and the export).
//
// Design principles
//   1. Off costs nothing, because the hub has no tracing code. Tracing observes from outside: while it is on, the
//      hub *instance* gets its own `start`, `resume`, `throwInto`, `switchTo` and `schedule` (wrappers around the
//      class's methods), its backend its own `idle`, and each traced thread's generator is wrapped; `stop()` deletes
//      the wrappers and puts the generators back. A hub that is not traced runs exactly the code it runs without this file.
//   2. On costs a little, and a fixed amount of memory: a record is six numbers pushed into typed arrays
//      (trace-ring.ts); a full ring overwrites its oldest record and counts it.
//   3. The hub's own words: a run slice ends on a trap (PARK, YIELD, SWITCH) or a return or a throw; a wake-up
//      comes from a thread (it called resume, threw into it, or killed it), from a timer (and then from the thread
//      that set the timer), or from outside the hub (I/O: a socket's callback).
import { performance } from "node:perf_hooks";
import type { VirtualOptions } from "../02-hub/green";
import type { Backend } from "../02-hub/backend";
import { Greenlet, GreenletExit } from "../02-hub/greenlet";
import { Hub } from "../02-hub/hub";
import { PARK, SWITCH, YIELD, type Green, type Suspend } from "../02-hub/suspend";
import { VirtualBackend } from "../02-hub/virtual";
import { toChromeTrace, type ChromeTrace } from "./chrome-trace";
import { TraceRing } from "./trace-ring";

// #region trace-events
/**
 * Who woke a thread or spawned it: a running thread, a hub timer, or something outside the hub's threads and timers
 * (I/O: a socket's callback on the real network; the program that started the hub; a timer set before tracing began).
 */
export type Waker = "thread" | "timer" | "outside";
/** How a run slice ended: the trap the thread yielded, or its return or throw ("stop": tracing stopped in it). */
export type RunEnd = "park" | "yield" | "switch" | "return" | "throw" | "stop";
export type Death = "returned" | "threw" | "killed";

/** One event of a thread's life, as `tracer.events()` returns them; times in microseconds, `tid` the trace's number for the thread. */
export type TraceEvent =
  /** Started (hub.start): by a thread, a timer that thread set (spawnAfter), or from outside. */
  | { readonly kind: "spawn"; readonly ts: number; readonly tid: number; readonly thread: string; readonly how: Waker; readonly by: number | null; readonly byThread: string | null; readonly byTs: number }
  /** Ran from `ts` to `end`, then yielded `then`. */
  | { readonly kind: "run"; readonly ts: number; readonly end: number; readonly tid: number; readonly thread: string; readonly then: RunEnd }
  /**
   * Made runnable (resume), or sent an error (throwInto, kill: `error` true). `by` is the thread that did it,
   * directly or through a timer it had set (a sleep's alarm is set by the sleeper itself), else null.
   */
  | { readonly kind: "wake"; readonly ts: number; readonly tid: number; readonly thread: string; readonly how: Waker; readonly by: number | null; readonly byThread: string | null; readonly byTs: number; readonly error: boolean }
  /** Ended: returned, threw (`error`: the error's name), or was killed (GreenletExit, or the error kill sent). */
  | { readonly kind: "die"; readonly ts: number; readonly tid: number; readonly thread: string; readonly how: Death; readonly error: string | null };
// #endregion

/** One event as a line: "spawn waiter-2 by main", "run waiter-2 → park", "wake waiter-2 by thread setter-3", "die waiter-2 returned". */
export function formatEvent(e: TraceEvent): string {
  const by = (how: Waker, byThread: string | null): string => (byThread === null ? how : `${how} ${byThread}`);
  switch (e.kind) {
    case "spawn":
      return `spawn ${e.thread} by ${by(e.how, e.byThread)}`;
    case "run":
      return `run ${e.thread} → ${e.then}`;
    case "wake":
      return `${e.error ? "error into" : "wake"} ${e.thread} by ${by(e.how, e.byThread)}`;
    case "die":
      return `die ${e.thread} ${e.how}${e.error === null ? "" : ` (${e.error})`}`;
  }
}

// #region start-tracing
export interface TraceOptions {
  /** Records the ring holds; older ones are overwritten (and counted in `dropped`). @default 65536 */
  readonly capacity?: number;
  /**
   * `"hub"`: the hub's clock in microseconds, moved on 1 µs per record while the clock stands still, so a run
   * on the virtual clock gives the same trace every time and its slices keep their order. `"wall"`: real time
   * (performance.now). @default "hub" on a VirtualBackend, "wall" otherwise
   */
  readonly clock?: "hub" | "wall";
}

export interface Tracer {
  readonly capacity: number;
  /** Records overwritten because the ring was full. */
  readonly dropped: number;
  /** The events held, in time order (a run slice at its start). */
  events(): TraceEvent[];
  /** The events held, in Chrome's trace-event format (opens in Perfetto and chrome://tracing). */
  toChromeTrace(): ChromeTrace;
  /** Stops tracing and leaves the hub as it was before; the events stay readable. Calling it again does nothing. */
  stop(): void;
}

// Record kinds and codes, as stored in the ring.
const SPAWN = 1, RUN = 2, WAKE = 3, DIE = 4;
const RUN_ENDS: readonly RunEnd[] = ["park", "yield", "switch", "return", "throw", "stop"];
const WAKERS: readonly Waker[] = ["thread", "timer", "outside"];
const DEATHS: readonly Death[] = ["returned", "threw", "killed"];
/** Added to a wake's code when it carried an error. */
const ERROR = 8;
const trapEnd = (trap: Suspend): number => (trap === PARK ? 0 : trap === YIELD ? 1 : trap === SWITCH ? 2 : 1);

/** The hub methods a tracer wraps on the instance, in the order they are added (and deleted in reverse). */
const HOOKED = ["start", "resume", "throwInto", "switchTo", "schedule"] as const;
type Hooked = (typeof HOOKED)[number];

/** Hubs being traced: one tracer per hub. */
const tracing = new WeakMap<Hub, HubTracer>();

/** Starts tracing `hub`: from now on, threads it starts, and threads something wakes, are recorded. */
export function startTracing(hub: Hub, options: TraceOptions = {}): Tracer {
  if (tracing.has(hub)) throw new Error("startTracing(): this hub is traced already; stop() that tracer first");
  const tracer = new HubTracer(hub, options);
  tracing.set(hub, tracer);
  return tracer;
}
// #endregion

// #region trace-virtual
/**
 * Runs `main` as runVirtual does (a fresh hub on the virtual clock), traced from its first line, and returns the
 * tracer with what main returned. The tracer is stopped when the run ends; its events stay readable.
 */
export function traceVirtual<T>(
  main: () => Green<T>,
  options: TraceOptions & VirtualOptions = {},
): { readonly result: T; readonly time: number; readonly tracer: Tracer } {
  const hub = new Hub(new VirtualBackend(options.start), options);
  const tracer = startTracing(hub, options);
  const g = new Greenlet<T>(hub, main(), "main");
  try {
    hub.run(g);
  } finally {
    tracer.stop();
  }
  if (g.failed) throw g.error;
  return { result: g.result as T, time: hub.now(), tracer };
}
// #endregion

class HubTracer implements Tracer {
  readonly #hub: Hub;
  readonly #ring: TraceRing;
  readonly #wall: boolean;
  #on = true;
  #last = -Infinity;
  /** Traced threads alive now: their trace number and their own generator (put back at death or stop). */
  readonly #threads = new Map<Greenlet, { readonly tid: number; readonly gen: Green<unknown> }>();
  #tids = 0;
  /** Names of traced threads; a dead thread's name goes once its last record has been overwritten. */
  readonly #names = new Map<number, string>();
  readonly #deaths: { tid: number; written: number }[] = [];
  #deathsHead = 0;
  readonly #strings: string[] = [];
  /** The thread running now (in a wrapped generator), and when its slice began; -1 when none. */
  #running = -1;
  #sliceStart = 0;
  /** A thread that was running when tracing started: its slice ends at the next thing the tracer sees. */
  #adopted: Greenlet | null = null;
  /**
   * A thread whose last slice returned or threw, and a time inside that slice: the hub calls its exit listeners
   * (a `wait`, a `link`) after the slice, so what they wake was woken by this thread's death. -1 when none.
   */
  #dying = -1;
  #dyingTs = 0;
  /** Inside a timer callback: the thread that set the timer (-1: none), and when. */
  #inTimer = false;
  #timerBy = -1;
  #timerTs = 0;
  /** Errors sent by kill (switchTo) or killSoon (a final throwInto), by thread: dying of one is "killed". */
  readonly #kills = new Map<number, unknown>();

  // #region tracer-hooks
  constructor(hub: Hub, options: TraceOptions) {
    this.#hub = hub;
    this.#ring = new TraceRing(options.capacity ?? 65536);
    this.#wall = (options.clock ?? (hub.backend instanceof VirtualBackend ? "hub" : "wall")) === "wall";
    const self = this;
    const proto = Object.getPrototypeOf(hub) as Hub;
    const wrappers: { [K in Hooked]: Hub[K] } = {
      start(g) {
        proto.start.call(hub, g);
        if (self.#on) self.#spawned(g);
      },
      resume(g, value) {
        if (self.#adopted !== null) self.#settle(hub.current); // before g's state changes: it may be the adopted one
        const woke = proto.resume.call(hub, g, value);
        if (woke && self.#on) self.#woken(g, false);
        return woke;
      },
      throwInto(g, error, final = false) {
        if (self.#adopted !== null) self.#settle(hub.current);
        const sent = proto.throwInto.call(hub, g, error, final);
        if (sent && self.#on) {
          if (final) self.#kills.set(self.#track(g), error);
          self.#woken(g, true);
        }
        return sent;
      },
      switchTo(g, error) {
        if (self.#on && !g.dead) {
          self.#kills.set(self.#track(g), error);
          self.#woken(g, true);
        }
        return proto.switchTo.call(hub, g, error);
      },
      schedule(ms, callback, arg) {
        const fire = callback as (arg: unknown) => void; // `call` loses the method's type parameter
        return proto.schedule.call(hub, ms, self.#on ? self.#timerCallback(fire) : fire, arg);
      },
    };
    for (const name of HOOKED) Object.defineProperty(hub, name, { value: wrappers[name], configurable: true, writable: true });
    // The hub going idle ends any slice the tracer could not see end (see #settle).
    const backend = hub.backend;
    const idle = backend.idle;
    const idleWrapper: Backend["idle"] = (deadline, resume) => {
      if (self.#on) self.#settle(null);
      return idle.call(backend, deadline, resume);
    };
    Object.defineProperty(backend, "idle", { value: idleWrapper, configurable: true, writable: true });
    // Started from inside a thread: that thread is running now, and its slice starts here.
    const current = hub.current;
    if (current !== null) {
      this.#running = this.#track(current);
      this.#sliceStart = this.#now();
      this.#adopted = current;
    }
  }

  get capacity(): number {
    return this.#ring.capacity;
  }

  get dropped(): number {
    return this.#ring.dropped;
  }

  stop(): void {
    if (!this.#on) return;
    if (this.#running !== -1) this.#endSlice(RUN_ENDS.indexOf("stop"));
    this.#on = false;
    for (const [g, t] of this.#threads) this.#untrack(g, t.gen);
    this.#kills.clear();
    delete (this.#hub.backend as unknown as Record<string, unknown>).idle;
    for (const name of [...HOOKED].reverse()) delete (this.#hub as unknown as Record<string, unknown>)[name];
    tracing.delete(this.#hub);
  }
  // #endregion

  // -- recording --------------------------------------------------------------------------------------------------

  /** The trace's clock, in microseconds; on the hub's clock, 1 µs later than the record before when it stood still. */
  #now(): number {
    if (this.#wall) return performance.now() * 1000;
    const t = this.#hub.now() * 1000;
    this.#last = t > this.#last ? t : this.#last + 1;
    return this.#last;
  }

  // #region tracer-slices
  /** The trace number of `g`, which is traced from now on (its generator wrapped, its death heard). */
  #track(g: Greenlet): number {
    const known = this.#threads.get(g);
    if (known !== undefined) return known.tid;
    const tid = ++this.#tids;
    const gen = g.gen;
    this.#threads.set(g, { tid, gen });
    this.#names.set(tid, g.name);
    (g as { gen: Green<unknown> }).gen = this.#wrap(tid, gen);
    g.onExit(this.#died, false); // bookkeeping: a failure nobody else hears is still reported
    return tid;
  }

  #untrack(g: Greenlet, gen: Green<unknown>): void {
    (g as { gen: Green<unknown> }).gen = gen;
    g.offExit(this.#died, false);
    this.#threads.delete(g);
  }

  /** The generator the hub resumes instead of `gen`: each call is one run slice. */
  #wrap(tid: number, gen: Green<unknown>): Green<unknown> {
    const self = this;
    // One function for both ways in (a value, or an error), and no closure per call: this runs on every switch.
    const slice = (throwing: boolean, sent: unknown): IteratorResult<Suspend, unknown> => {
      if (!self.#on) return throwing ? gen.throw(sent) : gen.next(sent);
      self.#settle(null);
      self.#dying = -1;
      self.#running = tid;
      self.#sliceStart = self.#now();
      let r: IteratorResult<Suspend, unknown>;
      try {
        r = throwing ? gen.throw(sent) : gen.next(sent);
      } catch (e) {
        if (self.#on && self.#running === tid) self.#endSlice(4, true);
        throw e;
      }
      if (self.#on && self.#running === tid) self.#endSlice(r.done ? 3 : trapEnd(r.value as Suspend), r.done === true);
      return r;
    };
    return {
      next: (value?: unknown) => slice(false, value),
      throw: (error: unknown) => slice(true, error),
      return: (value?: unknown) => gen.return(value),
      [Symbol.iterator]() {
        return this;
      },
    };
  }

  #endSlice(then: number, dying = false): void {
    const end = this.#now();
    this.#ring.push(RUN, then, this.#running, -1, this.#sliceStart, end);
    if (dying) {
      this.#dying = this.#running;
      this.#dyingTs = end - 0.5; // inside the slice, where a flow's arrow can start
    }
    this.#running = -1;
    this.#adopted = null;
  }

  /**
   * Ends the slice of a thread adopted at start when something else happens (another slice, a timer, I/O):
   * its generator was entered before the wrapper existed, so the wrapper cannot see it return.
   */
  #settle(current: Greenlet | null): void {
    const g = this.#adopted;
    if (g === null || g === current) return;
    this.#endSlice(g.state === "parked" ? 0 : g.dead ? (g.failed ? 4 : 3) : 1);
  }
  // #endregion

  // #region tracer-wakers
  /** Who is acting now: a thread (running), a timer callback, or the outside. */
  #waker(): { how: number; by: number; byTs: number } {
    const current = this.#hub.current;
    this.#settle(current);
    if (current !== null) {
      if (this.#running === -1) {
        // A thread that was alive before tracing started: traced from here on.
        this.#running = this.#track(current);
        this.#sliceStart = this.#now();
        this.#adopted = current;
      }
      return { how: 0, by: this.#running, byTs: this.#now() };
    }
    if (this.#inTimer) return { how: 1, by: this.#timerBy, byTs: this.#timerTs };
    if (this.#dying !== -1) return { how: 0, by: this.#dying, byTs: this.#dyingTs };
    return { how: 2, by: -1, byTs: 0 };
  }

  #spawned(g: Greenlet): void {
    const w = this.#waker();
    const tid = this.#track(g);
    this.#ring.push(SPAWN, w.how, tid, w.by, this.#now(), w.byTs);
  }

  #woken(g: Greenlet, error: boolean): void {
    const w = this.#waker();
    const tid = this.#track(g);
    this.#ring.push(WAKE, w.how + (error ? ERROR : 0), tid, w.by, this.#now(), w.byTs);
  }

  readonly #died = (g: Greenlet): void => {
    const t = this.#threads.get(g);
    if (t === undefined || !this.#on) return;
    this.#settle(null);
    if (this.#dying !== t.tid) this.#dying = -1; // it died outside its own slice (killed before it ran, a deadlock)
    const kill = this.#kills.get(t.tid);
    this.#kills.delete(t.tid);
    const how = !g.failed ? 0 : g.error instanceof GreenletExit || (kill !== undefined && g.error === kill) ? 2 : 1;
    const error = g.failed ? this.#intern(g.error instanceof Error ? g.error.name : typeof g.error) : -1;
    this.#ring.push(DIE, how, t.tid, error, this.#now(), 0);
    this.#untrack(g, t.gen);
    this.#forgetNames(t.tid);
  };

  /** Wraps a timer's callback so that what it wakes is known to come from the timer, set by whom. */
  #timerCallback(callback: (arg: unknown) => void): (arg: unknown) => void {
    // Set by a thread, or by a timer callback (a packet's next hop): the thread at the origin of the chain.
    const { by, byTs } = this.#waker();
    return (arg) => {
      if (!this.#on) return callback(arg);
      this.#settle(null);
      this.#dying = -1;
      const saved = [this.#inTimer, this.#timerBy, this.#timerTs] as const;
      this.#inTimer = true;
      this.#timerBy = by;
      this.#timerTs = byTs;
      try {
        callback(arg);
      } finally {
        [this.#inTimer, this.#timerBy, this.#timerTs] = saved;
      }
    };
  }
  // #endregion

  #intern(s: string): number {
    const i = this.#strings.indexOf(s);
    return i >= 0 ? i : this.#strings.push(s) - 1;
  }

  /** Forgets the names of dead threads whose every record has been overwritten: memory stays bounded. */
  #forgetNames(tid: number): void {
    this.#deaths.push({ tid, written: this.#ring.written });
    const oldest = this.#ring.written - this.#ring.length;
    while (this.#deathsHead < this.#deaths.length && this.#deaths[this.#deathsHead].written <= oldest) {
      this.#names.delete(this.#deaths[this.#deathsHead++].tid);
    }
    if (this.#deathsHead > 1024) {
      this.#deaths.splice(0, this.#deathsHead);
      this.#deathsHead = 0;
    }
  }

  // -- reading ----------------------------------------------------------------------------------------------------

  events(): TraceEvent[] {
    const ring = this.#ring;
    const name = (tid: number): string => this.#names.get(tid) ?? `thread ${tid}`;
    const byOf = (other: number): number | null => (other < 0 ? null : other);
    const out: TraceEvent[] = [];
    for (const i of ring.slots()) {
      const tid = ring.tid[i];
      const code = ring.code[i];
      const ts = ring.ts[i];
      const thread = name(tid);
      const by = byOf(ring.other[i]);
      const byThread = by === null ? null : name(by);
      switch (ring.kind[i]) {
        case SPAWN:
          out.push({ kind: "spawn", ts, tid, thread, how: WAKERS[code], by, byThread, byTs: ring.ts2[i] });
          break;
        case RUN:
          out.push({ kind: "run", ts, end: ring.ts2[i], tid, thread, then: RUN_ENDS[code] });
          break;
        case WAKE:
          out.push({ kind: "wake", ts, tid, thread, how: WAKERS[code & 7], by, byThread, byTs: ring.ts2[i], error: (code & ERROR) !== 0 });
          break;
        case DIE:
          out.push({ kind: "die", ts, tid, thread, how: DEATHS[code], error: ring.other[i] < 0 ? null : this.#strings[ring.other[i]] });
          break;
      }
    }
    // A run is written when its slice ends, after what happened inside it: in time order, it comes first.
    return out.sort((a, b) => a.ts - b.ts); // stable: records of the same time keep their order
  }

  toChromeTrace(): ChromeTrace {
    return toChromeTrace(this.events(), { clock: this.#wall ? "wall" : "hub", dropped: this.dropped });
  }
}
