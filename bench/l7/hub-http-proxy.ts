// Our proxy for the l7 suite (chapter 11): solutions/11-http-proxy's startHttpProxy on Node's real network (chapter
// 08's fastNetwork), round robin over the backends given; with `--acceptors N`, on chapter 14's listener, which
// accepts through N descriptors of the listening socket (the suite's subject, with 64).
// `node --import tsx bench/l7/hub-http-proxy.ts [--acceptors N] <listen port> <backend port>…`
// The driver's --profile: bench/lib/profile-hook.ts, imported first so it is in place before the proxy starts.
//
// Its limits are raised where a default would refuse the benchmark's load rather than measure it, as the peers'
// are (HAProxy's and nginx's maxconn and worker_connections): chapter 10's circuit breaker answers 503 past 1,024
// requests in flight (Envoy's default), and the pools cap each backend at 1,024 connections, 256 of them idle.
// Everything else is the chapter's default: health checks off, outlier detection and one retry on.
import "../lib/profile-hook";
import { runReal } from "../../solutions/02-hub/green";
import { fastNetwork } from "../../solutions/08-tcp-proxy/fast-net";
import { startHttpProxy } from "../../solutions/11-http-proxy/proxy";
import { acceptorsArg, hubNetwork } from "../lib/listen-copies";

const { acceptors, rest: [listen, ...backends] } = acceptorsArg(process.argv.slice(2));
const network = await hubNetwork(acceptors, fastNetwork);
await runReal(function* () {
  const proxy = yield* startHttpProxy({
    network,
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
