// Our HTTP proxy's options under the benchmarks' load (chapter 11): one place for the l7 suite's program
// (hub-http-proxy.ts) and the obs suite's (bench/obs/hub-obs-proxy.ts), so that both measure the same proxy.
//
// Its limits are raised where a default would refuse the benchmark's load rather than measure it, as the peers'
// are (HAProxy's and nginx's maxconn and worker_connections): chapter 10's circuit breaker answers 503 past 1,024
// requests in flight (Envoy's default), and the pools cap each backend at 1,024 connections, 256 of them idle.
// Everything else is the chapter's default: health checks off, outlier detection and one retry on.
import type { Network } from "../../solutions/05-green-sockets/socket";
import type { HttpProxyOptions } from "../../solutions/11-http-proxy/proxy";

/** The proxy on 127.0.0.1:`listen` over `network`, round robin over the backends on 127.0.0.1 at `backends`. */
export function benchProxyOptions(network: Network, listen: number, backends: readonly number[]): HttpProxyOptions {
  return {
    network,
    listen: { host: "127.0.0.1", port: listen },
    backends: backends.map((port, i) => ({ name: `b${i + 1}`, address: { host: "127.0.0.1", port } })),
    backlog: 4096,
    maxConnections: 20_000,
    breaker: { maxRequests: 20_000 },
    pool: { maxConnections: 20_000, maxIdle: 20_000 },
  };
}
