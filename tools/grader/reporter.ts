// A vitest reporter for the grader: it appends one JSON line per event to $HUB_GRADE_EVENTS as it happens,
// so when a lab hangs and its process is killed, the results of the tests that finished are not lost.
import { appendFileSync } from "node:fs";
import type { Reporter, TestCase, TestModule } from "vitest/node";

export type GradeEvent =
  | { event: "start" }
  | { event: "ready"; name: string }
  | { event: "result"; name: string; file: string; state: string; message: string; ms: number }
  | { event: "module"; file: string; errors: string[] }
  | { event: "end"; unhandled: string[]; reason: string };

const out = process.env.HUB_GRADE_EVENTS;
const emit = (e: GradeEvent): void => {
  if (out) appendFileSync(out, JSON.stringify(e) + "\n");
};
const firstError = (errors: readonly { message?: string; name?: string }[] | undefined): string =>
  (errors ?? []).map((e) => `${e.name && e.name !== "Error" ? `${e.name}: ` : ""}${e.message ?? String(e)}`).join("\n");

export default class GradeReporter implements Reporter {
  onTestRunStart(): void {
    emit({ event: "start" });
  }
  onTestCaseReady(test: TestCase): void {
    emit({ event: "ready", name: test.fullName });
  }
  onTestCaseResult(test: TestCase): void {
    const r = test.result();
    emit({
      event: "result",
      name: test.fullName,
      file: test.module.relativeModuleId,
      state: r.state,
      message: r.state === "failed" ? firstError(r.errors) : "",
      ms: test.diagnostic()?.duration ?? 0,
    });
  }
  onTestModuleEnd(module: TestModule): void {
    emit({ event: "module", file: module.relativeModuleId, errors: module.errors().map((e) => firstError([e])) });
  }
  onTestRunEnd(_modules: readonly TestModule[], unhandled: readonly { message?: string }[], reason: string): void {
    emit({ event: "end", unhandled: unhandled.map((e) => firstError([e])), reason });
  }
}
