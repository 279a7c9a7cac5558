// The network conformance suite (test/support/network-conformance.ts) run against every implementation of chapter
// 05's contract: the simulated network, Node's real one and chapter 08's fast one. Course tests, not graded: the
// graded tests of each lab are in test/NN-slug.test.ts.
import { realNetwork } from "@target/05-green-sockets/node-network";
import { fastNetwork } from "@target/08-tcp-proxy/fast-net";
import { real, SEED, simulate } from "../support/net";
import { networkConformance } from "../support/network-conformance";

const LOOPBACK = { host: "127.0.0.1", port: 0 };
const MiB = 1024 * 1024;
const LOOPBACK_ONLY = "on loopback every address answers: no SYN can be lost without changing the machine's firewall";

networkConformance({
  name: "the simulated network",
  run: async (main) =>
    simulate({ seed: SEED, latency: 2 }, (net) =>
      main({ server: net.host("server"), client: net.host("client"), at: { host: "server", port: 7 }, cut: () => net.partition("client", "server") }),
    ).result,
  tick: 50,
  // The reader's window (64 KiB) and the writer's send buffer (16 KiB).
  bound: 128 * 1024,
  total: 2 * MiB,
});

for (const [name, network] of [["realNetwork", realNetwork], ["the fast network (chapter 08)", fastNetwork]] as const) {
  networkConformance({
    name,
    run: (main) => real(() => main({ server: network, client: network, at: LOOPBACK }), 15_000),
    timeout: 20_000,
    tick: 20,
    // Node's buffers on both ends (tens of KiB) and the kernel's socket buffers: about 4 MiB on Linux's loopback
    // with the default limits (the receive buffer grows only as its program reads). Without backpressure a
    // socket reads on into memory, and the writer passes any bound.
    bound: 8 * MiB,
    total: 32 * MiB,
    skip: { "connect-timeout": LOOPBACK_ONLY },
  });
}
