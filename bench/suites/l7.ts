// The l7 suite (chapter 11): HTTP proxies side by side under wrk — our HTTP proxy, HAProxy `mode http` (default
// threads and nbthread 1), nginx with upstream keepalive, node http-proxy (defaults, and with a keep-alive agent) — at
// 64, 1,000 and 5,000 connections, in front of fixed-response and node:http backends. One wrk run yields several
// figures, so this suite drives itself (bench/l7/driver.ts on bench/lib/proxy-bench.ts) and run.ts hands it the options.
// With --lab, a learner's own HTTP proxy beside the course's (bench/l7/lab-suite.ts).
import { runL7, SUBJECT, TITLE } from "../l7/driver";
import { labAbout, runL7Lab } from "../l7/lab-suite";
import type { Suite } from "../lib/suite";
import type { DriverOptions } from "../lib/usage";

export const suite: Suite = {
  name: "l7", title: TITLE, cases: [], systems: [], subject: SUBJECT, aims: () => [],
  lab: {
    get about() {
      return labAbout();
    },
  },
};

/** run.ts calls this instead of its own loop. */
export const main = (options: DriverOptions): Promise<number> => (options.lab ? runL7Lab(options) : runL7(options));
