// The lb suite's systems (chapter 08; chapters 09–14 reuse its backends): L4 proxies side by side under wrk, on
// loopback, driven by the engine the l7 and obs suites share (bench/lib/proxy-bench.ts: a fresh start per
// measurement, warm-up, /proc CPU and memory around one `wrk -t1 -cN -d5s --timeout 5s --latency`, reps interleaved).
// A "direct" system points wrk straight at one backend, which shows they are not the bottleneck. Two kinds of backend:
// fixed responses without parsing (backend.ts: only the proxy is measured) and node:http (http-backend.ts: a real
// server), so that no verdict rests on one kind.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { type HaproxySetup, haproxySystem, writeConfig } from "../lib/haproxy";
import { node, NOFILE, probe } from "../lib/proc";
import {
  type AimContext, type BackendKind, everyClientAccepted, judge, needs, type ProxySuite, type ProxySystem, READY_LINE, runProxyBench,
} from "../lib/proxy-bench";
import type { Aim } from "../lib/suite";
import type { DriverOptions } from "../lib/usage";

/**
 * The aims judge chapter 08's splice as the course's balancer runs it: on chapter 14's listener, which accepts through
 * 64 descriptors. Through chapter 05's one descriptor a Node 20 program accepts one client per turn of its loop, so at
 * 1,000 and 5,000 connections neither our proxy nor the Node pipe serves every client wrk opens (bench/lb/README.md),
 * and their figures there would compare unlike things; the one-descriptor rows stay, with the fixed backends, to show it.
 */
export const SUBJECT = "hub (splice on 64 acceptors)";
/** The floor the aims compare with, given the same 64 descriptors. */
const FLOOR = "node net+pipe on 64 acceptors";
export const TITLE = "lb: L4 proxies side by side under wrk (chapter 08)";
const LISTEN = 9200; // the proxy under test

// Case names carry no suffix for the fixed backends, as in the runs before the node:http ones were added.
export const BACKENDS: readonly BackendKind[] = [
  {
    id: "fixed",
    suffix: "",
    ports: [9101, 9102, 9103],
    argv: [node("bench/lb/backend.ts", "9101", "9102", "9103")],
    about: "one Node process on three ports answering each request head with a fixed response, without parsing HTTP (backend.ts)",
  },
  {
    id: "node-http",
    suffix: ", node:http backends",
    ports: [9111, 9112],
    argv: [node("bench/lb/http-backend.ts", "9111"), node("bench/lb/http-backend.ts", "9112")],
    about: "two node:http keep-alive servers, one process each (http-backend.ts)",
  },
];
/** HAProxy 2.6 in `mode tcp` (the lb suite's peer; the workers suite runs it with `nbthread` 1 and 2). */
export const haproxyTcp = (listen: number, nbthread: number | null): HaproxySetup => ({
  listen,
  nbthread,
  defaults: ["  mode tcp", "  maxconn 9000", "  timeout connect 5s", "  timeout client 60s", "  timeout server 60s"],
});

function nginxConfig(dir: string, backends: readonly number[]): string {
  return `load_module /usr/lib/nginx/modules/ngx_stream_module.so;
daemon off;
master_process on;
worker_processes auto;
worker_rlimit_nofile ${NOFILE};
pid ${dir}/nginx.pid;
error_log ${dir}/error.log error;
events { worker_connections 16384; }
stream {
  upstream be {
${backends.map((p) => `    server 127.0.0.1:${p};`).join("\n")}
  }
  server {
    listen 127.0.0.1:${LISTEN} backlog=4096;
    proxy_pass be;
    proxy_connect_timeout 5s;
  }
}
`;
}

const NGINX_INSTALL = "apt-get update && apt-get install -y nginx-light libnginx-mod-stream";

/** Chapter 08's splice: what the subject and the one-descriptor splice run. */
const SPLICE = "solutions/08-tcp-proxy/splice.ts";

