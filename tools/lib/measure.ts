// What a learner can measure once a lab is done: the `npm run bench -- <suite> --lab …` commands its README gives
// (labs 04, 05, 07, 08, 09 and 11), which set their code beside the course's. `npm run course` offers them for the labs
// finished. Read from the lab's README as the learner has it: a student copy leaves those paragraphs out (they need
// this repository's reference and benchmarks), so there it offers none.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "./manifest";

/** The `--lab` benchmark commands a README gives, in order, each once. */
export const labBenchCommands = (readme: string): string[] =>
  [...new Set([...readme.matchAll(/`(npm run bench -- [^`]*--lab\b[^`]*)`/g)].map((m) => m[1]!))];

/** The suite such a command runs: "hub" of `npm run bench -- hub --lab --quick`. */
export const benchSuiteOf = (command: string): string => command.split(/\s+/)[4] ?? "";

/** The commands of lab `id`'s README in `labs/`, or none when there is no such README. */
export function labBenchCommandsOf(id: string, root = ROOT): string[] {
  const readme = join(root, "labs", id, "README.md");
  return existsSync(readme) ? labBenchCommands(readFileSync(readme, "utf8")) : [];
}
