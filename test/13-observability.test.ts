// Grading tests for lab 13-observability. TODO header (owner: metrics).
import { describe, expect, it } from "vitest";
// --- imports: metrics (tasks 1–3)

// --- imports: logs (tasks 4–5)

// --- imports: tracing (task 6)
import type { ChromeEvent, ChromeTrace } from "@target/13-observability/chrome-trace";
import { formatEvent, startTracing, type Tracer } from "@target/13-observability/trace";
import { TraceRing } from "@target/13-observability/trace-ring";
import { checkChromeTrace, leftBehind, tracedLife, virtualHub } from "./support/trace";

// --- end imports

// --- tests: metrics (tasks 1–3)

// --- tests: logs (tasks 4–5)

// --- tests: tracing (task 6)
describe("task 6: tracing the hub", () => {
  it("the ring keeps the newest `capacity` records, oldest first, and counts the ones it overwrote (2 pts)", () => {
    const ring = new TraceRing(4);
    expect(ring.slots()).toEqual([]);
    for (let n = 1; n <= 3; n++) ring.push(1, 2, n, -1, n * 10, n * 10 + 1);
    expect(ring.slots().map((i) => ring.tid[i])).toEqual([1, 2, 3]);
    expect([ring.length, ring.dropped]).toEqual([3, 0]);
    for (let n = 4; n <= 10; n++) ring.push(1, 2, n, -1, n * 10, n * 10 + 1);
    const slots = ring.slots();
    // Each record's six fields stay together in one slot.
    expect(slots.map((i) => [ring.kind[i], ring.code[i], ring.tid[i], ring.other[i], ring.ts[i], ring.ts2[i]])).toEqual([
      [1, 2, 7, -1, 70, 71], [1, 2, 8, -1, 80, 81], [1, 2, 9, -1, 90, 91], [1, 2, 10, -1, 100, 101],
    ]);
    expect([ring.length, ring.written, ring.dropped]).toEqual([4, 10, 6]);
    expect(() => new TraceRing(0)).toThrow(/capacity of at least 1/);
  });

  it("a small program gives the exact sequence: spawned, ran, parked on an Event, woken by its setter, died returned, threw, killed (2 pts)", () => {
    const { tracer } = tracedLife();
    expect(tracer.events().map(formatEvent)).toEqual([
      "spawn main by outside",
      "run main → park", // a run is listed where its slice began: main spawned the next four inside it
      "spawn waiter-1 by thread main",
      "spawn setter-2 by thread main",
      "spawn thrower-3 by thread main",
      "spawn victim-4 by thread main",
      "run waiter-1 → park",
      "run setter-2 → park",
      "run thrower-3 → park",
      "run victim-4 → park",
      "wake thrower-3 by timer thrower-3",
      "run thrower-3 → throw",
      "die thrower-3 threw (TypeError)",
      "wake main by thread thrower-3",
      "run main → park",
      "wake setter-2 by timer setter-2",
      "run setter-2 → return",
      "wake waiter-1 by thread setter-2",
      "die setter-2 returned",
      "run waiter-1 → return",
      "die waiter-1 returned",
      "wake main by thread waiter-1",
      "run main → switch",
      "error into victim-4 by thread main",
      "run victim-4 → throw",
      "die victim-4 killed (GreenletExit)",
      "run main → return",
      "die main returned",
    ]);
    // On the hub's clock: the virtual time in microseconds, 1 µs more per record while it stands still.
    const events = tracer.events();
    expect(events.find((e) => e.kind === "wake" && e.thread === "waiter-1")?.ts).toBeGreaterThanOrEqual(5000);
    expect(events.find((e) => e.kind === "wake" && e.thread === "waiter-1")?.ts).toBeLessThan(6000);
  });

  it("the Chrome trace is valid: ph, ts, pid, tid everywhere; a named lane per thread; slices never overlap in a lane; flows pair up (2 pts)", () => {
    const { tracer } = tracedLife();
    const trace: ChromeTrace = JSON.parse(JSON.stringify(tracer.toChromeTrace()));
    expect(checkChromeTrace(trace)).toEqual([]);
    const lanes = trace.traceEvents.filter((e: ChromeEvent) => e.ph === "M" && e.name === "thread_name").map((e) => e.args?.name);
    expect(lanes).toEqual(["main", "waiter-1", "setter-2", "thrower-3", "victim-4"]);
    const slices = trace.traceEvents.filter((e) => e.ph === "X");
    expect(slices).toHaveLength(tracer.events().filter((e) => e.kind === "run").length);
    // The setter's wake-up of the waiter is an arrow: from inside the setter's slice to the waiter's next slice.
    const tidOf = (name: string): number => trace.traceEvents.find((e) => e.ph === "M" && e.args?.name === name)!.tid;
    const wakes = trace.traceEvents.filter((e) => e.ph === "s" && e.name === "wake" && e.tid === tidOf("setter-2"));
    expect(wakes).toHaveLength(1);
    const finish = trace.traceEvents.find((e) => e.ph === "f" && e.id === wakes[0].id)!;
    expect(finish.tid).toBe(tidOf("waiter-1"));
    expect(trace.traceEvents.filter((e) => e.ph === "s" && e.name === "error").map((e) => e.tid)).toEqual([tidOf("main")]);
    expect(trace.displayTimeUnit).toBe("ms");
  });

  it("stop() leaves the hub exactly as it was, and a program runs the same traced, untraced and stopped midway (1 pts)", () => {
    const untraced = tracedLife({ trace: false });
    const traced = tracedLife();
    const stopped = tracedLife({ stopMidway: true });
    expect(traced.log).toEqual(untraced.log);
    expect(stopped.log).toEqual(untraced.log);
    expect(traced.time).toBe(untraced.time);
    // No property of its own but those a hub never traced has: hub.start is Hub.prototype.start again, and so on.
    expect(leftBehind(traced.hub)).toEqual([]);
    expect(leftBehind(stopped.hub)).toEqual([]);
    // A thread still alive when tracing stopped has its own generator back.
    expect(Object.prototype.toString.call(stopped.survivor.gen)).toBe("[object Generator]");
    // Nothing is recorded after stop(); a hub can be traced again, but by one tracer at a time.
    const n = stopped.tracer.events().length;
    expect(stopped.tracer.events().at(-1)?.kind).toBe("run");
    expect(stopped.tracer.events().at(-1)).toMatchObject({ then: "stop" });
    expect(n).toBeLessThan(traced.tracer.events().length);
    const hub = virtualHub();
    const first: Tracer = startTracing(hub);
    expect(() => startTracing(hub)).toThrow(/traced already/);
    first.stop();
    startTracing(hub).stop();
  });
});

// --- end tests
