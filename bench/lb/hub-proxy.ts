// Our proxy for the lb suite (chapter 08): solutions/08-tcp-proxy on the real network, green pipe or splice; with
// `--acceptors N`, the splice on chapter 14's listener, which accepts through N descriptors of the listening socket
// (the suite's subject, with 64).
// `node --import tsx bench/lb/hub-proxy.ts <splice|green> [--acceptors N] <listen port> <backend port>…`
// The driver's --profile: bench/lib/profile-hook.ts, imported first so it is in place before the proxy starts.
import "../lib/profile-hook";
import { runReal } from "../../solutions/02-hub/green";
import { realNetwork } from "../../solutions/05-green-sockets/node-network";
import { fastNetwork } from "../../solutions/08-tcp-proxy/fast-net";
import { greenRelay } from "../../solutions/08-tcp-proxy/pipe";
import { Proxy } from "../../solutions/08-tcp-proxy/proxy";
import { RoundRobin } from "../../solutions/08-tcp-proxy/round-robin";
import { spliceRelay } from "../../solutions/08-tcp-proxy/splice";
import { acceptorsArg, hubNetwork } from "../lib/listen-copies";

const [mode, ...args] = process.argv.slice(2);
if (mode !== "splice" && mode !== "green") throw new Error(`the relay is splice or green, not ${mode}`);
const { acceptors, rest: [listen, ...backends] } = acceptorsArg(args);
if (mode === "green" && acceptors > 1) throw new Error("--acceptors goes with the splice: chapter 14's listener is built on its network");
const network = mode === "splice" ? await hubNetwork(acceptors, fastNetwork) : realNetwork;
await runReal(function* () {
  const proxy = yield* Proxy.start({
    network,
    relay: mode === "splice" ? spliceRelay : greenRelay,
    listen: { host: "127.0.0.1", port: Number(listen) },
    backlog: 4096,
    maxConnections: 20_000,
    balancer: new RoundRobin(backends.map((p, i) => ({ name: `b${i + 1}`, address: { host: "127.0.0.1", port: Number(p) } }))),
  });
  console.log("ready");
  yield* proxy.acceptor!.wait(); // until the process is stopped
});
