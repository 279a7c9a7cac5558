// The lb suite's driver (chapter 08): L4 proxies side by side under wrk, on loopback — our proxy (splice and green
// pipe), a bare Node net+pipe proxy, HAProxy tcp mode (default threads and nbthread 1), nginx stream — at 64, 1,000
// and 5,000 connections, in front of the fixed-response backends (backend.ts). The engine (fresh start, warm-up,
// /proc CPU and memory, interleaved reps, --profile) is bench/lib/proxy-bench.ts, shared with chapter 11's l7 suite.
import { existsSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { NOFILE, node, repoDir } from "../lib/proc";
import { type BackendKind, type DriverOptions, judge, probe, type ProxySuite, type ProxySystem, runProxyBench } from "../lib/proxy-bench";

const LISTEN = 9200; // the proxy under test
const BACKENDS = [9101, 9102, 9103];
const SUBJECT = "hub (splice)";

/** One kind of backend, so the figures keep their plain names ("requests/s @ 64 conns"). */
const FIXED: BackendKind = { id: "", suffix: "", ports: BACKENDS, argv: node("bench/lb/backend.ts", ...BACKENDS.map(String)) };

function haproxyConfig(dir: string, backends: readonly number[], nbthread: number | null): string {
  const file = join(dir, "haproxy.cfg");
  writeFileSync(
    file,
    [
      "global",
      "  maxconn 9000",
      ...(nbthread ? [`  nbthread ${nbthread}`] : []),
      "defaults",
      "  mode tcp",
      "  maxconn 9000",
      "  timeout connect 5s",
      "  timeout client 60s",
      "  timeout server 60s",
      "frontend fe",
      `  bind 127.0.0.1:${LISTEN}`,
      "  default_backend be",
      "backend be",
      "  balance roundrobin",
      ...backends.map((p, i) => `  server b${i + 1} 127.0.0.1:${p}`),
      "",
    ].join("\n"),
  );
  return file;
}

function nginxConfig(dir: string, backends: readonly number[]): string {
  const file = join(dir, "nginx.conf");
  writeFileSync(
    file,
    `load_module /usr/lib/nginx/modules/ngx_stream_module.so;
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
`,
  );
  return file;
}

const HAPROXY_INSTALL = "apt-get update && apt-get install -y haproxy";
const NGINX_INSTALL = "apt-get update && apt-get install -y nginx-light libnginx-mod-stream";

export const SYSTEMS: readonly ProxySystem[] = [
  {
    name: SUBJECT,
    missing: () => (existsSync(resolve(repoDir, "solutions/08-tcp-proxy/splice.ts")) ? null : "solutions/08-tcp-proxy is not written yet"),
    argv: (_dir, backends) => node("bench/lb/hub-proxy.ts", "splice", String(LISTEN), ...backends.map(String)),
    profiled: true,
  },
  {
    name: "hub (green pipe)",
    missing: () => (existsSync(resolve(repoDir, "solutions/08-tcp-proxy/pipe.ts")) ? null : "solutions/08-tcp-proxy is not written yet"),
    argv: (_dir, backends) => node("bench/lb/hub-proxy.ts", "green", String(LISTEN), ...backends.map(String)),
    profiled: true,
  },
  { name: "node net+pipe", missing: () => null, argv: (_dir, backends) => node("bench/lb/node-pipe.ts", String(LISTEN), ...backends.map(String)) },
  {
    name: "haproxy",
    missing: () => (probe(["haproxy", "-v"]) ? null : `not installed here; install it with: ${HAPROXY_INSTALL}`),
    argv: (dir, backends) => ["haproxy", "-db", "-f", haproxyConfig(dir, backends, null)],
    version: () => probe(["haproxy", "-v"]) ?? "",
  },
  {
    name: "haproxy nbthread 1",
    missing: () => (probe(["haproxy", "-v"]) ? null : `not installed here; install it with: ${HAPROXY_INSTALL}`),
    argv: (dir, backends) => ["haproxy", "-db", "-f", haproxyConfig(dir, backends, 1)],
  },
  {
    name: "nginx stream",
    missing: () =>
      !probe(["nginx", "-v"])
        ? `not installed here; install it with: ${NGINX_INSTALL}`
        : existsSync("/usr/lib/nginx/modules/ngx_stream_module.so")
          ? null
          : `nginx has no stream module here; install it with: ${NGINX_INSTALL}`,
    argv: (dir, backends) => ["nginx", "-c", nginxConfig(dir, backends), "-p", dir, "-e", join(dir, "error.log")],
    version: () => probe(["nginx", "-v"]) ?? "",
  },
  { name: "direct (no proxy)", missing: () => null, argv: () => null },
];

export const LB: ProxySuite = {
  name: "lb",
  title: "lb: L4 proxies side by side under wrk",
  subject: SUBJECT,
  listen: LISTEN,
  conns: [64, 1000, 5000],
  backends: [FIXED],
  systems: SYSTEMS,
  pooled: false,
  sources: ["solutions/08-tcp-proxy", "bench/lb", "bench/lib/proxy-bench.ts"],
  profileConns: 1000,
  aims: (ctx) => [
    judge(ctx, SUBJECT, "requests/s ≥ 0.85× HAProxy tcp mode at every connection count", "rps", "haproxy", (r) => r >= 0.85),
    judge(ctx, SUBJECT, "CPU per request ≤ 1.3× HAProxy's", "cpu", "haproxy", (r) => r <= 1.3),
    judge(ctx, SUBJECT, "requests/s at most 10% below the minimal Node proxy", "rps", "node net+pipe", (r) => r >= 0.9),
  ],
};

export const runLb = (options: DriverOptions): Promise<number> => runProxyBench(LB, options);
