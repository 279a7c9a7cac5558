// Chapter 01: a round-robin scheduler of generator tasks — the hub of chapter 02 in thirty lines.
// Each `yield` inside a task means "let the others run"; the scheduler decides who runs next.

/** A task is a generator that yields to give up its turn and returns its result when done. */
export type Task = Generator<void, unknown, unknown>;

// #region scheduler
export class Scheduler {
  /** Tasks waiting for their turn, in order. */
  #ready: { name: string; task: Task }[] = [];
  /** The name of each task every time it ran, in order: what happened, for tests and demos. */
  readonly trace: string[] = [];
  readonly results = new Map<string, unknown>();
  readonly errors = new Map<string, unknown>();

  spawn(name: string, task: Task): void {
    this.#ready.push({ name, task });
  }

  /** Runs every task in turn, one step each, until all of them have returned or thrown. */
  run(): void {
    // TODO(task 4): Scheduler.run. See README.md.
    throw new Error("not implemented yet — lab 01-coroutines, task 4: Scheduler.run");
  }
}
// #endregion
