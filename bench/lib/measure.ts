// Measuring helpers for the Node systems of every suite (chapter 8): a case module exports `cases`,
// and bench/lib/child.ts runs one of them in a fresh process.

/** Measures one case once at size n; resolves to the figure in the case's unit. */
export type Measure = (n: number) => number | Promise<number>;

/** What a module of Node cases exports: case id → measure. */
export type CaseModule = { readonly cases: Readonly<Record<string, Measure>> };

/**
 * CPU time this process has used (user + system, all its threads: V8's GC helpers included), in nanoseconds.
 * Time cases divide CPU time, not wall time: on a shared 2-core machine other processes stretch wall time by
 * whole scheduler slices, while the CPU a measurement burns barely moves; idle waits (a timer's delay) cost none.
 */
export const cpuNs = (): number => {
  const { user, system } = process.cpuUsage();
  return (user + system) * 1000;
};

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
