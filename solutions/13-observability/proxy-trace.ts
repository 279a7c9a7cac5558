// The chapter's example trace: chapter 08's proxy serving three clients on the simulated network, traced. Built in
// chapter 13. `npx tsx solutions/13-observability/proxy-trace.ts --write` regenerates site/src/traces/13-proxy.json,
// the Chrome trace the chapter's timeline is drawn from (and that opens in Perfetto); a site test keeps it in step.
// `npm run lab 13 trace` runs the one in your lab, with your tracer.
import { writeFileSync } from "node:fs";
import { sleep } from "../02-hub/green";
import type { Green } from "../02-hub/suspend";
import { spawn } from "../03-cancellation/greenthread";
import { SimNetwork } from "../05-green-sockets/sim-network";
import type { Address, Socket } from "../05-green-sockets/socket";
import type { Backend } from "../08-tcp-proxy/balancer";
import { Proxy } from "../08-tcp-proxy/proxy";
import { RoundRobin } from "../08-tcp-proxy/round-robin";
import type { ChromeTrace } from "./chrome-trace";
import { traceVirtual, type Tracer } from "./trace";

/** Where the committed trace lives, from the repository's root. */
export const PROXY_TRACE_FILE = "site/src/traces/13-proxy.json";

// #region proxy-trace
/** Reads until the peer half-closes. */
function* readAll(s: Socket): Green<Buffer> {
  const parts: Buffer[] = [];
  for (let b = yield* s.recv(); b.length > 0; b = yield* s.recv()) parts.push(b);
  return Buffer.concat(parts);
}

/** A backend: for each connection, read the request, work 2 ms, answer it upper-cased. */
function* app(net: SimNetwork, b: Backend): Green<void> {
  const listener = yield* net.host(b.address.host).listen(b.address);
  spawn(function* accept(): Green<void> {
    for (;;) {
      const s = yield* listener.accept();
      spawn(function* handle(): Green<void> {
        const request = yield* readAll(s);
        yield* sleep(2);
        yield* s.sendall(`${b.name}: ${request.toString().toUpperCase()}`);
        s.close();
      });
    }
  });
}

/** One client: connect to the proxy, send, half-close, read the answer. */
function* client(net: SimNetwork, host: string, to: Address, what: string): Green<string> {
  const s = yield* net.host(host).connect(to);
  yield* s.sendall(what);
  s.shutdown();
  const answer = (yield* readAll(s)).toString();
  s.close();
  return answer;
}

/**
 * Chapter 08's proxy in front of two backends, round robin, on a simulated network with 1 ms links; three clients
 * 1 ms apart. Everything on the virtual clock, traced from main's first line: the same trace on every machine.
 */
export function traceProxy(): { answers: string[]; tracer: Tracer } {
  const { result, tracer } = traceVirtual(function* main(): Green<string[]> {
    const net = new SimNetwork({ seed: 13, latency: 1 });
    const backends: Backend[] = ["app-1", "app-2"].map((name) => ({ name, address: { host: name, port: 8080 } }));
    for (const b of backends) yield* app(net, b);
    const proxy = yield* Proxy.start({ network: net.host("lb"), listen: { host: "lb", port: 80 }, balancer: new RoundRobin(backends) });
    const clients = ["a", "b", "c"].map((name, i) =>
      spawn(function* user(): Green<string> {
        yield* sleep(i);
        return yield* client(net, `client-${name}`, proxy.address, `hello from ${name}`);
      }),
    );
    const answers: string[] = [];
    for (const c of clients) answers.push(yield* c.wait());
    yield* proxy.shutdown(0);
    return answers;
  });
  return { answers: result, tracer };
}
// #endregion

/** The trace as committed: Chrome's format, one event a line, so that a diff of it reads. */
export function proxyTraceJson(trace: ChromeTrace): string {
  const lines = trace.traceEvents.map((e) => `  ${JSON.stringify(e)}`);
  return `{"displayTimeUnit": "ms", "otherData": ${JSON.stringify(trace.otherData)}, "traceEvents": [\n${lines.join(",\n")}\n]}\n`;
}

if (process.argv[1]?.endsWith("proxy-trace.ts")) {
  const { answers, tracer } = traceProxy();
  const trace = tracer.toChromeTrace();
  for (const a of answers) console.log(a);
  const threads = trace.traceEvents.filter((e) => e.ph === "M" && e.name === "thread_name").length;
  console.log(`${tracer.events().length} events, ${threads} green threads, ${trace.traceEvents.length} trace events`);
  if (process.argv.includes("--write")) {
    writeFileSync(PROXY_TRACE_FILE, proxyTraceJson(trace));
    console.log(`written: ${PROXY_TRACE_FILE} (open it at https://ui.perfetto.dev)`);
  }
}
