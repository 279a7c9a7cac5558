// Chapter 05 demo: `npm run lab 05`. The echo server on Node's loopback, then the same code on a simulated
// network with latency, loss and a partition. Everything printed is the same on every run: no ports, no
// wall-clock times; the simulated network's times are virtual and come from its seed.
import { done, isNotImplemented, step } from "../00-common/demo";
import { runReal, runVirtual, sleep, spawn } from "../02-hub/green";
import { getHub } from "../02-hub/hub";
import type { Green } from "../02-hub/suspend";
import { echo, echoServer } from "./echo";
import { ConnectionRefusedError } from "./errors";
import { realNetwork } from "./node-network";
import { exponential } from "./random";
import { serve } from "./serve";
import { SimNetwork } from "./sim-network";
import type { Network } from "./socket";

const log = (line: string): void => console.log(`   ${line}`);

/** The hubs' reporter: a thread that stopped at a task not done yet is already explained by the step. */
const quiet = {
  report: (g: { name: string } | null, e: unknown): void => {
    if (isNotImplemented(e)) return;
    console.error(`   ${g?.name ?? "a timer"} failed: ${String(e)}`);
  },
};

/** One client: connect, send each line and read its echo, then half-close and read the end. */
function* client(net: Network, host: string, port: number, name: string, lines: string[]): Green<string[]> {
  const s = yield* net.connect({ host, port }, { timeout: 5000 });
  s.timeout = 5000;
  const heard: string[] = [];
  for (const line of lines) {
    yield* s.sendall(`${line}\n`);
    heard.push(`${name} heard "${(yield* s.recvLine()).toString().trimEnd()}"`);
  }
  s.shutdown();
  const end = yield* s.recv();
  heard.push(`${name} reached the end of the stream (recv returned ${end.length} bytes)`);
  s.close();
  return heard;
}

/** Waits for threads and returns what each returned, in the order given (not the order they finished). */
function* gather<T>(threads: { dead: boolean; failed: boolean; error: unknown; result: T | undefined }[]): Green<T[]> {
  for (const t of threads) while (!t.dead) yield* sleep(5);
  return threads.map((t) => {
    if (t.failed) throw t.error;
    return t.result as T;
  });
}

await step("Task 4 and 5: the echo server on Node's loopback, three clients at once", () =>
  runReal(function* () {
    const l = yield* realNetwork.listen({ host: "127.0.0.1", port: 0 });
    log(`listening on 127.0.0.1, on a port the OS chose (${l.address.port > 0 ? "a real one" : "none?"})`);
    spawn(echoServer, l);
    const names = ["ann", "bob", "cyd"];
    const threads = names.map((n) => spawn(client, realNetwork, "127.0.0.1", l.address.port, n, [`hello from ${n}`, `${n} again`]));
    for (const lines of yield* gather(threads)) for (const line of lines) log(line);
    l.close();
  }, quiet),
);

await step("Task 2 and 4: the same code on a simulated network, 20 ms of latency and a random tail, seed 5", () => {
  const { time } = runVirtual(function* () {
    const net = new SimNetwork({ seed: 5, latency: exponential(20, 10) });
    const l = yield* net.host("server").listen({ host: "server", port: 7 });
    spawn(echoServer, l);
    const names = ["ann", "bob", "cyd"];
    const threads = names.map((n) => spawn(client, net.host(n), "server", 7, n, [`hello from ${n}`, `${n} again`]));
    for (const lines of yield* gather(threads)) for (const line of lines) log(line);
    log(`${net.stats.segments} segments, ${net.stats.bytes} payload bytes delivered`);
    l.close();
  }, quiet);
  log(`virtual time at the end: ${time.toFixed(1)} ms (real time: next to none)`);
});

await step("Task 1 and 2: refused, a partition that heals, and 10% loss", () => {
  runVirtual(function* () {
    const net = new SimNetwork({ seed: 5, latency: 25 });
    const at = (): string => `t=${getHub().now().toFixed(0)} ms`;
    net.host("server"); // the host exists, but nothing listens on it yet
    try {
      yield* net.host("ann").connect({ host: "server", port: 7 });
    } catch (e) {
      if (!(e instanceof ConnectionRefusedError)) throw e;
      log(`${at()}: nothing listens yet: ${e.name}`);
    }
    const l = yield* net.host("server").listen({ host: "server", port: 7 });
    spawn(serve, l, echo, { concurrency: 10 });
    const s = yield* net.host("ann").connect({ host: "server", port: 7 });
    net.partition("ann", "server");
    log(`${at()}: connected, then the network between ann and server is cut`);
    spawn(function* () {
      yield* sleep(3000);
      net.heal();
      log(`${at()}: the partition heals`);
    });
    yield* s.sendall("sent during the partition\n");
    const line = (yield* s.recvLine()).toString().trimEnd();
    log(`${at()}: ann heard "${line}" (TCP retried until it got through)`);
    s.close();
    const lossy = new SimNetwork({ seed: 5, latency: 25, loss: 0.1 });
    const l2 = yield* lossy.host("server").listen({ host: "server", port: 7 });
    spawn(serve, l2, echo);
    const t0 = getHub().now();
    const lines = yield* client(lossy.host("bob"), "server", 7, "bob", ["one", "two", "three", "four"]);
    log(`with 10% loss bob heard ${lines.length - 1} lines back in ${(getHub().now() - t0).toFixed(0)} ms; ${lossy.stats.lost} segment tries were lost`);
    l.close();
    l2.close();
  }, quiet);
});

done();
