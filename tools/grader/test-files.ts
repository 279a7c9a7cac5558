// Which test files grade a lab: test/NN-slug*.test.ts (public) and test/hidden/NN-slug*.test.ts (instructor
// only). Shared by the grader and the exports, which must hand out exactly the files the grader will run.
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import type { Chapter } from "../lib/manifest";
import type { TestFile } from "./run-lab";

export function testFilesOf(courseRoot: string, lab: Pick<Chapter, "id">): TestFile[] {
  const pick = (dir: string, visibility: TestFile["visibility"]): TestFile[] =>
    existsSync(dir)
      ? readdirSync(dir).filter((f) => f.startsWith(lab.id) && f.endsWith(".test.ts")).sort().map((f) => ({ path: join(dir, f), visibility }))
      : [];
  return [...pick(join(courseRoot, "test"), "visible"), ...pick(join(courseRoot, "test", "hidden"), "hidden")];
}
