// How a program that runs a learner's code for `--lab` (bench/io/lab-server.ts, bench/lb/lab-proxy.ts,
// bench/l7/lab-proxy.ts) ends when that code fails: one line on stderr, the error's message and the first line of
// the lab or the course it came from (lab.ts, errorLine; a task not done yet in the stub's words), and exit status 1.
// The driver that started it reads that line: the figures of a server that stopped would not be the server's.
import { errorLine } from "./lab";

/** Says why in one line and exits with status 1. */
export function exitWith(e: unknown): never {
  console.error(errorLine(e));
  process.exit(1);
}

/** The hub's reporter for a thread of the learner's that failed: the whole program ends with it. */
export const exitOnThreadFailure = (_thread: unknown, e: unknown): never => exitWith(e);

/** Runs `body` (load the learner's modules, start the server), ending the program on the first error it throws. */
export async function labProgram(body: () => Promise<unknown>): Promise<void> {
  try {
    await body();
  } catch (e) {
    exitWith(e);
  }
}
