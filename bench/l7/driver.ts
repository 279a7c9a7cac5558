// The l7 suite (chapter 11): HTTP proxies side by side under wrk, on loopback — our HTTP proxy (on chapter 14's
// listener of 64 descriptors, and on one), HAProxy `mode http` (default threads and nbthread 1), nginx `proxy_pass`
// with upstream keepalive, node's http-proxy with its defaults and with a keep-alive agent (on 64 descriptors, as
// ours) — at 64, 1,000 and 5,000 connections, in front of two kinds of backends. Our proxies and the Node peers run
// with the balancer's Node flags (proxy-bench's `balancerNode`). The engine (fresh start, warm-up, /proc CPU and
// memory, interleaved reps) is bench/lib/proxy-bench.ts, shared with lb and obs.
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { type HaproxySetup, haproxySystem, writeConfig } from "../lib/haproxy";
import { NOFILE, node, probe, repoDir } from "../lib/proc";
import { profilePart } from "../lib/profile";
import {
  balancerNode, type BackendKind, everyClientAccepted, judge, needs, type ProxySuite, type ProxySystem, READY_LINE, runProxyBench,
} from "../lib/proxy-bench";
import type { DriverOptions } from "../lib/usage";

/**
 * Chapter 11's proxy as the course's balancer runs it: on chapter 14's listener, 64 descriptors. Through chapter 05's
 * one descriptor a Node 20 program accepts one client per turn of its loop, and at 1,000 and 5,000 connections our
 * proxy had not accepted every client when the runs ended (bench/lb/README.md), so its figures there compared unlike
 * things; that row stays, with the fixed backends, to show it.
 */
export const SUBJECT = "hub http proxy on 64 acceptors";
export const TITLE = "l7: HTTP proxies side by side under wrk (chapter 11)";
const LISTEN = 9500;

export const BACKENDS: readonly BackendKind[] = [
  { id: "fixed", suffix: ", fixed backends", ports: [9501, 9502, 9503], argv: [node("bench/lb/backend.ts", "9501", "9502", "9503")] },
  { id: "node", suffix: ", node:http backends", ports: [9511, 9512, 9513], argv: [node("bench/l7/node-backend.ts", "9511", "9512", "9513")] },
];

const NGINX_INSTALL = "apt-get update && apt-get install -y nginx-light";

/**
 * HAProxy 2.6 in `mode http` at its best honest configuration: `http-reuse always` (any idle server connection serves
 * any request), and idle server connections kept until 90% of the fds are in use (`tune.pool-high-fd-ratio`; the
 * default 25% closes them past 2,250 fds and, at 5,000 client connections, makes it reconnect for most requests).
 */
const haproxyHttp = (nbthread: number | null): HaproxySetup => ({
  listen: LISTEN,
  nbthread,
  global: ["  tune.pool-high-fd-ratio 90", "  tune.pool-low-fd-ratio 80"],
  defaults: [
    "  mode http",
    "  maxconn 9000",
    "  http-reuse always",
    "  option forwardfor",
    "  timeout connect 5s",
    "  timeout client 60s",
    "  timeout server 60s",
    "  timeout http-keep-alive 60s",
  ],
});

/**
 * nginx 1.22 as a reverse proxy at its best honest configuration: HTTP/1.1 to the upstream with `Connection` cleared
 * and `keepalive` idle connections cached per worker (without them nginx opens a connection per request), high
 * `keepalive_requests` on both sides (the default 1,000 would close wrk's connections during the run), no access log.
 */
export function nginxConfig(dir: string, backends: readonly number[]): string {
  return `daemon off;
master_process on;
worker_processes auto;
worker_rlimit_nofile ${NOFILE};
pid ${dir}/nginx.pid;
error_log ${dir}/error.log error;
events { worker_connections 16384; }
http {
  access_log off;
  keepalive_requests 1000000;
  keepalive_timeout 120s;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  upstream be {
${backends.map((p) => `    server 127.0.0.1:${p};`).join("\n")}
    keepalive 1024;
    keepalive_requests 1000000;
    keepalive_timeout 120s;
  }
  server {
    listen 127.0.0.1:${LISTEN} backlog=4096;
    location / {
      proxy_pass http://be;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_connect_timeout 5s;
    }
  }
}
`;
}

