// The relay conformance suite (test/support/relay-conformance.ts) run against chapter 08's two byte paths: the
// green pipe on every network, and the splice on the fast network (and on the simulated one, where it falls back
// to the green pipe). Course tests, not graded: the graded tests of the lab are in test/08-tcp-proxy.test.ts.
import { realNetwork } from "@target/05-green-sockets/node-network";
import type { Network } from "@target/05-green-sockets/socket";
import { fastNetwork } from "@target/08-tcp-proxy/fast-net";
import { greenRelay, type Relay } from "@target/08-tcp-proxy/pipe";
import { spliceRelay } from "@target/08-tcp-proxy/splice";
import { real, SEED, simulate } from "../support/net";
import { loopbackEnv, relayConformance, simulatedEnv } from "../support/relay-conformance";

const MiB = 1024 * 1024;

for (const [name, relay] of [["the green pipe", greenRelay], ["the splice (the green pipe underneath)", spliceRelay]] as const) {
  relayConformance({
    name: `${name} on the simulated network`,
    relay,
    run: async (main) =>
      simulate({ seed: SEED, latency: 2 }, (net) => main(simulatedEnv(net))).result,
    size: 300_000,
    tick: 50,
    // Two hops, each with a window (64 KiB) and a send buffer (16 KiB), and the chunk in the relay's hands.
    bound: 256 * 1024,
    total: 2 * MiB,
  });
}

const onLoopback: [string, Relay, Network][] = [
  ["the green pipe on realNetwork", greenRelay, realNetwork],
  ["the green pipe on the fast network", greenRelay, fastNetwork],
  ["the splice on the fast network", spliceRelay, fastNetwork],
];
for (const [name, relay, proxy] of onLoopback) {
  relayConformance({
    name,
    relay,
    run: (main) => real(() => main(loopbackEnv(proxy)), 15_000),
    timeout: 20_000,
    size: 2 * MiB,
    tick: 20,
    // Two hops of Node's and the kernel's buffers (about 4 MiB each on Linux's loopback, see network.test.ts).
    bound: 16 * MiB,
    total: 32 * MiB,
  });
}
