// Runs a lab's demo step by step, so a lab runs from minute one: a step whose task is not done yet
// says which task to do next, without a stack trace, and the other steps still run.
import { NOT_IMPLEMENTED } from "./markers";

const isTodo = (e: unknown): e is Error => e instanceof Error && e.message.startsWith(NOT_IMPLEMENTED);

let pending = 0;

/** Runs one titled step of a demo. A "not implemented yet" error ends the step with a pointer to the task. */
export async function step(title: string, body: () => unknown): Promise<void> {
  console.log(`\n== ${title}`);
  try {
    await body();
  } catch (e) {
    if (!isTodo(e)) throw e;
    pending++;
    console.log(`   (skipped: ${e.message}. Do that task, then run this demo again.)`);
  }
}

/** Ends a demo with a line that says whether every step ran. */
export function done(): void {
  console.log(pending ? `\n${pending} step(s) wait for tasks you have not done yet.` : "\nEvery step ran.");
}
