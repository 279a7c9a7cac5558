// Measuring helpers for the Node systems of every suite (chapter 8): a case module exports `cases`,
// and bench/lib/child.ts runs one of them in a fresh process.

/** Measures one case once at size n; resolves to the figure in the case's unit. */
export type Measure = (n: number) => number | Promise<number>;

/** What a module of Node cases exports: case id → measure. */
export type CaseModule = { readonly cases: Readonly<Record<string, Measure>> };

/** Monotonic clock in nanoseconds, as a number (exact well past the runs measured here). */
export const nowNs = (): number => Number(process.hrtime.bigint());

/**
 * Full collection, twice: a single gc() can leave objects that weak callbacks or finalization
 * only release on the next cycle, which would blur a heapUsed delta.
 */
export function collect(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error("memory cases need node --expose-gc (bench/lib/child.ts is started with it)");
  gc();
  gc();
}

/** V8 heap in use after a full collection: live objects only, comparable before and after. */
export function liveHeap(): number {
  collect();
  return process.memoryUsage().heapUsed;
}

/** Checks the work really ran, so no case can "win" by skipping it. */
export function check(ok: boolean, what: string): void {
  if (!ok) throw new Error(`benchmark check failed: ${what}`);
}
