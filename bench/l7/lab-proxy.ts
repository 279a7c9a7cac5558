// A learner's own HTTP proxy for the l7 suite's `--lab` (chapter 11): their startHttpProxy, with every chapter it
// builds on, from labs/ (or the tree HUB_TARGET names), run as hub-http-proxy.ts runs the course's on one descriptor
// (chapter 08's fastNetwork), with the same options (proxy-options.ts).
// `node --import tsx bench/l7/lab-proxy.ts <listen port> <backend port>…`; prints "ready" once it listens. A proxy that
// cannot start, or one of whose threads fails, says why in one line and exits (bench/lib/lab-program.ts).
import type * as Green from "../../solutions/02-hub/green";
import type * as FastNet from "../../solutions/08-tcp-proxy/fast-net";
import type * as HttpProxy from "../../solutions/11-http-proxy/proxy";
import { loadLab } from "../lib/lab";
import { exitOnThreadFailure, labProgram } from "../lib/lab-program";
import { benchProxyOptions } from "./proxy-options";

const [listen, ...backends] = process.argv.slice(2);
await labProgram(async () => {
  const { runReal } = await loadLab<typeof Green>("02-hub/green.ts");
  const { fastNetwork } = await loadLab<typeof FastNet>("08-tcp-proxy/fast-net.ts");
  const { startHttpProxy } = await loadLab<typeof HttpProxy>("11-http-proxy/proxy.ts");
  await runReal(function* () {
    const proxy = yield* startHttpProxy(benchProxyOptions(fastNetwork, Number(listen), backends.map(Number)));
    console.log("ready");
    yield* proxy.acceptor!.wait(); // until the process is stopped
  }, { report: exitOnThreadFailure });
});
