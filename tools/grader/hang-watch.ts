// Tells, while a lab's tests run, which test is stuck in a loop, so the grader can stop the run there instead of at
// the lab's time limit. A test whose code waits (on a promise, a socket, a timer) is failed by vitest itself at its
// time limit; only code that never gives the event loop back keeps it running past that limit (or a hook past its
// own), because vitest's own timer can then never fire. The worker writes when each test starts, with its own time
// limit and its hooks, and when its function starts and ends (setup.ts, test-phases.ts); this reads that record as it
// grows, on the grader's clock, and gives each stretch its own limit.
import { existsSync, readFileSync } from "node:fs";
import type { WorkerEvent } from "./record";
import type { Phase } from "./test-phases";

/** Time given beyond a test's limit for a busy machine before the test counts as stuck. */
export const GRACE_MS = 3000;
/** How often the worker's record is read. */
const EVERY_MS = 200;

/** A task as vitest's runner gives it to a hook: its name, the suites around it, and its file's own suite. */
export interface NamedTask {
  readonly name: string;
  readonly suite?: { readonly name: string; readonly suite?: NamedTask["suite"] };
  readonly file: unknown;
}

/** "describe > test", as vitest's reporters name a test: the file's own suite is not part of the name. */
export function fullName(task: NamedTask): string {
  const names = [task.name];
  for (let s = task.suite; s && s !== task.file; s = s.suite) names.unshift(s.name);
  return names.join(" > ");
}

/**
 * The longest a test may run before it counts as stuck, but for the grace, when the worker says only when it started:
 * its own limit, and a before and an after hook's (each `hookMs`).
 */
const limitOf = (timeoutMs: number, hookMs: number): number => timeoutMs + 2 * hookMs;

/**
 * Where a running test is: in its before hooks, its own function or what runs after it (test-phases.ts), each with a
 * limit of its own; or "test" when the worker said only when it started.
 */
export type Stretch = Phase | "test";

/** A test that has started and not finished: when the grader first saw it start, and the stretch it is in now. */
interface Running {
  readonly started: number;
  readonly timeoutMs: number;
  readonly stretch: Stretch;
  readonly since: number;
  readonly limitMs: number;
}

/** A test found stuck: how long it had run, the stretch it was stuck in and that stretch's limit. */
export interface Stuck {
  readonly name: string;
  readonly ms: number;
  readonly stretch: Stretch;
  readonly limitMs: number;
}

/** Tracks the tests running now from the worker's events, as they arrive. */
export class RunningTests {
  private readonly running = new Map<string, Running>();

  /** `hookMs`: each hook's time limit (vitest's hookTimeout, which the course sets to `limits.testMilliseconds`). */
  constructor(private readonly hookMs: number) {}

  /** Takes the events seen at `now` (the grader's clock, never the worker's). */
  see(events: readonly WorkerEvent[], now: number): void {
    for (const e of events) {
      if (e.event === "result") {
        this.running.delete(e.name);
      } else if (e.event === "ready") {
        // A worker that names no limit (or vitest's 0, no limit) leaves the lab's own time limit to stop the test.
        const timeoutMs = e.timeoutMs ? e.timeoutMs : Infinity;
        const [stretch, limitMs]: [Stretch, number] = e.hooks === undefined ? ["test", limitOf(timeoutMs, this.hookMs)] : ["before", e.hooks * this.hookMs];
        this.running.set(e.name, { started: now, timeoutMs, stretch, since: now, limitMs });
      } else {
        const r = this.running.get(e.name);
        if (!r) continue;
        const limitMs = e.event === "body" ? r.timeoutMs : e.hooks * this.hookMs;
        this.running.set(e.name, { ...r, stretch: e.event, since: now, limitMs });
      }
    }
  }

  /** The test that started last of those still running, if any: where a lab stopped at its time limit was. */
  lastStarted(): string | null {
    let last: string | null = null;
    for (const name of this.running.keys()) last = name; // a Map keeps the order tests started in
    return last;
  }

  /** The first test that has stayed in a stretch longer than that stretch's limit and the grace, if any has. */
  overdue(now: number): Stuck | null {
    for (const [name, r] of this.running) {
      if (now - r.since > r.limitMs + GRACE_MS) return { name, ms: now - r.started, stretch: r.stretch, limitMs: r.limitMs };
    }
    return null;
  }
}

/** Parses the worker's record; a line cut short by a kill, or garbage, is skipped: it decides nothing on its own. */
export function parseWorkerEvents(text: string): WorkerEvent[] {
  const events: WorkerEvent[] = [];
  for (const line of text.split("\n").filter(Boolean)) {
    try {
      events.push(JSON.parse(line) as WorkerEvent);
    } catch {
      // see above
    }
  }
  return events;
}

/** Reads `eventsFile` as it grows and calls `onStuck` once, with the first test found running past its limit and the grace. */
export function watchForStuckTest(eventsFile: string, hookMs: number, onStuck: (stuck: Stuck) => void): { stop(): void } {
  const tests = new RunningTests(hookMs);
  let read = 0;
  const timer = setInterval(() => {
    if (!existsSync(eventsFile)) return;
    const text = readFileSync(eventsFile, "utf8");
    // Only whole lines: the worker may be half-way through one.
    const end = text.lastIndexOf("\n") + 1;
    if (end > read) tests.see(parseWorkerEvents(text.slice(read, end)), Date.now());
    read = Math.max(read, end);
    const stuck = tests.overdue(Date.now());
    if (stuck) {
      clearInterval(timer);
      onStuck(stuck);
    }
  }, EVERY_MS);
  return { stop: () => clearInterval(timer) };
}
