// The cpu suite (chapters 08, 11 and 13): where the CPU of our proxies and of their peers goes, by Linux perf, in
// microseconds per request. Each measurement yields many figures (the parts of one profile), so this suite drives
// itself (bench/cpu/driver.ts) and run.ts hands it the options.
import { runCpu, SUBJECT, TITLE } from "../cpu/driver";
import type { Suite } from "../lib/suite";

export const suite: Suite = { name: "cpu", title: TITLE, cases: [], systems: [], subject: SUBJECT, aims: () => [] };

/** run.ts calls this instead of its own loop. */
export const main = runCpu;
