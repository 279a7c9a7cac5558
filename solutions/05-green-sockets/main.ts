// Chapter 05 demo: `npm run lab 05`. One step per task, in task order: park, recv, lines, the echo server on a
// simulated network with latency and loss, the same server on Node's loopback, and serve with a limit. Every step
// prints the options it runs with. Everything printed is the same on every run: no ports, no wall-clock times;
// the simulated network's times are virtual and come from its seed.
import { done, isNotImplemented, step } from "../00-common/demo";
import { runReal, runVirtual, sleep, spawn } from "../02-hub/green";
import { getHub } from "../02-hub/hub";
import type { Green } from "../02-hub/suspend";
import { echo, echoServer } from "./echo";
import { ConnectionRefusedError, TimedOutError } from "./errors";
import { realNetwork } from "./node-network";
import { exponential } from "./random";
import { serve } from "./serve";
import { SimNetwork } from "./sim-network";
import type { Network, Socket } from "./socket";

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

await step("Task 1: park — a refused connect, and one that times out (options: latency 25 ms, connect timeout 500 ms)", () => {
  runVirtual(function* () {
    const net = new SimNetwork({ latency: 25 });
    const at = (): string => `t=${getHub().now().toFixed(0)} ms`;
    net.host("server"); // the host exists, but nothing listens on it yet
    try {
      yield* net.host("ann").connect({ host: "server", port: 7 });
    } catch (e) {
      if (!(e instanceof ConnectionRefusedError)) throw e;
      log(`${at()}: nothing listens on server:7: ${e.name} after one round trip`);
    }
    yield* net.host("server").listen({ host: "server", port: 7 });
    net.partition("ann", "server");
    try {
      yield* net.host("ann").connect({ host: "server", port: 7 }, { timeout: 500 });
    } catch (e) {
      if (!(e instanceof TimedOutError)) throw e;
      log(`${at()}: across a partition: ${e.name}: ${e.message}`);
    }
  }, quiet);
});

await step("Task 2: recv across a partition that heals (options: seed 5, latency 25 ms)", () => {
  runVirtual(function* () {
    const net = new SimNetwork({ seed: 5, latency: 25 });
    const at = (): string => `t=${getHub().now().toFixed(0)} ms`;
    const l = yield* net.host("server").listen({ host: "server", port: 7 });
    spawn(function* () {
      const s = yield* l.accept();
      yield* s.sendall("before the cut");
      yield* sleep(100);
      net.partition("ann", "server");
      log(`${at()}: the network between ann and server is cut`);
      yield* s.sendall("sent during the partition");
      s.close();
    });
    spawn(function* () {
      yield* sleep(3000);
      net.heal();
      log(`${at()}: the partition heals`);
    });
    const s = yield* net.host("ann").connect({ host: "server", port: 7 });
    for (let b = yield* s.recv(); b.length > 0; b = yield* s.recv()) log(`${at()}: ann's recv returned "${b.toString()}"`);
    log(`${at()}: recv returned 0 bytes: the end of the stream (TCP retried until it got through)`);
    s.close();
    l.close();
  }, quiet);
});

await step("Task 3: lines and fixed-size messages out of 5-byte segments (options: mss 5, latency 10 ms)", () => {
  runVirtual(function* () {
    const net = new SimNetwork({ mss: 5, latency: 10 });
    const l = yield* net.host("server").listen({ host: "server", port: 7 });
    spawn(function* () {
      const s = yield* l.accept();
      yield* s.sendall("HEAD0042first line\nsecond line\n");
      s.close();
    });
    const s = yield* net.host("ann").connect({ host: "server", port: 7 });
    log(`recvExactly(4) → "${(yield* s.recvExactly(4)).toString()}", recvExactly(4) → "${(yield* s.recvExactly(4)).toString()}"`);
    for (let line = yield* s.recvLine(); line.length > 0; line = yield* s.recvLine()) log(`recvLine() → ${JSON.stringify(line.toString())}`);
    log("recvLine() → 0 bytes: the end of the stream");
    s.close();
    l.close();
  }, quiet);
});

await step("Task 4: the echo server, three clients at once (options: seed 5, latency 20 ms + an exponential tail of 10 ms, then 10% loss)", () => {
  const { time } = runVirtual(function* () {
    const net = new SimNetwork({ seed: 5, latency: exponential(20, 10) });
    const l = yield* net.host("server").listen({ host: "server", port: 7 });
    spawn(echoServer, l);
    const names = ["ann", "bob", "cyd"];
    const threads = names.map((n) => spawn(client, net.host(n), "server", 7, n, [`hello from ${n}`, `${n} again`]));
    for (const lines of yield* gather(threads)) for (const line of lines) log(line);
    log(`${net.stats.segments} segments, ${net.stats.bytes} payload bytes delivered`);
    l.close();
    const lossy = new SimNetwork({ seed: 5, latency: 25, loss: 0.1 });
    const l2 = yield* lossy.host("server").listen({ host: "server", port: 7 });
    spawn(echoServer, l2);
    const t0 = getHub().now();
    const lines = yield* client(lossy.host("bob"), "server", 7, "bob", ["one", "two", "three", "four"]);
    log(`with 10% loss (latency 25 ms) bob heard ${lines.length - 1} lines back in ${(getHub().now() - t0).toFixed(0)} ms; ${lossy.stats.lost} segment tries were lost`);
    l2.close();
  }, quiet);
  log(`virtual time at the end: ${time.toFixed(1)} ms (real time: next to none)`);
});

await step("Task 5: the same echo server on Node's loopback, three clients at once (options: timeout 5000 ms)", () =>
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

await step("Task 6: serve with a limit (options: concurrency 2, latency 1 ms; each handler sleeps 100 ms first)", () => {
  runVirtual(function* () {
    const net = new SimNetwork({ latency: 1 });
    const l = yield* net.host("server").listen({ host: "server", port: 7 });
    let running = 0;
    spawn(serve, l, function* (s: Socket) {
      running++;
      log(`t=${getHub().now().toFixed(0)} ms: a handler starts (${running} running)`);
      yield* sleep(100);
      yield* echo(s);
      running--;
    }, { concurrency: 2 });
    const names = ["ann", "bob", "cyd", "dee"];
    const threads = names.map((n) => spawn(client, net.host(n), "server", 7, n, [`hi from ${n}`]));
    for (const lines of yield* gather(threads)) log(lines[0]);
    log(`t=${getHub().now().toFixed(0)} ms: four clients served, never more than two at once`);
    l.close();
  }, quiet);
});

done();
