// For the grading tests that start the lab's code as a process of its own (chapter 14's command line and its
// `--workers`): ask the same code in this process first, and fail at once when it meets a stub.
//
// Such a test waits a second or so for tsx to start the process, only to have it die on the first stub it reaches,
// with the stub's message lost in the process's output. On a lab with stubs left, `npm run watch 14` took 3.3 s a
// save, most of it those starts. A quick call into the code the process would run (a probe) finds the stub in a
// millisecond, and the test fails with the stub's own message: which lab, which task.
import { isNotImplemented } from "@target/00-common/demo";

/**
 * Runs `probe` and throws at once if it reaches a stub ("not implemented yet — lab …, task …"), saying that `what`
 * needs it. Any other outcome, an error included, lets the test go on to start its process: a probe only finds stubs,
 * and never decides a test the process would have passed.
 */
export function failFastOnStub(what: string, probe: () => unknown): void {
  try {
    probe();
  } catch (e) {
    if (isNotImplemented(e)) throw new Error(`${what} runs code of the lab that is still a stub: ${e.message}`);
  }
}
