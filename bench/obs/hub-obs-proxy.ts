// Our HTTP proxy for the obs suite (chapter 13): bench/l7/hub-http-proxy.ts's proxy with the same options
// (bench/l7/proxy-options.ts), on chapter 14's listener of 64 descriptors as the l7 suite's subject is (so that at
// 1,000 connections every mode serves every client), with or without what chapter 13 observes it with.
// `node --import tsx bench/obs/hub-obs-proxy.ts <mode> <listen port> <metrics port> <backend port>…`
//   plain      the proxy alone: no metrics, no tracer
//   metrics    chapter 13's balancer metrics fed by every request's access record, GET /metrics on the metrics port
//   trace-off  a tracer started on the hub and stopped again before the proxy starts: what tracing costs when it is off
//   trace-on   a tracer recording every thread's life into its ring (65,536 records, the default) for the whole run
// The driver's --profile: bench/lib/profile-hook.ts, imported first so it is in place before the proxy starts.
import "../lib/profile-hook";
import { getHub, runReal } from "../../solutions/02-hub/green";
import { fastNetwork } from "../../solutions/08-tcp-proxy/fast-net";
import { acceptingNetwork } from "../../solutions/14-capstone/acceptors";
import { startHttpProxy } from "../../solutions/11-http-proxy/proxy";
import { BalancerMetrics, startMeteredHttpProxy } from "../../solutions/13-observability/balancer-metrics";
import { startMetricsListener } from "../../solutions/13-observability/metrics-endpoint";
import { startTracing } from "../../solutions/13-observability/trace";
import { benchProxyOptions } from "../l7/proxy-options";

const MODES = ["plain", "metrics", "trace-off", "trace-on"];
const [mode = "", listen, metricsPort, ...backends] = process.argv.slice(2);
if (!MODES.includes(mode)) throw new Error(`hub-obs-proxy: the mode must be one of ${MODES.join(", ")}, got "${mode}"`);

const options = benchProxyOptions(acceptingNetwork(64), Number(listen), backends.map(Number));

await runReal(function* () {
  if (mode === "trace-off") startTracing(getHub()).stop();
  if (mode === "trace-on") startTracing(getHub());
  let proxy;
  if (mode === "metrics") {
    const metrics = new BalancerMetrics();
    proxy = yield* startMeteredHttpProxy(metrics, "bench", options);
    yield* startMetricsListener({ registry: metrics.registry, network: fastNetwork, listen: { host: "127.0.0.1", port: Number(metricsPort) } });
  } else {
    proxy = yield* startHttpProxy(options);
  }
  console.log("ready");
  yield* proxy.acceptor!.wait(); // until the process is stopped
});
