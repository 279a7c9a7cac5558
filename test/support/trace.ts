// What chapter 13's tracing tests share: a small traced program on the virtual clock (spawn, an Event, a throw, a
// kill) and a checker of Chrome trace-event JSON. Imports the code under test only through `@target/…`.
//
// The programs live here, not in the test files, so that those import only names of their own part (chapter 13's
// test files are shared by several parts).
import { expect } from "vitest";
import { sleep } from "@target/02-hub/green";
import { Greenlet } from "@target/02-hub/greenlet";
import { getHub, Hub } from "@target/02-hub/hub";
import type { Green } from "@target/02-hub/suspend";
import { VirtualBackend } from "@target/02-hub/virtual";
import { getCurrent, spawn, type GreenThread } from "@target/03-cancellation/greenthread";
import { withTimeout } from "@target/03-cancellation/timeout";
import { Event } from "@target/04-primitives/event";
import type { Socket } from "@target/05-green-sockets/socket";
import type { ChromeEvent, ChromeTrace } from "@target/13-observability/chrome-trace";
import { startTracing, type Tracer } from "@target/13-observability/trace";
import { readAll, request, server, simulate } from "./net";

/** A hub on the virtual clock, not running yet. */
export const virtualHub = (): Hub => new Hub(new VirtualBackend());

const HOOKED = ["start", "resume", "throwInto", "switchTo", "schedule"] as const;

/** How `hub` differs from a hub never traced, as lines (empty: not at all): own properties, and methods not the class's. */
export function leftBehind(hub: Hub): string[] {
  const own = Object.getOwnPropertyNames(hub).join(", ");
  const fresh = Object.getOwnPropertyNames(virtualHub()).join(", ");
  const problems = own === fresh ? [] : [`own properties: ${own} (a hub never traced has: ${fresh})`];
  for (const m of HOOKED) if (hub[m] !== Hub.prototype[m]) problems.push(`hub.${m} is not Hub.prototype.${m}`);
  const backendOwn = Object.getOwnPropertyNames(hub.backend).join(", ");
  const backendFresh = Object.getOwnPropertyNames(virtualHub().backend).join(", ");
  if (backendOwn !== backendFresh) problems.push(`the backend's own properties: ${backendOwn} (never traced: ${backendFresh})`);
  return problems;
}

export interface TracedLife {
  readonly hub: Hub;
  readonly tracer: Tracer;
  /** What the threads did, with the virtual time: the same whether traced or not. */
  readonly log: string[];
  readonly time: number;
  /** A thread alive when a midway stop() happens (it is killed later). */
  readonly survivor: GreenThread<void>;
}

/**
 * main spawns a waiter (waits on an Event), a setter (sleeps 5 ms, sets it), a thrower (sleeps 1 ms, throws a
 * TypeError) and a victim (sleeps 100 ms); main waits for the thrower, then the waiter, then kills the victim.
 * `trace: false` runs it untraced; `stopMidway` has main stop the tracer right after the thrower's death.
 */
export function tracedLife(options: { trace?: boolean; stopMidway?: boolean; capacity?: number } = {}): TracedLife {
  const hub = new Hub(new VirtualBackend(), {
    report: (_g, e) => {
      throw new Error(`a thread failed with nobody waiting: ${String(e)}`);
    },
  });
  const tracer = options.trace === false ? null : startTracing(hub, { capacity: options.capacity ?? 1000 });
  const log: string[] = [];
  const say = (line: string): void => {
    log.push(`${hub.now()} ms: ${line}`);
  };
  let survivor: GreenThread<void> | null = null;
  function* main(): Green<void> {
    const ready = new Event<string>();
    const waiter = spawn(function* waiter(): Green<string> {
      const got = yield* ready.wait();
      say(`waiter got ${got}`);
      return got;
    });
    spawn(function* setter(): Green<void> {
      yield* sleep(5);
      ready.send("go");
    });
    const thrower = spawn(function* thrower(): Green<void> {
      yield* sleep(1);
      throw new TypeError("thrown on purpose");
    });
    const victim = (survivor = spawn(function* victim(): Green<void> {
      try {
        yield* sleep(100);
      } finally {
        say("victim cleans up");
      }
    }));
    try {
      yield* thrower.wait();
    } catch (e) {
      say(`main caught ${(e as Error).name}`);
    }
    if (options.stopMidway) tracer?.stop();
    say(`main: waiter returned ${yield* waiter.wait()}`);
    yield* victim.kill();
    say("main ends");
  }
  const g = new Greenlet(hub, main(), "main");
  hub.run(g);
  if (g.failed) throw g.error;
  tracer?.stop();
  return { hub, tracer: tracer ?? startTracing(virtualHub()), log, time: hub.now(), survivor: survivor! };
}

