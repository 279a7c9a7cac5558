// The flags Node runs the balancer with. Chapter 14 (stage 2); chapter 11 ("The whole proxy") has the measurements.
//
// `npm run lb` (package.json) and `npx hub-lb` (bin/hub-lb.mjs, in its first line) pass them to Node, and the
// workers of `--workers N` inherit them: Node's cluster starts each worker with its primary's flags. They have to be
// on the command line: V8 sizes its heap when the process starts, and `v8.setFlagsFromString` later changes nothing.
// The benchmarks give the same flags to every Node program they put beside ours (bench/lib/proxy-bench.ts). The soak
// (test/soak/run.ts) leaves them out: it looks for memory the code keeps, and the pages of a larger young generation,
// which come and go, would hide a small leak in the resident memory it watches.

/**
 * A young generation twice V8's default (semi-spaces of 32 MB, not 16). Through an HTTP proxy at 1,000 connections a
 * request is in flight for about 90 ms, longer than the 30–45 ms between two collections of the young generation
 * with the default size, so its objects are copied once or twice and then promoted. With twice the room most
 * requests end before their objects' first collection. Four times (64 MB) did worse than twice, in CPU and in memory.
 */
export const NODE_FLAGS: readonly string[] = ["--max-semi-space-size=32"];
