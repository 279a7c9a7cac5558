// The program a worker of `--workers N` runs (cluster.ts forks it with node:cluster). Built in chapter 14.
import { runWorker } from "./cluster-worker";
import { keepServingWithoutOutput } from "./lost-output";

keepServingWithoutOutput(); // a worker shares the primary's stdout: its reader going away must not stop the worker
await runWorker();
