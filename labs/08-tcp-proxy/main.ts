// Chapter 08 demo: `npm run lab 08`. One step per task, in task order, each printing the options it uses: round
// robin, then three demo backends and the proxy on 127.0.0.1 with clients of our own — many at once, a backend
// stopped (failover), traffic spread round robin with its counters — and a graceful shutdown. No ports or timings
// are printed.
import { done, step } from "../00-common/demo";
import { runReal, sleep } from "../02-hub/green";
import type { Greenlet } from "../02-hub/greenlet";
import type { Green } from "../02-hub/suspend";
import { getCurrent, spawn } from "../03-cancellation/greenthread";
import { isPeerGone, SocketClosedError } from "../05-green-sockets/errors";
import { realNetwork } from "../05-green-sockets/node-network";
import type { Address, Listener, Socket } from "../05-green-sockets/socket";
import type { Backend } from "./balancer";
import { Proxy } from "./proxy";
import { RoundRobin } from "./round-robin";

const log = (line: string): void => console.log(`   ${line}`);
/** The proxy's options in every step (printed there): a short connect timeout, and one failure benches a backend. */
const OPTIONS = { connectTimeout: 500, maxFails: 1, cooldown: 60_000 } as const;
const LOCAL: Address = { host: "127.0.0.1", port: 0 };

/** Reads until the end of the stream. */
function* readAll(s: Socket): Green<Buffer> {
  const parts: Buffer[] = [];
  for (let b = yield* s.recv(); b.length > 0; b = yield* s.recv()) parts.push(b);
  return Buffer.concat(parts);
}

/** A demo backend: reads the whole request, answers "<name>: <request, upper-cased>". */
function* demoBackend(name: string): Green<Listener> {
  const listener = yield* realNetwork.listen(LOCAL);
  spawn(function* acceptor() {
    for (;;) {
      let s: Socket;
      try {
        s = yield* listener.accept();
      } catch (e) {
        if (e instanceof SocketClosedError) return;
        throw e;
      }
      spawn(function* answer() {
        try {
          const request = (yield* readAll(s)).toString();
          yield* s.sendall(`${name}: ${request.toUpperCase()}`);
        } catch (e) {
          if (!isPeerGone(e)) throw e; // a connection the proxy cut (shutdown) is no news here
        } finally {
          s.close();
        }
      });
    }
  });
  return listener;
}

/** One client: connect to the proxy, send, half-close, read the whole answer. */
function* ask(to: Address, what: string): Green<string> {
  const s = yield* realNetwork.connect(to);
  s.timeout = 5000; // a demo must end, whatever the proxy does
  try {
    yield* s.sendall(what);
    s.shutdown(); // half-close: "that was my whole request"
    return (yield* readAll(s)).toString();
  } finally {
    s.close();
  }
}

function table(proxy: Proxy): void {
  log("backend  active  total  bytes up  bytes down  connect failures");
  for (const [b, s] of proxy.stats) {
    log(`${b.name.padEnd(7)}  ${String(s.active).padStart(6)}  ${String(s.total).padStart(5)}  ${String(s.bytesUp).padStart(8)}  ${String(s.bytesDown).padStart(10)}  ${String(s.connectFailures).padStart(16)}`);
  }
}

/**
 * Runs `body` with three demo backends and a proxy in front of them, all on 127.0.0.1, then closes them. A task not
 * done yet fails inside one of the proxy's own threads: it is thrown into the demo's main thread, so that the step
 * says which task to do instead of waiting for an answer that will never come.
 */
function demo(body: (proxy: Proxy, backends: Listener[]) => Green<void>): Promise<void> {
  let main: Greenlet | null = null;
  const report = (g: Greenlet | null, e: unknown): void => {
    if (main !== null && e instanceof Error && e.message.startsWith("not implemented yet")) main.hub.throwInto(main, e);
    else console.error(`${g ? g.name : "a timer"} failed: ${String(e)}`);
  };
  return runReal(function* () {
    main = getCurrent();
    const names = ["alpha", "beta", "gamma"];
    const listeners: Listener[] = [];
    for (const n of names) listeners.push(yield* demoBackend(n));
    let proxy: Proxy | null = null;
    try {
      const backends: Backend[] = names.map((name, i) => ({ name, address: listeners[i].address }));
      proxy = yield* Proxy.start({ network: realNetwork, listen: LOCAL, balancer: new RoundRobin(backends), ...OPTIONS });
      log(`proxy options: connectTimeout ${OPTIONS.connectTimeout} ms, maxFails ${OPTIONS.maxFails}, cooldown ${OPTIONS.cooldown} ms; the others at their defaults`);
      yield* body(proxy, listeners);
    } finally {
      proxy?.listener.close();
      for (const l of listeners) l.close();
    }
  }, { report });
}

await step("Task 1: round robin, skipping a backend the proxy will not use", () => {
  const backends: Backend[] = ["alpha", "beta", "gamma"].map((name, i) => ({ name, address: { host: "127.0.0.1", port: 9001 + i } }));
  const rr = new RoundRobin(backends);
  const all = Array.from({ length: 4 }, () => rr.pick(() => true)!.name);
  const notBeta = Array.from({ length: 4 }, () => rr.pick((b) => b.name !== "beta")!.name);
  log(`every backend usable: ${all.join(", ")}`);
  log(`beta cooling down:    ${notBeta.join(", ")}`);
});

await step("Task 2 (through tasks 3 and 4): ten clients at once, each sending 100 kB and half-closing", () =>
  demo(function* (proxy) {
    const big = "x".repeat(100_000);
    const threads = Array.from({ length: 10 }, () => spawn(ask, proxy.address, big));
    const complete: boolean[] = [];
    for (const t of threads) complete.push(/^(alpha|beta|gamma): X{100000}$/.test(yield* t.wait()));
    log(`every answer complete (a backend's name and 100,000 bytes): ${complete.every(Boolean)}`);
    table(proxy);
  }),
);

await step("Task 3 (through task 4): beta stops listening; the proxy fails over, then leaves beta alone", () =>
  demo(function* (proxy, listeners) {
    listeners[1].close();
    yield* sleep(50);
    for (const word of ["one", "two", "three", "four", "five", "six"]) log(`sent "${word}" → got "${yield* ask(proxy.address, word)}"`);
    table(proxy);
  }),
);

await step("Task 4: six clients through the proxy, one after the other, and the counters per backend", () =>
  demo(function* (proxy) {
    for (const word of ["one", "two", "three", "four", "five", "six"]) log(`sent "${word}" → got "${yield* ask(proxy.address, word)}"`);
    table(proxy);
  }),
);

await step("Task 5: graceful shutdown (grace 200 ms) with one client still connected and silent", () =>
  demo(function* (proxy) {
    log(`a quick client first: "${yield* ask(proxy.address, "hello")}"`);
    const lingering = yield* realNetwork.connect(proxy.address);
    yield* sleep(50);
    const report = yield* proxy.shutdown(200);
    log(`shutdown: ${report.finished} connection(s) finished on their own, ${report.cut} cut at the deadline`);
    log(`clients: ${proxy.clients.total} served, ${proxy.clients.active} open now; a new client is ${yield* refusedOrNot(proxy.address)}`);
    lingering.close();
  }),
);

/** Whether a connection to `to` is refused now. */
function* refusedOrNot(to: Address): Green<string> {
  try {
    (yield* realNetwork.connect(to)).close();
    return "accepted";
  } catch (e) {
    return e instanceof Error && e.name === "ConnectionRefusedError" ? "refused" : String(e);
  }
}

done();
