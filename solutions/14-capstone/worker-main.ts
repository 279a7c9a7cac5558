// The program a worker of `--workers N` runs (cluster.ts forks it with node:cluster). Built in chapter 14.
import { runWorker } from "./cluster-worker";

await runWorker();
