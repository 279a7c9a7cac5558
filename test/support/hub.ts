// What the tests of chapters 03–04 share: running a program on the virtual clock and a thread that returns after a
// while. Imports the code under test only through `@target/…`, so it runs against the reference or a learner's labs alike.
import type { Green } from "@target/02-hub/suspend";
import { getHub, runVirtual, sleep } from "@target/03-cancellation/greenthread";

/** Runs `main` virtually, collecting what the hub reports (failures nobody waited for). */
export function run<T>(main: () => Green<T>): { result: T; time: number; reports: string[] } {
  const reports: string[] = [];
  const r = runVirtual(main, { report: (g, e) => reports.push(`${g?.name}: ${String((e as Error)?.message ?? e)}`) });
  return { ...r, reports };
}

/** The hub's virtual time. */
export const now = (): number => getHub().now();

/** A thread body that sleeps `ms` and returns `value`. */
export function* returnsAfter<T>(ms: number, value: T): Green<T> {
  yield* sleep(ms);
  return value;
}
