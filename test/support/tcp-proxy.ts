// What later labs rely on of the TCP proxies of labs 08 and 10, checked before the tests that use them (requireLab
// in ./prerequisites): chapter 10's health checks run on lab 08's proxy, chapter 12's elastic proxy on lab 10's, and
// chapter 13's access records on both (chapter 14 checks lab 12's proxy the same way). Imports the code under test
// only through `@target/…`, and only of labs 05 to 10, so an unfinished later lab cannot break a check.
import type { Green } from "@target/02-hub/suspend";
import { mulberry32 } from "@target/05-green-sockets/random";
import type { SimNetwork } from "@target/05-green-sockets/sim-network";
import type { Address, Socket } from "@target/05-green-sockets/socket";
import type { Backend } from "@target/08-tcp-proxy/balancer";
import { Proxy } from "@target/08-tcp-proxy/proxy";
import { RoundRobin } from "@target/08-tcp-proxy/round-robin";
import { startHealthyProxy } from "@target/10-health/proxy";
import { readAll, request, SEED, server, simulate } from "./net";

/** What lab 08 is asked for before a test that runs on its proxy (requireLab's `what`). */
export const LAB08_PROXY = "Proxy, RoundRobin and the failover";
/** What lab 10 is asked for before a test that runs on its proxy. */
export const LAB10_PROXY = "startHealthyProxy: health checks and retries";

const BACKENDS: Backend[] = ["b1", "b2"].map((name) => ({ name, address: { host: name, port: 8080 } }));
const LB: Address = { host: "lb", port: 80 };

/**
 * Four requests, one after another, through the proxy `start` starts on `listen` in front of `backends` (b1 and b2,
 * where b2 listens nowhere: its connects are refused); throws, saying what came back, unless b1 answered all four.
 * `start` returns how to stop what it started. Chapter 14's check of lab 12's proxy is made the same way.
 */
export function forwardsFourToB1(
  what: string,
  start: (net: SimNetwork, backends: readonly Backend[], listen: Address) => Green<() => Green<unknown>>,
): void {
  const { result } = simulate({ seed: SEED, latency: 1 }, function* (net) {
    yield* server(net.host("b1"), BACKENDS[0]!.address, function* (s: Socket): Green<void> {
      yield* readAll(s);
      yield* s.sendall("b1");
    });
    const stop = yield* start(net, BACKENDS, LB);
    const got: string[] = [];
    for (let i = 0; i < 4; i++) {
      try {
        got.push(yield* request(net.host("c"), LB, "hi"));
      } catch (e) {
        got.push(`(${(e as Error).name})`);
      }
    }
    yield* stop();
    return got;
  });
  const want = ["b1", "b1", "b1", "b1"];
  if (JSON.stringify(result) !== JSON.stringify(want)) {
    throw new Error(`four requests through ${what}, round robin over b1 and b2 with b2 down, got ${JSON.stringify(result)}, not ${JSON.stringify(want)} (a connect to b2 refused goes on to b1)`);
  }
}

/** Lab 08's Proxy forwards each client to a backend, and a refused connect goes on to the next (its failover). */
export function lab08ProxyForwards(): void {
  forwardsFourToB1("its Proxy", function* (net, backends, listen) {
    const proxy = yield* Proxy.start({ network: net.host("lb"), listen, balancer: new RoundRobin(backends) });
    return () => proxy.shutdown(0);
  });
}

/** Lab 10's startHealthyProxy forwards each client to a backend, and a refused connect is retried on another. */
export function lab10ProxyForwards(): void {
  forwardsFourToB1("its startHealthyProxy", function* (net, backends, listen) {
    const hp = yield* startHealthyProxy({ network: net.host("lb"), listen, backends, random: mulberry32(SEED) });
    return function* () {
      yield* hp.stop();
      yield* hp.proxy.shutdown(0);
    };
  });
}
