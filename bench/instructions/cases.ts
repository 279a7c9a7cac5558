// What `npm run bench:instructions` (run.ts) counts: each case's systems, how each is started, and the client's load
// at a given size. Chapter 13 reads the counts beside its observing costs; chapters 05, 08 and 11 beside their
// suites' times (bench/README.md, "Instruction counts").
import { node } from "../lib/proc";
import { balancerNode } from "../lib/proxy-bench";

/** Where one count's program listens and forwards: its own listening port, the shared backends, a metrics port. */
export interface Ports {
  readonly listen: number;
  readonly backends: readonly number[];
  /** obs-request's metrics listener (only its metrics mode opens it). */
  readonly metrics: number;
}

export interface System {
  readonly name: string;
  /** The command line, made when the system starts (its ports are known then). */
  readonly argv: (ports: Ports) => readonly string[];
}

export interface Case {
  readonly id: string;
  readonly about: string;
  /** What one unit of the load is: a connection, a request, or an echo server's round trip. */
  readonly unit: "connection" | "request" | "round trip";
  readonly systems: readonly System[];
  /** The client's load at size `k`, 1 and 3 times --scale compared: connections, requests on each, open at once. */
  readonly load: (k: number) => Load;
}

export interface Load {
  readonly connections: number;
  /** Requests (round trips, for an echo server) on each connection. */
  readonly requests: number;
  readonly concurrency: number;
  /** The client speaks to an echo server: 64-byte lines, as the io suite's client sends. */
  readonly echo?: boolean;
}

/** How many units of `c` a load of size `k` is: its connections, or the requests on all of them. */
export const unitsAt = (c: Case, k: number): number => {
  const l = c.load(k);
  return c.unit === "connection" ? l.connections : l.connections * l.requests;
};

/** A size times --scale, as the whole number of connections or requests the client takes. */
const whole = (x: number): number => Math.max(1, Math.round(x));

const proxyPorts = (p: Ports): string[] => [String(p.listen), ...p.backends.map(String)];

/** The obs suite's names for bench/obs/hub-obs-proxy.ts's modes, so the counts read beside its tables. */
const OBS_MODES = { plain: "metrics off", metrics: "metrics on", "trace-off": "tracing off", "trace-on": "tracing on" } as const;

// The l7 and obs suites start our HTTP proxy and its Node peer with the balancer's flags (`balancerNode`), the lb and
// io suites their programs with V8's defaults: so do these counts, so that each counts the configuration its suite times.
const L7_SYSTEMS: readonly System[] = [
  { name: "hub http proxy", argv: (p) => balancerNode("bench/l7/hub-http-proxy.ts", ...proxyPorts(p)) },
  { name: "node http-proxy keep-alive", argv: (p) => balancerNode("bench/l7/node-http-proxy.ts", "keep-alive", ...proxyPorts(p)) },
];
const SPLICE: System = { name: "hub (splice)", argv: (p) => node("bench/lb/hub-proxy.ts", "splice", ...proxyPorts(p)) };
const PIPE: System = { name: "node net+pipe", argv: (p) => node("bench/lb/node-pipe.ts", ...proxyPorts(p)) };

export const CASES: readonly Case[] = [
  {
    id: "lb-connection",
    about: "chapter 08's proxy: a connection opened, one request and its response relayed, the connection closed",
    unit: "connection",
    systems: [SPLICE, PIPE],
    load: (k) => ({ connections: whole(2000 * k), requests: 1, concurrency: 20 }),
  },
  {
    id: "lb-request",
    about: "chapter 08's proxy: a request and its response relayed on a kept-alive connection (50 connections)",
    unit: "request",
    systems: [SPLICE, PIPE],
    load: (k) => ({ connections: 50, requests: whole(200 * k), concurrency: 50 }),
  },
  {
    id: "l7-request",
    about: "chapter 11's HTTP proxy: a request parsed, forwarded on a pooled backend connection, its response relayed (50 kept-alive client connections)",
    unit: "request",
    systems: L7_SYSTEMS,
    load: (k) => ({ connections: 50, requests: whole(100 * k), concurrency: 50 }),
  },
  {
    id: "l7-request-1000",
    about: "l7-request's proxy and requests on 1,000 kept-alive client connections, the l7 suite's middle count: what one more request costs when many connections are open (their parsers, sockets and threads all in use)",
    unit: "request",
    systems: L7_SYSTEMS,
    load: (k) => ({ connections: 1000, requests: whole(5 * k), concurrency: 1000 }),
  },
  {
    id: "obs-request",
    about: "chapter 13's observed HTTP proxy (the obs suite's program, on chapter 14's listener): a request as l7-request's, with no metrics, with metrics, with tracing started and stopped, with tracing on",
    unit: "request",
    systems: (["plain", "metrics", "trace-off", "trace-on"] as const).map((mode) => ({
      name: OBS_MODES[mode],
      argv: (p) => balancerNode("bench/obs/hub-obs-proxy.ts", mode, String(p.listen), String(p.metrics), ...p.backends.map(String)),
    })),
    // Twice l7-request's requests: at that size one garbage collection more or less moved a pair by a sixth, more
    // than the metrics add to a request (bench/README.md, "Instruction counts").
    load: (k) => ({ connections: 50, requests: whole(200 * k), concurrency: 50 }),
  },
  {
    id: "io-echo",
    about: "chapter 05's echo server (recvLine, sendall, a green thread per client) beside the plainest Node echo: a 64-byte line sent back, on 500 connections as in the io suite",
    unit: "round trip",
    systems: [
      { name: "hub echo", argv: (p) => node("bench/io/hub-echo.ts", String(p.listen)) },
      { name: "node echo", argv: (p) => node("bench/io/node-echo.ts", String(p.listen)) },
    ],
    load: (k) => ({ connections: 500, requests: whole(40 * k), concurrency: 500, echo: true }),
  },
];
