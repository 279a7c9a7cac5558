// The obs suite (chapter 13): what observing costs — the same HTTP proxy with metrics off and on (scraped once a
// second), with tracing off and on, reps interleaved in one run, judged against the chapter's goals. One wrk run
// yields several figures, so this suite drives itself (bench/obs/driver.ts on bench/lib/proxy-bench.ts).
import { runObs, SUBJECT, TITLE } from "../obs/driver";
import type { Suite } from "../lib/suite";

export const suite: Suite = { name: "obs", title: TITLE, cases: [], systems: [], subject: SUBJECT, aims: () => [] };

/** run.ts calls this instead of its own loop. */
export const main = runObs;
