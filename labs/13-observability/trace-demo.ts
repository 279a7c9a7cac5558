// The tracing step of chapter 13's demo (`npm run lab 13`, task 6): a small program traced on the virtual clock,
// its events as lines, its Chrome trace in numbers, and what a ring too small for it keeps. Built in chapter 13.
import { sleep } from "../02-hub/green";
import type { Green } from "../02-hub/suspend";
import { spawn } from "../03-cancellation/greenthread";
import { Event } from "../04-primitives/event";
import { formatEvent, traceVirtual } from "./trace";

/** A waiter parks on an Event, a setter sets it 5 ms later, a sleeper is killed by main. */
function* life(): Green<void> {
  const ready = new Event<string>();
  const waiter = spawn(function* waiter(): Green<string> {
    return yield* ready.wait();
  });
  spawn(function* setter(): Green<void> {
    yield* sleep(5);
    ready.send("go");
  });
  const sleeper = spawn(function* sleeper(): Green<void> {
    yield* sleep(60_000);
  });
  yield* waiter.wait();
  yield* sleeper.kill();
}

/** Runs the program traced (with a ring of `capacity` records) and prints what the tracer saw. */
export function traceDemo(log: (line: string) => void, capacity = 64): void {
  const { tracer } = traceVirtual(life, { capacity });
  log(`traced with a ring of ${capacity} records, on the hub's clock (virtual ms, in µs, +1 µs a record):`);
  for (const e of tracer.events()) log(`  ${(e.ts / 1000).toFixed(3).padStart(6)} ms  ${formatEvent(e)}`);
  const trace = tracer.toChromeTrace().traceEvents;
  const count = (ph: string): number => trace.filter((e) => e.ph === ph).length;
  log(`Chrome trace: ${trace.length} events — ${count("X")} run slices (X), ${count("i")} instants (i), ` +
    `${count("s")} arrows (s/f pairs), ${count("M")} metadata (M)`);
  const small = traceVirtual(life, { capacity: 8 }).tracer;
  log(`with a ring of 8 records: ${small.events().length} kept (the newest), ${small.dropped} overwritten`);
  log("chapter 08's proxy, traced: npx tsx solutions/13-observability/proxy-trace.ts (open the JSON in Perfetto)");
}
