// Course check: no green call is written without `yield*` (see green-calls.ts) in the reference, the tests, the
// benchmarks or the tools; the check itself is tested on a small example so that it can fail.
import { relative } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT } from "../../tools/lib/manifest";
import { droppedGreenCalls } from "../../tools/lib/green-calls";
import { memoryProgram, projectProgram } from "./green-calls";

describe("green calls are yielded", () => {
  it("finds a green call written without yield*, and passes the ones written with it", () => {
    const program = memoryProgram({
      "/x/a.ts": [
        "function* sleep(ms: number): Generator<number, void, unknown> { yield ms; }",
        "class T { *kill(): Generator<number, void, unknown> { yield 0; } }",
        "function* main(t: T): Generator<number, void, unknown> {",
        "  sleep(10);",
        "  yield* sleep(10);",
        "  t.kill();",
        "  yield* t.kill();",
        "  const g = sleep(1); yield* g;",
        "}",
      ].join("\n"),
    });
    const found = droppedGreenCalls(program, (f) => f === "/x/a.ts").map((d) => `${d.line}: ${d.text}`);
    expect(found).toEqual(["4: sleep(10)", "6: t.kill()"]);
  }, 60_000); // a program with the ES2022 library read from disk: over the 5 s default on a busy machine

  it("every green call in the project is yielded (labs are made from solutions, so they are not read twice)", () => {
    const program = projectProgram(ROOT);
    const ours = (f: string): boolean => !/\/node_modules\/|^labs\//.test(relative(ROOT, f).split("\\").join("/"));
    const dropped = droppedGreenCalls(program, ours).map((d) => `${relative(ROOT, d.file)}:${d.line}: ${d.text} — write yield* ${d.text}`);
    expect(dropped, `green calls that never run:\n  ${dropped.join("\n  ")}`).toEqual([]);
  }, 120_000);
});
