// Chapter 08's maxConnections on every network: past the limit the proxy stops accepting, and a client beyond the
// limit waits (it is never reset) and is served when a slot frees — on the simulated network, and on loopback
// with the green pipe and with the splice. Course tests, not graded (the graded one is in test/08-tcp-proxy.test.ts).
import { describe, expect, it } from "vitest";
import { sleep } from "@target/02-hub/green";
import type { Green } from "@target/02-hub/suspend";
import { realNetwork } from "@target/05-green-sockets/node-network";
import type { Socket } from "@target/05-green-sockets/socket";
import { fastNetwork } from "@target/08-tcp-proxy/fast-net";
import { greenRelay, type Relay } from "@target/08-tcp-proxy/pipe";
import { Proxy } from "@target/08-tcp-proxy/proxy";
import { RoundRobin } from "@target/08-tcp-proxy/round-robin";
import { spliceRelay } from "@target/08-tcp-proxy/splice";
import { clientsOneByOne, real, SEED, server, simulate } from "../support/net";
import { loopbackEnv, simulatedEnv, type RelayEnv } from "../support/relay-conformance";

/** A backend that echoes every chunk until the end of the stream. */
function* echoChunks(s: Socket): Green<void> {
  for (let b = yield* s.recv(); b.length > 0; b = yield* s.recv()) yield* s.sendall(b);
}

interface Setup extends RelayEnv {
  readonly relay: Relay;
}

/** maxConnections 1, backlog 2, six clients arriving one by one, each staying 30 ms: what each got, and the peak. */
function* sixClients(o: Setup): Green<{ answers: string[]; peak: number; total: number }> {
  const b = yield* server(o.backend, o.backendAt, echoChunks);
  const proxy = yield* Proxy.start({
    network: o.proxy,
    listen: o.proxyAt,
    balancer: new RoundRobin([{ name: "b", address: b }]),
    relay: o.relay,
    maxConnections: 1,
    backlog: 2,
  });
  let peak = 0;
  const answers = yield* clientsOneByOne(o.client, proxy.address, 6, function* () {
    peak = Math.max(peak, proxy.clients.active);
    yield* sleep(30);
  });
  yield* proxy.shutdown(1000);
  return { answers, peak, total: proxy.clients.total };
}

const expected = { answers: Array.from({ length: 6 }, (_, i) => `hi ${i}`), peak: 1, total: 6 };
const RULE = "maxConnections 1, backlog 2: six clients are served one after another, none is reset";

describe("the proxy's maxConnections on every network", () => {
  it(`on the simulated network: ${RULE}`, () => {
    const { result } = simulate({ seed: SEED, latency: 1 }, (net) =>
      sixClients({ ...simulatedEnv(net), relay: greenRelay }),
    );
    expect(result).toEqual(expected);
  });

  for (const [name, proxy, relay] of [["the green pipe", realNetwork, greenRelay], ["the splice", fastNetwork, spliceRelay]] as const) {
    it(`on loopback with ${name}: ${RULE}`, async () => {
      const result = await real(() => sixClients({ ...loopbackEnv(proxy), relay }), 8000);
      expect(result).toEqual(expected);
    }, 10_000);
  }
});
