// The obs suite (chapter 13): what observing costs. The same HTTP proxy (chapter 11's on chapter 14's listener, as the
// l7 suite's subject, with the balancer's Node flags) four ways — metrics off, metrics on and scraped once a second,
// tracing off (started and stopped again before the load), tracing on — under wrk, reps interleaved in one run,
// judged against the chapter's goals: metrics on at most 5% fewer requests/s than metrics off, tracing off at most 1%.
// The engine is bench/lib/proxy-bench.ts.
import { request } from "node:http";
import { node } from "../lib/proc";
import { ACCEPTORS, PROXY } from "../l7/driver";
import {
  type Alongside, type AimContext, balancerNode, type BackendKind, judge, needs, type ProxySuite, type ProxySystem, READY_LINE, runProxyBench,
} from "../lib/proxy-bench";
import type { Aim } from "../lib/suite";
import type { DriverOptions } from "../lib/usage";

export const SUBJECT = "metrics off";
export const TITLE = "obs: what observing costs (chapter 13)";
const LISTEN = 9700; // 96xx: chapter 14's workers suite
/** Where the proxy with metrics serves GET /metrics (a listener of its own, as HAProxy's exporter may have). */
export const METRICS_PORT = 9709;
/** How often the scraper asks, as a Prometheus scrape_interval of 1 s would. */
const SCRAPE_EVERY_MS = 1000;

export const BACKENDS: readonly BackendKind[] = [
  {
    id: "fixed",
    suffix: "",
    ports: [9701, 9702, 9703],
    argv: [node("bench/lb/backend.ts", "9701", "9702", "9703")],
    about: "one Node process on three ports answering each request head with a fixed response (bench/lb/backend.ts), so the proxy is what is measured",
  },
];

const proxy = (mode: string) => (_dir: string, backends: readonly number[]): string[] =>
  balancerNode("bench/obs/hub-obs-proxy.ts", mode, String(LISTEN), String(METRICS_PORT), ...backends.map(String));

/**
 * GET /metrics once a second while the measured run lasts, as Prometheus would; `stop` says how many scrapes failed
 * (a scrape that fails is an error of the run, noted beside its figures).
 */
export function scraper(port = METRICS_PORT, every = SCRAPE_EVERY_MS): Alongside {
  let ok = 0;
  const failures: string[] = [];
  let inFlight: Promise<void> = Promise.resolve();
  const scrape = (): Promise<void> =>
    new Promise<void>((done) => {
      const req = request({ host: "127.0.0.1", port, path: "/metrics", timeout: 5000 }, (res) => {
        let bytes = 0;
        res.on("data", (d: Buffer) => (bytes += d.length));
        res.on("end", () => {
          if (res.statusCode === 200 && bytes > 0) ok++;
          else failures.push(`status ${res.statusCode}, ${bytes} bytes`);
          done();
        });
      });
      req.on("timeout", () => req.destroy(new Error("no answer within 5 s")));
      req.on("error", (e) => {
        failures.push(e.message);
        done();
      });
      req.end();
    });
  const timer = setInterval(() => (inFlight = scrape()), every);
  return {
    async stop() {
      clearInterval(timer);
      await inFlight;
      if (!failures.length && ok > 0) return null;
      return `scrapes of /metrics: ${ok} answered, ${failures.length} failed${failures.length ? ` (${[...new Set(failures)].slice(0, 2).join("; ")})` : ""}`;
    },
  };
}

export const SYSTEMS: readonly ProxySystem[] = [
  { name: SUBJECT, missing: needs(PROXY, ACCEPTORS), argv: proxy("plain"), profiled: true, readyLine: READY_LINE },
  {
    name: "metrics on",
    missing: needs(PROXY, ACCEPTORS, "solutions/13-observability/metrics.ts", "solutions/13-observability/balancer-metrics.ts"),
    argv: proxy("metrics"),
    alongside: () => scraper(),
    profiled: true,
    readyLine: READY_LINE,
  },
  { name: "tracing off", missing: needs(PROXY, ACCEPTORS, "solutions/13-observability/trace.ts"), argv: proxy("trace-off"), readyLine: READY_LINE },
  { name: "tracing on", missing: needs(PROXY, ACCEPTORS, "solutions/13-observability/trace.ts"), argv: proxy("trace-on"), profiled: true, readyLine: READY_LINE },
];

/** The chapter's goals, each judged on the run's medians at every connection count. */
function aims(ctx: AimContext): Aim[] {
  // judge() divides its subject by the peer: here the observed proxy by the plain one.
  return [
    judge(ctx, "metrics on", "metrics on: at most 5% fewer requests/s than metrics off, in the same run (metrics on ÷ off ≥ 0.95 at every count)", "rps", SUBJECT, (r) => r >= 0.95, "cpu"),
    judge(ctx, "tracing off", "tracing off: at most 1% fewer requests/s than no tracing, in the same run (tracing off ÷ metrics off ≥ 0.99 at every count)", "rps", SUBJECT, (r) => r >= 0.99, "cpu"),
  ];
}

export const OBS: ProxySuite = {
  name: "obs",
  title: TITLE,
  subject: SUBJECT,
  listen: LISTEN,
  conns: [64, 1000],
  backends: BACKENDS,
  systems: SYSTEMS,
  pooled: true,
  sources: ["solutions", "bench/obs", "bench/l7/proxy-options.ts", "bench/lb/backend.ts", "bench/lib"],
  profileConns: 1000,
  // The goals are 5% and 1%, while this machine's pace swings by more than that between reps of the same code (tracing
  // off runs exactly metrics off's code, and five of its reps' ratios ran from 0.91× to 1.97× at a3c31ec): nine reps
  // give the median of the reps' ratios more to stand on than five. 4 systems × 2 counts × 9 reps of 4 s, each from a
  // fresh start: about 7.5 minutes on a quiet machine (5 reps took 4.1).
  defaultReps: 9,
  seconds: 4,
  aims,
};

export const runObs = (options: DriverOptions): Promise<number> => runProxyBench(OBS, options);
