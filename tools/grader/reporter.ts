// A vitest reporter for the grader. It runs in vitest's main process, where lab code (which runs in worker
// processes) cannot reach it, and writes the runner's own record of every result to the sealed pipe the
// grader gave it (see record.ts). That record alone decides the points; what the worker wrote (setup.ts)
// only says which test was running when a lab hung.
import { readFileSync } from "node:fs";
import type { Reporter, TestCase, TestModule } from "vitest/node";
import { type ErrorLike, hookFailure, lineDiff, NOT_RUN_AFTER_HOOK, plain } from "./failure-text";
import { RECORD_FD, type RecordEvent, sealLine, writeAll } from "./record";

export const errorText = (errors: readonly ErrorLike[] | undefined): string =>
  (errors ?? []).map((e) => `${e.name && e.name !== "Error" ? `${e.name}: ` : ""}${plain(e.message ?? String(e))}`).join("\n");

export default class GradeReporter implements Reporter {
  private readonly fd: number | null;
  private readonly key: string;
  private seq = 0;

  constructor() {
    const fd = Number(process.env[RECORD_FD]);
    // The key comes on stdin, which the grader closes at once: read before any worker starts, it is in no
    // file, no argument and no environment variable a lab could read.
    this.fd = Number.isInteger(fd) && fd > 2 ? fd : null;
    this.key = this.fd === null ? "" : readFileSync(0, "utf8").trim();
  }

  private emit(e: RecordEvent): void {
    if (this.fd !== null) writeAll(this.fd, sealLine(this.key, this.seq++, e));
  }

  onTestRunStart(): void {
    this.emit({ event: "start" });
  }
  onTestCaseResult(test: TestCase): void {
    const r = test.result();
    const errors = r.state === "failed" ? (r.errors as readonly ErrorLike[]) : [];
    // A test a failed beforeAll kept from running: its record says why, or it would read as a bare "skipped".
    const hook = hookFailure(test);
    this.emit({
      event: "result",
      name: test.fullName,
      file: test.module.relativeModuleId,
      state: r.state,
      message: hook ? NOT_RUN_AFTER_HOOK + errorText([hook]) : errorText(errors),
      // vitest's own diff of expected and received, computed where the values were (the first error's).
      diff: plain(errors[0]?.diff || (errors[0]?.expected !== undefined && errors[0]?.actual !== undefined ? lineDiff(errors[0].expected, errors[0].actual) : "")),
      ms: test.diagnostic()?.duration ?? 0,
    });
  }
  onTestModuleEnd(module: TestModule): void {
    this.emit({ event: "module", file: module.relativeModuleId, errors: module.errors().map((e) => errorText([e])) });
  }
  onTestRunEnd(_modules: readonly TestModule[], unhandled: readonly ErrorLike[], reason: string): void {
    this.emit({ event: "end", unhandled: unhandled.map((e) => errorText([e])), reason });
  }
}
