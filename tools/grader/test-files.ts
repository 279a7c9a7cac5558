// Which test files grade a lab: test/NN-slug*.test.ts (public) and test/hidden/NN-slug*.test.ts (instructor
// only). Shared by the grader and the exports, which must hand out exactly the files the grader will run.
import { basename } from "node:path";
import type { Chapter } from "../lib/manifest";
import { gradingTestFiles } from "../lib/test-list";
import type { TestFile } from "./run-lab";

export function testFilesOf(courseRoot: string, lab: Pick<Chapter, "id">): TestFile[] {
  return gradingTestFiles(courseRoot).filter((f) => basename(f.path).startsWith(lab.id));
}
