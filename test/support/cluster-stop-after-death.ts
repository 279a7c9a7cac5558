// A program for chapter 14's instructor test of the primary (test/hidden/14-capstone.test.ts): a message sent to a
// worker that has just died. It starts a cluster of one worker from the tree under test, kills the worker and, before
// the primary's event loop has had a turn to read the end of the worker's channel, stops the cluster: the stop message
// meets a closed channel (EPIPE, or ECONNRESET), every time. It prints the primary's log, then "stopped: <exit code>";
// a primary that does not hear the worker's 'error' crashes before that line.
//
//   node --import tsx test/support/cluster-stop-after-death.ts <tree> <backend port>
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";

type Config = typeof import("@target/14-capstone/config");
type Cluster = typeof import("@target/14-capstone/cluster");

const tree = resolve(process.argv[2] ?? "solutions");
const backendPort = Number(process.argv[3]);
const load = <T>(file: string): Promise<T> => import(pathToFileURL(join(tree, "14-capstone", file)).href) as Promise<T>;
const { parseConfig } = await load<Config>("config.ts");
const { startCluster } = await load<Cluster>("cluster.ts");

const config = {
  listeners: { web: { protocol: "tcp", listen: "127.0.0.1:0", backends: [{ name: "b1", address: `127.0.0.1:${backendPort}` }] } },
  stopTimeout: 1000,
};
const parsed = parseConfig(JSON.stringify(config), "json");
if (!parsed.ok) {
  console.log(`the test's config was refused: ${JSON.stringify(parsed)}`);
  process.exit(3);
}
const cluster = await startCluster(parsed.config, { workers: 1, log: (line) => console.log(line) });
const worker = cluster.workers()[0]!;
process.kill(worker.pid, "SIGKILL");
// The worker is gone within this wait, and its channel closed; the primary's loop has not run since, so the worker
// still looks connected and stop() writes to it.
const until = Date.now() + 300;
while (Date.now() < until);
const code = await cluster.stop();
console.log(`stopped: ${code}`);
process.exit(code);