/**
 * What is wrong with a Chrome trace, as lines (empty: nothing): every event has a phase, a numeric ts, pid and tid;
 * "X" slices have a duration ≥ 0 and never overlap within a lane; every lane with events is named; every flow "s"
 * has exactly one "f" with its id, name and cat, not earlier, and each end lies in a slice of its own lane.
 */
export function checkChromeTrace(trace: ChromeTrace): string[] {
  const problems: string[] = [];
  const events: ChromeEvent[] = trace.traceEvents;
  if (!Array.isArray(events)) return ["traceEvents is not an array"];
  events.forEach((e, i) => {
    for (const k of ["ts", "pid", "tid"] as const) {
      if (typeof e[k] !== "number" || !Number.isFinite(e[k])) problems.push(`event ${i} (${e.name}) has no numeric ${k}`);
    }
    if (!["X", "i", "s", "f", "M"].includes(e.ph)) problems.push(`event ${i} (${e.name}) has phase ${String(e.ph)}`);
    if (e.ph === "X" && !(typeof e.dur === "number" && e.dur >= 0)) problems.push(`slice ${i} has no duration ≥ 0`);
  });
  const named = new Set(events.filter((e) => e.ph === "M" && e.name === "thread_name").map((e) => e.tid));
  const slices = new Map<number, ChromeEvent[]>();
  for (const e of events) {
    if (e.ph !== "M" && !named.has(e.tid)) problems.push(`lane ${e.tid} has events but no thread_name`);
    if (e.ph === "X") slices.set(e.tid, [...(slices.get(e.tid) ?? []), e]);
  }
  for (const [tid, list] of slices) {
    list.sort((a, b) => a.ts - b.ts);
    for (let i = 1; i < list.length; i++) {
      const prev = list[i - 1];
      if (prev.ts + prev.dur! > list[i].ts) problems.push(`lane ${tid}: the slice at ${prev.ts} overlaps the one at ${list[i].ts}`);
    }
  }
  const inSlice = (e: ChromeEvent): boolean => (slices.get(e.tid) ?? []).some((x) => x.ts <= e.ts && e.ts <= x.ts + x.dur!);
  const starts = events.filter((e) => e.ph === "s");
  const finishes = events.filter((e) => e.ph === "f");
  for (const s of starts) {
    const f = finishes.filter((x) => x.id === s.id);
    if (f.length !== 1) {
      problems.push(`flow ${s.id} (${s.name}) has ${f.length} finishes`);
      continue;
    }
    if (f[0].name !== s.name || f[0].cat !== s.cat) problems.push(`flow ${s.id}: its ends differ in name or cat`);
    if (f[0].ts < s.ts) problems.push(`flow ${s.id} ends before it starts`);
    if (!inSlice(s)) problems.push(`flow ${s.id} (${s.name}) starts outside any slice of lane ${s.tid}`);
    if (!inSlice(f[0])) problems.push(`flow ${s.id} (${s.name}) ends outside any slice of lane ${f[0].tid}`);
  }
  for (const f of finishes) if (!starts.some((s) => s.id === f.id)) problems.push(`flow ${f.id} (${f.name}) has no start`);
  return problems;
}

/**
 * On the simulated network (seed 13, 2 ms links), traced from inside main: a thread killed before it ran; a thread
 * whose `withTimeout(3 ms)` fires; an echo server's connection thread answering a client's "ping".
 */
export function tracedSimRun(): Tracer {
  let tracer: Tracer | null = null;
  simulate({ seed: 13, latency: 2 }, function* (net) {
    tracer = startTracing(getHub());
    const early = spawn(function* early(): Green<void> {});
    yield* early.kill();
    const slow = spawn(function* slow(): Green<string> {
      return yield* withTimeout(3, function* () {
        yield* sleep(50);
        return "late";
      }, { timeoutValue: "timed out" });
    });
    expect(yield* slow.wait()).toBe("timed out");
    yield* server(net.host("srv"), { host: "srv", port: 7 }, function* echo(s: Socket): Green<void> {
      yield* s.sendall(yield* readAll(s));
    });
    expect(yield* request(net.host("cli"), { host: "srv", port: 7 }, "ping")).toBe("ping");
  });
  return tracer!;
}

/** main sleeps 1 ms, starts tracing, sleeps 2 ms more and returns: traced from the middle of its slice. */
export function tracedFromInside(): Tracer {
  let tracer: Tracer | null = null;
  simulate({ seed: 13 }, function* () {
    yield* sleep(1);
    tracer = startTracing(getHub(), { capacity: 5000 });
    expect(getCurrent().name).toBe("main");
    yield* sleep(2);
  });
  return tracer!;
}
