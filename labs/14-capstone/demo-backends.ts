// The demo's backends: small HTTP servers on chapter 07's server, some fast, one slow, one flaky, so that
// `npm run lb -- --demo` has something to balance and something to eject. Built in chapter 14.
import { sleep } from "../02-hub/green";
import type { Green } from "../02-hub/suspend";
import { spawn } from "../03-cancellation/greenthread";
import type { Address, Listener, Network } from "../05-green-sockets/socket";
import type { HttpRequest, HttpResponse } from "../07-http/handler";
import { serveHttp } from "../07-http/server";

export type DemoKind = "fast" | "slow" | "flaky";

export interface DemoBackend {
  readonly name: string;
  readonly kind: DemoKind;
  readonly address: Address;
  /** Requests it answered, and how many of them with 503. */
  readonly served: { requests: number; failed: number };
}

export interface DemoBackends {
  readonly backends: DemoBackend[];
  close(): void;
}

/** How long a slow backend takes over each answer, in ms. */
export const SLOW_MS = 300;

/**
 * Starts `kinds.length` backends on `host` (any free port each), named after their kind ("fast-1", "slow-1",
 * "flaky-1"). A fast one answers at once; a slow one after SLOW_MS; a flaky one answers 503 to its requests 6 to 10
 * of every 10 (a burst, as a backend that restarts does), which chapter 10's outlier detection sees as 5 in a row.
 */
export function* startDemoBackends(network: Network, kinds: readonly DemoKind[], host = "127.0.0.1"): Green<DemoBackends> {
  const listeners: Listener[] = [];
  const backends: DemoBackend[] = [];
  const numbers: Record<DemoKind, number> = { fast: 0, slow: 0, flaky: 0 };
  for (const kind of kinds) {
    const name = `${kind}-${++numbers[kind]}`;
    const l = yield* network.listen({ host, port: 0 });
    const b: DemoBackend = { name, kind, address: l.address, served: { requests: 0, failed: 0 } };
    listeners.push(l);
    backends.push(b);
    spawn(serveHttp, l, (req: HttpRequest) => answer(b, req), { maxConnections: 256 });
  }
  return { backends, close: () => listeners.forEach((l) => l.close()) };
}

function* answer(b: DemoBackend, req: HttpRequest): Green<HttpResponse> {
  yield* req.body.readAll();
  const n = b.served.requests++;
  if (b.kind === "slow") yield* sleep(SLOW_MS);
  if (b.kind === "flaky" && n % 10 >= 5) {
    b.served.failed++;
    return { status: 503, headers: { "Content-Type": "text/plain" }, body: `${b.name} is having a bad moment\n` };
  }
  return { status: 200, headers: { "Content-Type": "text/plain" }, body: `hello from ${b.name} (${b.kind}): ${req.method} ${req.target}\n` };
}
