// Where the learner's hub is (`npm run bench -- hub --lab`): labs/, or the tree HUB_TARGET names, as the grader and
// `npm run watch` read it (vitest.config.ts). Relative to the current directory, which npm makes the repository's.
import { resolve } from "node:path";

export const labTree = (): string => resolve(process.env.HUB_TARGET || resolve(import.meta.dirname, "..", "..", "labs"));

/** The chapters the hub suite's cases use (lab-cases.ts). */
export const HUB_LABS = ["02-hub", "03-cancellation", "04-primitives"] as const;
