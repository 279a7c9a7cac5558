// The lb suite (chapter 08): L4 proxies side by side under wrk — our proxy (the splice through one descriptor and
// through chapter 14's 64, the green pipe), a bare Node net+pipe proxy (one descriptor and 64), HAProxy tcp mode
// (default threads and nbthread 1), nginx stream — at 64, 1,000 and 5,000 connections, in front of fixed-response
// and node:http backends. One wrk run yields several figures (req/s,
// latency, CPU, memory), so this suite drives itself (bench/lb/driver.ts on bench/lib/proxy-bench.ts, the engine
// the l7 and obs suites share) and run.ts hands it the options. With --lab, a learner's own proxy beside the course's
// (bench/lb/lab-suite.ts).
import { runLb, SUBJECT, TITLE } from "../lb/driver";
import { labAbout, runLbLab } from "../lb/lab-suite";
import type { Suite } from "../lib/suite";
import type { DriverOptions } from "../lib/usage";

export const suite: Suite = {
  name: "lb", title: TITLE, cases: [], systems: [], subject: SUBJECT, aims: () => [],
  lab: {
    get about() {
      return labAbout();
    },
  },
};

/** run.ts calls this instead of its own loop. */
export const main = (options: DriverOptions): Promise<number> => (options.lab ? runLbLab(options) : runLb(options));
