// A hub trace in Chrome's Trace Event Format, the JSON that Perfetto (ui.perfetto.dev) and chrome://tracing open.
// Built in chapter 13 (task 6).
//
// The format (the "Trace Event Format" document of the Chromium project): a JSON object whose `traceEvents` array
// holds events with a phase `ph`, a time `ts` in microseconds, a process `pid` and a thread `tid`. We use four
// phases: "X" complete events (a run slice: `ts` and `dur`), "i" instant events (spawned, woken, died), "s"/"f" flow
// events (an arrow from the slice that woke a thread to the slice the thread then ran), and "M" metadata (the names
// of the process and of each lane). Every green thread is a `tid` of its own, so each gets a lane.
import type { TraceEvent } from "./trace";

// #region chrome-types
export interface ChromeEvent {
  readonly name: string;
  /** X complete, i instant, s/f flow start and finish, M metadata. */
  readonly ph: "X" | "i" | "s" | "f" | "M";
  /** Microseconds. */
  readonly ts: number;
  readonly pid: number;
  readonly tid: number;
  readonly cat?: string;
  /** Duration of an "X" event, in microseconds. */
  readonly dur?: number;
  /** Scope of an "i" event: "t", the thread. */
  readonly s?: "t";
  /** A flow's id: its "s" and its "f" share it (and their name and cat). */
  readonly id?: number;
  /** A flow finish's binding point: "e", the slice that encloses it. */
  readonly bp?: "e";
  readonly args?: Readonly<Record<string, unknown>>;
}

export interface ChromeTrace {
  readonly traceEvents: ChromeEvent[];
  /** How the viewer shows times; the data stays in microseconds. */
  readonly displayTimeUnit: "ms";
  readonly otherData: { readonly clock: "hub" | "wall"; readonly dropped: number };
}
// #endregion

/** The one process of a trace: the hub. */
export const PID = 1;

/** A flow waiting for the woken thread's next run slice, where its arrow ends. */
interface PendingFlow {
  readonly name: "spawn" | "wake" | "error";
  /** The thread the arrow starts from, and when (inside one of its run slices). */
  readonly from: number;
  readonly ts: number;
}

/** The events in time order; records written at the end of a slice move to where the slice began. */
function byTime(events: readonly TraceEvent[]): TraceEvent[] {
  return [...events].sort((a, b) => a.ts - b.ts); // Array.prototype.sort is stable: equal times keep their order
}

/**
 * Whether thread `tid` was running at `ts`, in one of the run slices of `events`. An arrow needs a slice at each
 * end; when the ring has overwritten the slice where it began, the arrow is left out.
 */
function sliceFinder(events: readonly TraceEvent[]): (tid: number, ts: number) => boolean {
  const slices = new Map<number, { ts: number; end: number }[]>();
  for (const e of events) {
    if (e.kind !== "run") continue;
    const list = slices.get(e.tid) ?? [];
    list.push({ ts: e.ts, end: e.end });
    slices.set(e.tid, list);
  }
  return (tid, ts) => (slices.get(tid) ?? []).some((s) => s.ts <= ts && ts <= s.end);
}

// #region to-chrome-trace
/**
 * Turns a tracer's events into a Chrome trace: a lane per thread (named, in the order threads appeared), an "X"
 * slice per run, an "i" instant per spawn, wake-up and death, and an "s"/"f" flow pair per arrow — from the
 * thread that spawned or woke another (directly or through a timer it set) to the woken thread's next slice.
 */
export function toChromeTrace(
  events: readonly TraceEvent[],
  meta: ChromeTrace["otherData"] = { clock: "hub", dropped: 0 },
): ChromeTrace {
  const out: ChromeEvent[] = [{ name: "process_name", ph: "M", ts: 0, pid: PID, tid: 0, args: { name: "hub" } }];
  const lane = (tid: number, name: string): void => {
    out.push({ name: "thread_name", ph: "M", ts: 0, pid: PID, tid, args: { name } });
    out.push({ name: "thread_sort_index", ph: "M", ts: 0, pid: PID, tid, args: { sort_index: tid } });
  };
  const running = sliceFinder(events);
  // TODO(task 6): toChromeTrace. See README.md.
  throw new Error("not implemented yet — lab 13-observability, task 6: toChromeTrace");
  return { traceEvents: out, displayTimeUnit: "ms", otherData: meta };
}
// #endregion
