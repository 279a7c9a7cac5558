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
    // BEGIN SOLUTION 4 Scheduler.run
    while (this.#ready.length > 0) {
      const current = this.#ready.shift()!;
      this.trace.push(current.name);
      let step: IteratorResult<void, unknown>;
      try {
        step = current.task.next();
      } catch (error) {
        // One task's error must not stop the others: keep it, and drop the task.
        this.errors.set(current.name, error);
        continue;
      }
      if (step.done) this.results.set(current.name, step.value);
      else this.#ready.push(current); // back of the line: that is what makes it round robin
    }
    // END SOLUTION
  }
}
// #endregion
