// The workers suite (chapter 14): the load balancer as one process, with `--workers 1` and `--workers 2`, beside
// HAProxy tcp mode with nbthread 1 and 2, at 64 and 1,000 connections. One wrk run yields several figures, so this
// suite drives itself (bench/workers/driver.ts on bench/lib/proxy-bench.ts) and run.ts hands it the options.
import { runWorkers, SUBJECT, TITLE } from "../workers/driver";
import type { Suite } from "../lib/suite";

export const suite: Suite = { name: "workers", title: TITLE, cases: [], systems: [], subject: SUBJECT, aims: () => [] };

/** run.ts calls this instead of its own loop. */
export const main = runWorkers;
