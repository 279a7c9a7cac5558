// Course check: who may import what (CONTRIBUTING.md, "Who may import what"). Every code file's imports are read
// and each one that breaks a rule is named with the file and the rule; the checker itself is tested on small examples.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { isNotImplemented } from "../../solutions/00-common/demo";
import { listFiles } from "../../tools/lib/files";
import { ROOT } from "../../tools/lib/manifest";
import { stubMessage, toStarter } from "../../tools/lib/markers";
import { failFastOnStub } from "../support/stubs";
import { checkImports, formatViolation, importsOf, isChecked, type FileImports } from "./dependencies";

const TREES = ["solutions", "labs", "tools", "site", "bench", "test"];
const SKIP = /^(site\/(dist|casts|screenshots)\/|.*\/node_modules\/)/;

function repositoryFiles(): string[] {
  const top = readdirSync(ROOT, { withFileTypes: true }).filter((d) => d.isFile()).map((d) => d.name);
  const nested = TREES.flatMap((t) => listFiles(join(ROOT, t)).map((f) => `${t}/${f.split("\\").join("/")}`));
  return [...top, ...nested].filter((f) => isChecked(f) && !SKIP.test(f));
}

describe("who may import what", () => {
  it("every file keeps the dependency rules", () => {
    const files: FileImports[] = repositoryFiles().map((file) => ({ file, imports: importsOf(readFileSync(join(ROOT, file), "utf8")) }));
    expect(files.length).toBeGreaterThan(100);
    expect(files.some((f) => f.file === "solutions/01-coroutines/main.ts")).toBe(true);
    const broken = checkImports(files).map(formatViolation);
    expect(broken, `imports that break the rules in CONTRIBUTING.md:\n  ${broken.join("\n  ")}`).toEqual([]);
  });
});