const httpProxyVersion = (): string => {
  const pkg = resolve(repoDir, "node_modules/http-proxy/package.json");
  return existsSync(pkg) ? `http-proxy ${(JSON.parse(readFileSync(pkg, "utf8")) as { version: string }).version}` : "";
};
const httpProxyMissing = (): string | null => (httpProxyVersion() ? null : "the npm package http-proxy is not installed; install the dev dependencies with: npm ci");

/** What chapter 11's proxy needs; on 64 descriptors, chapter 14's listener too (the obs suite's proxies as well). */
export const PROXY = "solutions/11-http-proxy/proxy.ts";
export const ACCEPTORS = "solutions/14-capstone/acceptors.ts";
/** The Node peer the aims compare with. */
const KEEP_ALIVE = "node http-proxy keep-alive on 64 acceptors";

export const SYSTEMS: readonly ProxySystem[] = [
  {
    name: "hub http proxy",
    missing: needs(PROXY),
    argv: (_dir, backends) => balancerNode("bench/l7/hub-http-proxy.ts", String(LISTEN), ...backends.map(String)),
    profiled: true,
    backends: ["fixed"], // the node:http backends measure the systems the aims compare
  },
  {
    name: SUBJECT,
    missing: needs(PROXY, ACCEPTORS),
    argv: (_dir, backends) => balancerNode("bench/l7/hub-http-proxy.ts", "--acceptors", "64", String(LISTEN), ...backends.map(String)),
    readyLine: READY_LINE,
  },
  haproxySystem("haproxy http", haproxyHttp(null)),
  haproxySystem("haproxy http nbthread 1", haproxyHttp(1)),
  {
    name: "nginx http",
    missing: () => (probe(["nginx", "-v"]) ? null : `not installed here; install it with: ${NGINX_INSTALL}`),
    argv: (dir, backends) => ["nginx", "-c", writeConfig(dir, "nginx.conf", nginxConfig(dir, backends)), "-p", dir, "-e", join(dir, "error.log")],
    version: () => probe(["nginx", "-v"]) ?? undefined,
  },
  // The Node peers listen through 64 descriptors, as the subject does (bench/lib/listen-copies.ts): through one, at
  // 1,000 and 5,000 connections the keep-alive one had not accepted every client in most reps of the run at 320d03e.
  {
    name: "node http-proxy on 64 acceptors",
    missing: httpProxyMissing,
    argv: (_dir, backends) => balancerNode("bench/l7/node-http-proxy.ts", "default", "--acceptors", "64", String(LISTEN), ...backends.map(String)),
    version: httpProxyVersion,
    readyLine: READY_LINE,
  },
  {
    name: KEEP_ALIVE,
    missing: httpProxyMissing,
    argv: (_dir, backends) => balancerNode("bench/l7/node-http-proxy.ts", "keep-alive", "--acceptors", "64", String(LISTEN), ...backends.map(String)),
    readyLine: READY_LINE,
  },
  { name: "direct (no proxy)", missing: () => null, argv: () => null },
];

export const L7: ProxySuite = {
  name: "l7",
  title: TITLE,
  subject: SUBJECT,
  listen: LISTEN,
  conns: [64, 1000, 5000],
  backends: BACKENDS,
  systems: SYSTEMS,
  pooled: true,
  sources: ["solutions", "bench/l7", "bench/lb/backend.ts", "bench/lib"],
  profileConns: 1000,
  defaultReps: 5,
  profileGroups: profilePart,
  aims: (ctx) => [
    everyClientAccepted(ctx, SUBJECT),
    judge(ctx, SUBJECT, "requests/s ≥ 0.6× HAProxy http mode's (default threads) at every connection count, on both kinds of backend", "rps", "haproxy http", (r) => r >= 0.6, "cpu"),
    judge(ctx, SUBJECT, "requests/s ≥ 1.5× node http-proxy's with a keep-alive agent at every connection count, on both kinds of backend", "rps", KEEP_ALIVE, (r) => r >= 1.5, "cpu"),
  ],
};

export const runL7 = (options: DriverOptions): Promise<number> => runProxyBench(L7, options);
