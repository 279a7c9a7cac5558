// Our proxy for the lb suite (chapter 08): solutions/08-tcp-proxy on the real network, green pipe or splice.
// `node --import tsx bench/lb/hub-proxy.ts <splice|green> <listen port> <backend port>…`
import { writeFileSync } from "node:fs";
import { Session } from "node:inspector";
import { runReal } from "../../solutions/02-hub/green";
import { realNetwork } from "../../solutions/05-green-sockets/node-network";
import { fastNetwork } from "../../solutions/08-tcp-proxy/fast-net";
import { greenRelay } from "../../solutions/08-tcp-proxy/pipe";
import { Proxy } from "../../solutions/08-tcp-proxy/proxy";
import { RoundRobin } from "../../solutions/08-tcp-proxy/round-robin";
import { spliceRelay } from "../../solutions/08-tcp-proxy/splice";

const [mode, listen, ...backends] = process.argv.slice(2);
// The driver's --profile: SIGUSR2 starts V8's profiler (after the warm-up), SIGINT writes the profile to
// $LB_PROFILE and exits, so the profile holds the measured run only, not start-up and connection set-up.
const profileFile = process.env.LB_PROFILE;
const session = profileFile ? new Session() : null;
if (session) {
  session.connect();
  process.on("SIGUSR2", () => {
    session.post("Profiler.enable", () => session.post("Profiler.start"));
  });
}
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    if (!session) process.exit(0);
    session.post("Profiler.stop", (err, result) => {
      if (!err) writeFileSync(profileFile!, JSON.stringify(result.profile));
      process.exit(0);
    });
  });
}
const splice = mode === "splice";
await runReal(function* () {
  const proxy = yield* Proxy.start({
    network: splice ? fastNetwork : realNetwork,
    relay: splice ? spliceRelay : greenRelay,
    listen: { host: "127.0.0.1", port: Number(listen) },
    backlog: 4096,
    maxConnections: 20_000,
    balancer: new RoundRobin(backends.map((p, i) => ({ name: `b${i + 1}`, address: { host: "127.0.0.1", port: Number(p) } }))),
  });
  console.log("ready");
  yield* proxy.acceptor!.wait(); // until the process is stopped
});
