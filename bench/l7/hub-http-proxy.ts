// Our proxy for the l7 suite (chapter 11): solutions/11-http-proxy's startHttpProxy on Node's real network (chapter
// 08's fastNetwork), round robin over the backends given; with `--acceptors N`, on chapter 14's listener, which
// accepts through N descriptors of the listening socket (the suite's subject, with 64).
// `node --import tsx bench/l7/hub-http-proxy.ts [--acceptors N] <listen port> <backend port>…`
// The driver's --profile: bench/lib/profile-hook.ts, imported first so it is in place before the proxy starts.
// Its options (limits raised where a default would refuse the load): proxy-options.ts.
import "../lib/profile-hook";
import { runReal } from "../../solutions/02-hub/green";
import { fastNetwork } from "../../solutions/08-tcp-proxy/fast-net";
import { startHttpProxy } from "../../solutions/11-http-proxy/proxy";
import { acceptorsArg, hubNetwork } from "../lib/listen-copies";
import { benchProxyOptions } from "./proxy-options";

const { acceptors, rest: [listen, ...backends] } = acceptorsArg(process.argv.slice(2));
const network = await hubNetwork(acceptors, fastNetwork);
await runReal(function* () {
  const proxy = yield* startHttpProxy(benchProxyOptions(network, Number(listen), backends.map(Number)));
  console.log("ready");
  yield* proxy.acceptor!.wait(); // until the process is stopped
});
