// Our HTTP proxy for the obs suite (chapter 13): bench/l7/hub-http-proxy.ts's proxy, the same limits, with or without
// what chapter 13 observes it with. `node --import tsx bench/obs/hub-obs-proxy.ts <mode> <listen port> <metrics port> <backend port>…`
//   plain      the proxy alone (metrics off, no tracer)
//   metrics    chapter 13's balancer metrics fed by every request, GET /metrics on the metrics port
//   trace-off  a tracer started on the hub and stopped again before the load: what tracing costs when it is off
//   trace-on   a tracer recording every thread's life into its ring for the whole run
// The driver's --profile: bench/lib/profile-hook.ts, imported first so it is in place before the proxy starts.
import "../lib/profile-hook";
import { runReal } from "../../solutions/02-hub/green";
import { fastNetwork } from "../../solutions/08-tcp-proxy/fast-net";
import { startHttpProxy } from "../../solutions/11-http-proxy/proxy";

const MODES = ["plain", "metrics", "trace-off", "trace-on"];
const [mode = "", listen, , ...backends] = process.argv.slice(2);
if (!MODES.includes(mode)) throw new Error(`hub-obs-proxy: the mode must be one of ${MODES.join(", ")}, got "${mode}"`);
if (mode !== "plain") throw new Error(`hub-obs-proxy: mode "${mode}" needs chapter 13's code, not written yet`);

await runReal(function* () {
  const proxy = yield* startHttpProxy({
    network: fastNetwork,
    listen: { host: "127.0.0.1", port: Number(listen) },
    backends: backends.map((p, i) => ({ name: `b${i + 1}`, address: { host: "127.0.0.1", port: Number(p) } })),
    backlog: 4096,
    maxConnections: 20_000,
    breaker: { maxRequests: 20_000 },
    pool: { maxConnections: 20_000, maxIdle: 20_000 },
  });
  console.log("ready");
  yield* proxy.acceptor!.wait(); // until the process is stopped
});
