// What every chapter's demo (`solutions/NN-slug/main.ts`, run by `npm run lab NN`) shares: titled steps, so a lab
// runs from minute one. A step whose task is not done yet says which task to do next, without a stack trace, and
// the other steps still run. Course-owned, not a lab: it uses Node alone, and labs/00-common is a plain copy of it.

/**
 * True for the error a lab's stub throws until its task is written:
 * `not implemented yet — lab NN-slug, task N: name` (the lab generator writes that wording; a course check
 * runs its output through this function, so the two cannot drift apart).
 */
export const isNotImplemented = (e: unknown): e is Error =>
  e instanceof Error && /^not implemented yet — lab \S+, task \d+: /.test(e.message);

let pending = 0;

/** Runs one titled step of a demo. A "not implemented yet" error ends the step with a pointer to the task. */
export async function step(title: string, body: () => unknown): Promise<void> {
  console.log(`\n== ${title}`);
  try {
    await body();
  } catch (e) {
    if (!isNotImplemented(e)) throw e;
    pending++;
    console.log(`   (skipped: ${e.message}. Do that task, then run this demo again.)`);
  }
}

/** Ends a demo with a line that says whether every step ran. */
export function done(): void {
  console.log(pending ? `\n${pending} step(s) wait for tasks you have not done yet.` : "\nEvery step ran.");
}
