// Our proxy for the lb suite (chapter 08): solutions/08-tcp-proxy on the real network, green pipe or splice; and
// `splice-64`, the splice on chapter 14's listener, which accepts through 64 descriptors of the listening socket.
// `node --import tsx bench/lb/hub-proxy.ts <splice|green|splice-64> <listen port> <backend port>…`
// The driver's --profile: bench/lib/profile-hook.ts, imported first so it is in place before the proxy starts.
import "../lib/profile-hook";
import { runReal } from "../../solutions/02-hub/green";
import { realNetwork } from "../../solutions/05-green-sockets/node-network";
import { fastNetwork } from "../../solutions/08-tcp-proxy/fast-net";
import { greenRelay } from "../../solutions/08-tcp-proxy/pipe";
import { Proxy } from "../../solutions/08-tcp-proxy/proxy";
import { RoundRobin } from "../../solutions/08-tcp-proxy/round-robin";
import { spliceRelay } from "../../solutions/08-tcp-proxy/splice";

const [mode, listen, ...backends] = process.argv.slice(2);
const splice = mode === "splice" || mode === "splice-64";
// Imported only when asked for, so that chapter 08's own proxies run chapter 08's code alone.
const network = mode === "splice-64" ? (await import("../../solutions/14-capstone/acceptors")).acceptingNetwork(64) : splice ? fastNetwork : realNetwork;
await runReal(function* () {
  const proxy = yield* Proxy.start({
    network,
    relay: splice ? spliceRelay : greenRelay,
    listen: { host: "127.0.0.1", port: Number(listen) },
    backlog: 4096,
    maxConnections: 20_000,
    balancer: new RoundRobin(backends.map((p, i) => ({ name: `b${i + 1}`, address: { host: "127.0.0.1", port: Number(p) } }))),
  });
  console.log("ready");
  yield* proxy.acceptor!.wait(); // until the process is stopped
});
