// A learner's own proxy for the lb suite's `--lab` (chapter 08): their Proxy, round robin and relay (the green pipe
// they write, or the splice the lab gives), from labs/ (or the tree HUB_TARGET names), run as hub-proxy.ts runs the
// course's on one descriptor: the green pipe on chapter 05's network, the splice on chapter 08's fastNetwork.
// `node --import tsx bench/lb/lab-proxy.ts <splice|green> <listen port> <backend port>…`; prints "ready" once it
// listens. A proxy that cannot start, or one of whose threads fails, says why in one line and exits
// (bench/lib/lab-program.ts).
import type * as Green from "../../solutions/02-hub/green";
import type * as Net from "../../solutions/05-green-sockets/node-network";
import type * as FastNet from "../../solutions/08-tcp-proxy/fast-net";
import type * as Pipe from "../../solutions/08-tcp-proxy/pipe";
import type * as ProxyModule from "../../solutions/08-tcp-proxy/proxy";
import type * as RoundRobinModule from "../../solutions/08-tcp-proxy/round-robin";
import type * as Splice from "../../solutions/08-tcp-proxy/splice";
import { loadLab } from "../lib/lab";
import { exitOnThreadFailure, labProgram } from "../lib/lab-program";

const [mode, listen, ...backends] = process.argv.slice(2);
await labProgram(async () => {
  if (mode !== "splice" && mode !== "green") throw new Error(`the relay is splice or green, not ${mode}`);
  const { runReal } = await loadLab<typeof Green>("02-hub/green.ts");
  const { Proxy } = await loadLab<typeof ProxyModule>("08-tcp-proxy/proxy.ts");
  const { RoundRobin } = await loadLab<typeof RoundRobinModule>("08-tcp-proxy/round-robin.ts");
  const splice = mode === "splice";
  const network = splice
    ? (await loadLab<typeof FastNet>("08-tcp-proxy/fast-net.ts")).fastNetwork
    : (await loadLab<typeof Net>("05-green-sockets/node-network.ts")).realNetwork;
  const relay = splice
    ? (await loadLab<typeof Splice>("08-tcp-proxy/splice.ts")).spliceRelay
    : (await loadLab<typeof Pipe>("08-tcp-proxy/pipe.ts")).greenRelay;
  await runReal(function* () {
    // The options hub-proxy.ts gives the course's proxy.
    const proxy = yield* Proxy.start({
      network,
      relay,
      listen: { host: "127.0.0.1", port: Number(listen) },
      backlog: 4096,
      maxConnections: 20_000,
      balancer: new RoundRobin(backends.map((p, i) => ({ name: `b${i + 1}`, address: { host: "127.0.0.1", port: Number(p) } }))),
    });
    console.log("ready");
    yield* proxy.acceptor!.wait(); // until the process is stopped
  }, { report: exitOnThreadFailure });
});