describe("the dependency checker", () => {
  const check = (file: string, ...imports: string[]): string[] => checkImports([{ file, imports }]).map(formatViolation);

  it("reads every kind of import, and not those in comments or strings", () => {
    const text = [
      `import { a } from "./a";`,
      `import type { B } from "../b";`,
      `export { c } from "./c";`,
      `import "./side-effect";`,
      `const d = await import("./d");`,
      `// import { x } from "./commented";`,
      `const s = 'import { y } from "./in-a-string"';`,
    ].join("\n");
    expect(importsOf(text).sort()).toEqual(["../b", "./a", "./c", "./d", "./side-effect"]);
  });

  it("lets reference code import Node, its own folder, earlier chapters and 00-common", () => {
    expect(check("solutions/03-cancellation/main.ts", "node:fs", "./greenthread", "../02-hub/hub", "../01-coroutines/x", "../00-common/demo")).toEqual([]);
    expect(check("labs/03-cancellation/main.ts", "../02-hub/hub", "../00-common/demo")).toEqual([]);
    expect(check("solutions/00-common/demo.ts", "node:util", "./other")).toEqual([]);
  });

  it("names the file, the import and the rule when reference code reaches past its rules", () => {
    const broken = check("solutions/02-hub/main.ts", "../../tools/lib/demo", "../03-cancellation/greenthread", "vitest", "../../labs/01-coroutines/x");
    expect(broken).toHaveLength(4);
    expect(broken[0]).toBe(
      `solutions/02-hub/main.ts: imports "../../tools/lib/demo", but reference code in solutions/NN-slug imports only Node's modules, its own folder, earlier chapters (lower NN) and solutions/00-common`,
    );
    expect(broken[1]).toContain(`"../03-cancellation/greenthread"`);
    expect(broken[2]).toContain("no packages but the course's short list (yaml, zod)");
    expect(check("solutions/00-common/demo.ts", "../01-coroutines/scheduler")).toHaveLength(1);
    expect(check("solutions/00-common/demo.ts", "../../tools/lib/markers")).toHaveLength(1);
  });

  it("lets chapters import the packages on the short list, and no other", () => {
    expect(check("solutions/12-elastic/discovery-file.ts", "yaml", "yaml/util", "node:fs")).toEqual([]);
    expect(check("labs/12-elastic/discovery-file.ts", "yaml")).toEqual([]);
    expect(check("solutions/12-elastic/discovery-file.ts", "js-yaml")).toHaveLength(1);
    expect(check("solutions/12-elastic/discovery-file.ts", "yaml-extra")).toHaveLength(1);
    expect(check("solutions/00-common/demo.ts", "yaml"), "00-common: Node's modules only").toHaveLength(1);
  });

  it("keeps tools and site apart except through tools/lib and the site's entry points", () => {
    expect(check("site/src/build/casts.ts", "../../../tools/lib/cast", "shiki", "./layout")).toEqual([]);
    expect(check("site/src/build/notebook-run.ts", "../../../tools/notebooks/run")).toEqual([
      `site/src/build/notebook-run.ts: imports "../../../tools/notebooks/run", but site/ imports only site/, tools/lib/, Node's modules and packages`,
    ]);
    expect(check("tools/start.ts", "../site/src/build/index", "./lib/manifest")).toEqual([]);
    expect(check("tools/export/templates/site.ts.tmpl", "../site/src/build/index", "./lib/manifest")).toEqual([]);
    expect(check("tools/record.ts", "../site/src/build/casts")).toHaveLength(1);
    expect(check("tools/lib/labs.ts", "../grader/points")).toHaveLength(1);
    expect(check("tools/lab.ts", "../solutions/01-coroutines/main")).toHaveLength(1);
  });

  it("lets bench import solutions and tools/lib, and tests anything", () => {
    expect(check("bench/io/hub-echo.ts", "../../solutions/02-hub/green", "../../tools/lib/process-group", "../lib/wrk")).toEqual([]);
    expect(check("bench/io/driver.ts", "../../tools/grader/run-lab")).toHaveLength(1);
    expect(check("bench/io/driver.ts", "../../site/src/build/bench")).toHaveLength(1);
    expect(check("test/site/build.test.ts", "../../site/src/build/index", "../../tools/grader/run-lab", "@target/01-coroutines/x")).toEqual([]);
  });
});

describe("the demos' common module", () => {
  it("recognises the stubs' message, whose wording the lab generator owns", () => {
    expect(isNotImplemented(new Error(stubMessage("04-primitives", 3, "Queue.get")))).toBe(true);
    // What a generated stub really throws, not only the message function.
    const starter = toStarter("export function f() {\n  // BEGIN SOLUTION 2 f\n  return;\n  // END SOLUTION\n}\n", "x.ts", "01-coroutines");
    let thrown: unknown;
    try {
      new Function(`${starter.replace("export ", "")}\nf();`)();
    } catch (e) {
      thrown = e;
    }
    expect(isNotImplemented(thrown), String(thrown)).toBe(true);
    expect(isNotImplemented(new Error("not implemented"))).toBe(false);
    expect(isNotImplemented("not implemented yet — lab 01-coroutines, task 1: x")).toBe(false);
  });

  it("a grading test's probe for stubs fails only on a stub: any other outcome lets the test go on (test/support/stubs.ts)", () => {
    const stub = (): never => {
      throw new Error(stubMessage("14-capstone", 6, "applyUpdate"));
    };
    expect(() => failFastOnStub("--workers 2", stub)).toThrow(
      "--workers 2 runs code of the lab that is still a stub: not implemented yet — lab 14-capstone, task 6: applyUpdate",
    );
    expect(() => failFastOnStub("--workers 2", () => 1)).not.toThrow();
    const bug = (): never => {
      throw new TypeError("lb.running is undefined");
    };
    expect(() => failFastOnStub("--workers 2", bug), "a learner's own error is the process's to show").not.toThrow();
  });
});
