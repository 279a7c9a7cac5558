// The lb suite (chapter 08): L4 proxies side by side under wrk — our proxy (splice and green
// pipe), a bare Node net+pipe proxy, HAProxy tcp mode (default threads and nbthread 1), nginx stream — at 64, 1,000
// and 5,000 connections. One wrk run yields several figures (req/s, latency, CPU, memory), so this suite brings its
// own driver (bench/lb/driver.ts) and run.ts hands it the command line.
import { runLb } from "../lb/driver";
import type { Suite } from "../lib/suite";

export const suite: Suite = {
  name: "lb",
  title: "lb: L4 proxies side by side under wrk",
  cases: [],
  systems: [],
  subject: "hub (splice)",
  aims: () => [],
};

/** run.ts calls this instead of its own loop. */
export const main = runLb;
