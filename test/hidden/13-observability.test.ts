// Instructor-only tests for lab 13-observability: edge cases the public tests leave out. Graded by the instructor's
// grader and the Gradescope autograder; never handed out with the student edition.
import { describe, expect, it } from "vitest";
// --- imports: metrics (tasks 1–3)

// --- imports: logs (tasks 4–5)

// --- imports: tracing (task 6)
// The metrics section's tests use getHub, Green, spawn, Socket, readAll, request, server and simulate from here.
import { getHub } from "@target/02-hub/hub";
import type { Green } from "@target/02-hub/suspend";
import { spawn } from "@target/03-cancellation/greenthread";
import type { Socket } from "@target/05-green-sockets/socket";
import { readAll, request, server, simulate } from "../support/net";
import { formatEvent } from "@target/13-observability/trace";
import { TraceRing } from "@target/13-observability/trace-ring";
import { checkChromeTrace, tracedFromInside, tracedLife, tracedSimRun } from "../support/trace";

// --- end imports

// --- tests: metrics (tasks 1–3)

// --- tests: logs (tasks 4–5)

// --- tests: tracing (task 6)
describe("task 6: tracing the hub", () => {
  it("a ring of capacity 1 keeps only the newest record; a small ring pushed 100,000 times counts every overwrite (1 pts)", () => {
    const one = new TraceRing(1);
    one.push(1, 0, 7, -1, 1, 2);
    one.push(3, 1, 8, 7, 5, 6);
    expect(one.slots().map((i) => [one.kind[i], one.tid[i], one.other[i], one.ts[i]])).toEqual([[3, 8, 7, 5]]);
    expect([one.length, one.dropped]).toEqual([1, 1]);
    const ring = new TraceRing(3);
    const arrays = [ring.kind, ring.code, ring.tid, ring.other, ring.ts, ring.ts2];
    for (let n = 0; n < 100_000; n++) ring.push(2, n % 6, n, -1, n, n + 1);
    expect(ring.slots().map((i) => ring.tid[i])).toEqual([99_997, 99_998, 99_999]);
    expect([ring.length, ring.written, ring.dropped]).toEqual([3, 100_000, 99_997]);
    // The same six arrays: a full ring overwrites, it never grows.
    expect([ring.kind, ring.code, ring.tid, ring.other, ring.ts, ring.ts2]).toEqual(arrays);
    expect(arrays.every((a, i) => a === [ring.kind, ring.code, ring.tid, ring.other, ring.ts, ring.ts2][i])).toBe(true);
  });

  it("killed before it ran: no slice; a Timeout comes from the thread's own timer; a packet wakes its receiver with an arrow from the sender (1 pts)", () => {
    const tracer = tracedSimRun();
    const events = tracer.events();
    const lines = events.map(formatEvent);
    expect(lines.filter((l) => l.includes("early"))).toEqual(["spawn early-1 by thread main", "die early-1 killed (GreenletExit)"]);
    expect(lines.filter((l) => /slow-2/.test(l) && !l.startsWith("run"))).toEqual([
      "spawn slow-2 by thread main",
      "error into slow-2 by timer slow-2",
      "die slow-2 returned",
      "wake main by thread slow-2",
    ]);
    // The server's connection thread parks in recv; the client's bytes arrive as a timer the client's sendall set
    // (each packet of the simulated network is a hub timer): an arrow from the client's slice.
    const echoWakes = events.flatMap((e) => (e.kind === "wake" && e.thread.startsWith("conn") && e.how === "timer" ? [e] : []));
    expect(echoWakes.length).toBeGreaterThan(0);
    expect(echoWakes.some((e) => e.byThread === "main")).toBe(true);
    const trace = tracer.toChromeTrace();
    expect(checkChromeTrace(trace)).toEqual([]);
    expect(trace.traceEvents.some((e) => e.ph === "s" && e.name === "wake" && e.tid === echoWakes[0].by)).toBe(true);
  });

  it("started inside a running thread, it traces that thread from there; a ring too small for the run still exports a valid trace (1 pts)", () => {
    const tracer = tracedFromInside();
    expect(tracer.events().map(formatEvent)).toEqual(["run main → park", "wake main by timer main", "run main → return", "die main returned"]);
    const small = tracedLife({ capacity: 7 });
    expect(small.tracer.dropped).toBe(tracedLife().tracer.events().length - 7);
    expect(small.tracer.events()).toHaveLength(7);
    expect(checkChromeTrace(small.tracer.toChromeTrace())).toEqual([]);
  });
});

// --- end tests
