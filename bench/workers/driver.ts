// The workers suite (chapter 14): the load balancer on one core and on two — one process, `--workers 1` and
// `--workers 2` (the primary handing connections to the workers in turn, and the kernel doing it, SCHED_NONE) —
// beside HAProxy `mode tcp` with `nbthread 1` and `nbthread 2`, under the same wrk load through the same backends,
// at 64 and 1,000 connections. The engine (fresh start, warm-up, /proc CPU and memory, interleaved reps) is
// bench/lib/proxy-bench.ts, shared with lb and l7.
import { haproxyTcp } from "../lb/driver";
import { haproxySystem, writeConfig } from "../lib/haproxy";
import { node } from "../lib/proc";
import { balancerNode, type BackendKind, PROFILE_HOOK, judge, type ProxySuite, type ProxySystem, runProxyBench } from "../lib/proxy-bench";
import type { DriverOptions } from "../lib/usage";

export const SUBJECT = "lb --workers 2";
export const TITLE = "workers: the load balancer on one core and on two, beside HAProxy with one and two threads";
const LISTEN = 9600;

export const BACKENDS: readonly BackendKind[] = [
  { id: "fixed", suffix: "", ports: [9601, 9602, 9603], argv: [node("bench/lb/backend.ts", "9601", "9602", "9603")], about: "one Node process on three ports answering each request head with a fixed response, without parsing HTTP (bench/lb/backend.ts)" },
];

/** The balancer's config: one tcp listener in front of the backends, round robin, no checks (as HAProxy's below). */
export function lbConfig(backends: readonly number[]): string {
  return JSON.stringify({
    listeners: {
      bench: {
        protocol: "tcp",
        listen: `127.0.0.1:${LISTEN}`,
        strategy: "round-robin",
        backends: backends.map((p, i) => ({ name: `b${i + 1}`, address: `127.0.0.1:${p}` })),
        limits: { maxConnections: 20_000, backlog: 4096 },
      },
    },
  });
}


const CLI = "solutions/14-capstone/cli.ts";

/**
 * `npm run lb -- --config FILE [--workers N]`, with the Node flags `npm run lb` passes; NODE_CLUSTER_SCHED_POLICY
 * picks who hands out connections. The one process is the one `--profile` runs: bench/lib/profile-hook.ts is imported
 * before the CLI, as our other servers import it.
 */
const lb = (workers: number | null, schedule: "rr" | "none" = "rr"): ProxySystem => ({
  name: workers === null ? "lb (one process)" : `lb --workers ${workers}${schedule === "none" ? " (SCHED_NONE)" : ""}`,
  missing: () => null,
  argv: (dir, backends) => [
    "env",
    `NODE_CLUSTER_SCHED_POLICY=${schedule}`,
    ...(workers === null ? balancerNode("--import", PROFILE_HOOK, CLI) : balancerNode(CLI)),
    ...["--config", writeConfig(dir, "lb.json", lbConfig(backends)), ...(workers === null ? [] : ["--workers", String(workers)])],
  ],
  readyLine: workers === null ? /listener bench \(tcp\) on/ : /listening: bench on/,
  profiled: workers === null,
});

export const SYSTEMS: readonly ProxySystem[] = [
  lb(null),
  lb(1),
  lb(2),
  lb(2, "none"),
  haproxySystem("haproxy tcp nbthread 1", haproxyTcp(LISTEN, 1)),
  haproxySystem("haproxy tcp nbthread 2", haproxyTcp(LISTEN, 2)),
];

export const WORKERS: ProxySuite = {
  name: "workers",
  title: TITLE,
  subject: SUBJECT,
  listen: LISTEN,
  conns: [64, 1000],
  backends: BACKENDS,
  systems: SYSTEMS,
  pooled: false,
  // Five, as lb and obs take, so that no verdict rests on one rep of three (a run of 6 systems × 2 counts: about 10 minutes).
  defaultReps: 5,
  notes: [
    "the machine's cores are shared: wrk, the backends, the balancer's primary and its workers (or HAProxy's threads) all run on them, so on a 2-core machine a second worker or thread competes with wrk and the backends; no CPU is pinned",
    "the balancer's tcp listener as npm run lb runs it (round robin, no health checks, no access log); NODE_CLUSTER_SCHED_POLICY picks who hands out connections with --workers",
  ],
  sources: ["solutions", "bench/workers", "bench/lb/driver.ts", "bench/lb/backend.ts", "bench/lib"],
  profileConns: 1000,
  aims: (ctx) => [
    judge(ctx, SUBJECT, "requests/s with 2 workers ≥ 1.0× HAProxy tcp mode's with nbthread 2, at every connection count", "rps", "haproxy tcp nbthread 2", (r) => r >= 1.0, "cpu"),
    judge(ctx, SUBJECT, "requests/s with 2 workers ≥ 1.5× the balancer's as one process (what a second core buys), at every connection count", "rps", "lb (one process)", (r) => r >= 1.5, "cpu"),
  ],
};

export const runWorkers = (options: DriverOptions): Promise<number> => runProxyBench(WORKERS, options);