export const SYSTEMS: readonly ProxySystem[] = [
  {
    // Chapter 08's proxy on chapter 05's listener, as the chapter builds it: one descriptor.
    name: "hub (splice)",
    missing: needs(SPLICE),
    argv: (_dir, backends) => node("bench/lb/hub-proxy.ts", "splice", String(LISTEN), ...backends.map(String)),
    profiled: true,
    backends: ["fixed"], // the node:http backends measure the systems the aims compare, and the ceiling
  },
  {
    name: "hub (green pipe)",
    missing: needs("solutions/08-tcp-proxy/pipe.ts"),
    argv: (_dir, backends) => node("bench/lb/hub-proxy.ts", "green", String(LISTEN), ...backends.map(String)),
    profiled: true,
    backends: ["fixed"],
  },
  {
    // The subject: chapter 08's splice on chapter 14's listener.
    name: SUBJECT,
    missing: needs(SPLICE, "solutions/14-capstone/acceptors.ts"),
    argv: (_dir, backends) => node("bench/lb/hub-proxy.ts", "splice", "--acceptors", "64", String(LISTEN), ...backends.map(String)),
    readyLine: READY_LINE, // on 64 descriptors, it is ready once the copies are made
  },
  {
    name: "node net+pipe",
    missing: () => null,
    argv: (_dir, backends) => node("bench/lb/node-pipe.ts", String(LISTEN), ...backends.map(String)),
    backends: ["fixed"],
  },
  {
    name: FLOOR,
    missing: () => null,
    argv: (_dir, backends) => node("bench/lb/node-pipe.ts", "--acceptors", "64", String(LISTEN), ...backends.map(String)),
    readyLine: READY_LINE, // as the subject's
  },
  haproxySystem("haproxy", haproxyTcp(LISTEN, null)),
  haproxySystem("haproxy nbthread 1", haproxyTcp(LISTEN, 1)),
  {
    name: "nginx stream",
    missing: () =>
      !probe(["nginx", "-v"])
        ? `not installed here; install it with: ${NGINX_INSTALL}`
        : existsSync("/usr/lib/nginx/modules/ngx_stream_module.so")
          ? null
          : `nginx has no stream module here; install it with: ${NGINX_INSTALL}`,
    argv: (dir, backends) => ["nginx", "-c", writeConfig(dir, "nginx.conf", nginxConfig(dir, backends)), "-p", dir, "-e", join(dir, "error.log")],
    version: () => probe(["nginx", "-v"]) ?? "",
    backends: ["fixed"],
  },
  { name: "direct (no proxy)", missing: () => null, argv: () => null },
];

/**
 * The suite's aims, judged rep by rep (pairedRatio) for each kind of backend; each names the figure that decides it.
 * Throughput and CPU are judged against the Node pipe on 64 descriptors (the floor under any Node proxy, accepting as
 * the subject does) and HAProxy tcp (the production peer, at its default threads); the tail and the memory at 1,000
 * connections, where every Node proxy on one descriptor waited longest in earlier runs.
 */
function aims(ctx: AimContext): Aim[] {
  return [
    everyClientAccepted(ctx, SUBJECT),
    judge(ctx, SUBJECT, "requests/s ≥ 1.0× the Node pipe at every connection count", "rps", FLOOR, (r) => r >= 1, "cpu"),
    judge(ctx, SUBJECT, "CPU per request ≤ 1.05× the Node pipe's at every connection count", "cpu", FLOOR, (r) => r <= 1.05, "rps"),
    judge(ctx, SUBJECT, "requests/s ≥ 0.8× HAProxy tcp at 64 and 1,000 connections, ≥ 0.9× at 5,000", "rps", "haproxy", (r, n) => r >= (n >= 5000 ? 0.9 : 0.8), "cpu"),
    judge(ctx, SUBJECT, "p99 latency at 1,000 connections ≤ 2× HAProxy tcp's", "p99", "haproxy", (r) => r <= 2, "rps", [1000]),
    judge(ctx, SUBJECT, "memory per connection at 1,000 connections ≤ the Node pipe's", "mem", FLOOR, (r) => r <= 1, undefined, [1000]),
  ];
}

export const LB: ProxySuite = {
  name: "lb",
  title: TITLE,
  subject: SUBJECT,
  listen: LISTEN,
  conns: [64, 1000, 5000],
  backends: BACKENDS,
  systems: SYSTEMS,
  pooled: false,
  sources: ["solutions/08-tcp-proxy", "bench/lb", "bench/lib"],
  profileConns: 1000,
  defaultReps: 5,
  aims,
};

export const runLb = (options: DriverOptions): Promise<number> => runProxyBench(LB, options);
