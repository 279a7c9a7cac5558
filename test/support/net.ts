// What the network tests of chapters 05–08 share: running a program on a simulated network or on loopback,
// the seed of randomized tests, and small byte helpers. Imports the code under test only through `@target/…`,
// so it runs against the reference or a learner's labs alike.
import { relative } from "node:path";
import { isInside } from "../../tools/lib/files";
import { runReal, runVirtual, sleep } from "@target/02-hub/green";
import type { Greenlet } from "@target/02-hub/greenlet";
import { getHub } from "@target/02-hub/hub";
import type { Green } from "@target/02-hub/suspend";
import { SimNetwork, type SimOptions } from "@target/05-green-sockets/sim-network";
import { spawn } from "@target/03-cancellation/greenthread";
import { ConnectionResetError, SocketClosedError, SocketError } from "@target/05-green-sockets/errors";
import type { Address, Network, Socket } from "@target/05-green-sockets/socket";
import { treeUnderTest } from "./in-worker";

/** The seed of the randomized tests: $SEED when set, so a failure can be replayed. */
export const SEED = process.env.SEED === undefined ? 20261125 : Number(process.env.SEED);

/**
 * The line a failing randomized test prints: how to run `file` again with the same seed, on the same code. The tree
 * under test is named when it is not the reference (vitest's default here): a learner's run (`npm run watch`,
 * `npm run grade`) tests labs/, and a replay without HUB_TARGET would test the reference instead.
 */
export const replayWith =
  (file: string) =>
  (seed: number): string =>
    `replay with: SEED=${seed} ${treeOnCommandLine()}npx vitest run ${file}`;

/** The tree under test as a command line names it: relative to the folder the tests run in when inside it. */
function treeUnderTestNamed(): string {
  const tree = treeUnderTest();
  const rel = relative(process.cwd(), tree);
  return rel && isInside(process.cwd(), tree) ? rel : tree;
}

/** Whether the tests run on the reference (solutions/, vitest's default here) rather than a lab tree. */
export const testsTheReference = (): boolean => treeUnderTestNamed() === "solutions";

/** `HUB_TARGET=<tree> ` for a tree other than solutions/. */
const treeOnCommandLine = (): string => (testsTheReference() ? "" : `HUB_TARGET=${treeUnderTestNamed()} `);

/**
 * Runs `main` on the virtual clock with a fresh simulated network; returns its result, the virtual time and the
 * network. An error the hub reports (a thread that failed with nobody waiting for it) fails the test, and when
 * the run itself fails too, the reported error is thrown: a server thread's failure explains a client's wait best.
 */
export function simulate<T>(options: SimOptions, main: (net: SimNetwork) => Green<T>): { result: T; time: number; net: SimNetwork } {
  const net = new SimNetwork(options);
  const reported: unknown[] = [];
  let run: { result: T; time: number };
  try {
    run = runVirtual(() => main(net), { report: (g, e) => reported.push(naming(g, e)) });
  } catch (e) {
    throw reported.length > 0 ? reported[0] : explained(e);
  }
  if (reported.length > 0) throw reported[0];
  return { ...run, net };
}

/** A deadlock, its message ending with what it usually means in these tests: the hub's own words name no cause. */
function explained(e: unknown): unknown {
  if (e instanceof Error && e.name === "DeadlockError" && !e.message.includes(DEADLOCK_CAUSES)) e.message += DEADLOCK_CAUSES;
  return e;
}
const DEADLOCK_CAUSES =
  " — every green thread waits for something no thread will do: a connection nobody accepts, a recv on a socket nobody" +
  " writes to or closes, a waiter nobody wakes (a wake lost, or a waiter skipped), a line a thread never leaves";

/**
 * A reported error, its message ending with the thread it failed in: thrown out of the test, it would otherwise point
 * at the socket or hub code that raised it, not at the thread (`serveClient`, say) that let it escape.
 */
function naming(g: { readonly name: string } | null, e: unknown): unknown {
  if (e instanceof Error && !e.message.includes("(the hub reported it:")) {
    e.message += g ? ` (the hub reported it: green thread "${g.name}" failed with it, and no thread waited for that one)` : " (the hub reported it: a timer callback threw it)";
  }
  return e;
}

/**
 * Runs `main` on Node's real clock (for loopback sockets). It fails after `limit` milliseconds of real time (a
 * bound, not a measurement), and at once when another thread fails (the hub's report is thrown into `main`).
 */
export function real<T>(main: () => Green<T>, limit = 3000): Promise<T> {
  let mainThread: Greenlet | null = null;
  return runReal(
    function* () {
      const hub = getHub();
      mainThread = hub.current!;
      const guard = hub.schedule(limit, () => hub.throwInto(mainThread!, new Error(`the loopback test took over ${limit} ms`)));
      try {
        return yield* main();
      } finally {
        guard.cancel();
      }
    },
    { report: (_g, e) => mainThread?.hub.throwInto(mainThread, e) },
  );
}

/**
 * Sleeps until every one of `threads` has ended, looking every `step` ms. A loop of sleeps never ends on the virtual
 * clock, where time costs nothing, and no test timeout can stop it: after `ms` (virtual) ms this fails instead, naming
 * `what` it waited for.
 */
export function* untilEnded(threads: readonly { readonly dead: boolean }[], what: string, ms = 60_000, step = 10): Green<void> {
  const deadline = getHub().now() + ms;
  while (threads.some((t) => !t.dead)) {
    if (getHub().now() >= deadline) {
      throw new Error(`${threads.filter((t) => !t.dead).length} of ${threads.length} ${what} had not ended after ${ms} ms of virtual time`);
    }
    yield* sleep(step);
  }
}

/** A connected pair of sockets on the simulated network: [the one on host a, the one on host b]. */
export function* socketPair(net: SimNetwork, a: string, b: string, port: number): Green<[Socket, Socket]> {
  const l = yield* net.host(b).listen({ host: b, port });
  const accepting = spawn(function* () {
    return yield* l.accept();
  });
  const near = yield* net.host(a).connect({ host: b, port });
  const far = yield* accepting.wait();
  l.close();
  return [near, far];
}

/** A server on host "server" port 7 that runs `handler` for one connection; the client socket from host "client". */
export function* pair(net: SimNetwork, handler: (s: Socket) => Green<void>): Green<Socket> {
  const listener = yield* net.host("server").listen({ host: "server", port: 7 });
  spawn(function* () {
    const s = yield* listener.accept();
    listener.close();
    yield* handler(s);
  });
  return yield* net.host("client").connect({ host: "server", port: 7 });
}

/** Reads until the end of the stream. */
export function* readAll(s: Socket): Green<Buffer> {
  const parts: Buffer[] = [];
  for (let b = yield* s.recv(); b.length > 0; b = yield* s.recv()) parts.push(b);
  return Buffer.concat(parts);
}

/** `n` bytes of a repeating, position-dependent pattern, so a lost, duplicated or reordered byte shows. */
export const pattern = (n: number, from = 0): Buffer => {
  const b = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) {
    const at = from + i;
    b[i] = (at * 7 + (at >> 8)) & 0xff;
  }
  return b;
};

/** Runs `handler` for every connection to `addr` on `network`, each in its own thread, until the run ends. */
export function* server(network: Network, addr: Address, handler: (s: Socket) => Green<void>): Green<Address> {
  const l = yield* network.listen(addr);
  spawn(function* acceptor() {
    for (;;) {
      const s = yield* l.accept();
      spawn(function* conn() {
        try {
          yield* handler(s);
        } catch (e) {
          if (!(e instanceof ConnectionResetError) && !(e instanceof SocketClosedError)) throw e;
        } finally {
          s.close();
        }
      });
    }
  });
  return l.address;
}

/** One request: connect to `to`, send, half-close, read the whole answer (within `timeout` ms per wait). */
export function* request(network: Network, to: Address, body: string | Buffer, timeout: number | null = null): Green<string> {
  const s = yield* network.connect(to, timeout === null ? {} : { timeout });
  s.timeout = timeout;
  try {
    yield* s.sendall(body);
    s.shutdown();
    return (yield* readAll(s)).toString();
  } finally {
    s.close();
  }
}

/** The chunk size of a stream made of `chunkOf(0)`, `chunkOf(1)`, … */
export const CHUNK = 64 * 1024;

/** Chunk `i` of a long stream: every byte is `i & 0xff`, cheap to make and to check. */
export const chunkOf = (i: number): Buffer => Buffer.alloc(CHUNK, i & 0xff);

/** Reads a stream of chunkOf(0), chunkOf(1), … to its end: how many bytes, and where the first wrong one is (-1: none). */
export function* readChunks(s: Socket): Green<{ read: number; wrong: number }> {
  let read = 0;
  let wrong = -1;
  for (let b = yield* s.recv(); b.length > 0; b = yield* s.recv()) {
    for (let k = 0; k < b.length && wrong < 0; k++) if (b[k] !== (Math.floor((read + k) / CHUNK) & 0xff)) wrong = read + k;
    read += b.length;
  }
  return { read, wrong };
}

/**
 * Watches a writer whose reader has stopped reading: true once `sent()` has not moved for three looks `tick` ms
 * apart, false when the writer finished (`done()`) or after 100 looks. Three looks, not one: on a busy machine
 * the writer may simply not have run between two looks.
 */
export function* untilStalled(sent: () => number, done: () => boolean, tick: number): Green<boolean> {
  let still = 0;
  for (let i = 0, before = -1; i < 100 && still < 3 && !done(); i++) {
    still = sent() === before ? still + 1 : 0;
    before = sent();
    yield* sleep(tick);
  }
  return still === 3 && !done();
}

/**
 * `n` clients of `to` on `network`, arriving 2 ms apart: client i sends "hi i", reads one line back, runs `served`
 * (say, to stay a while) and hangs up. Returns each client's answer, or the code of the SocketError it got.
 */
export function* clientsOneByOne(network: Network, to: Address, n: number, served: () => Green<void> = function* () {}): Green<string[]> {
  const clients = Array.from({ length: n }, (_, i) =>
    spawn(function* () {
      yield* sleep(2 * i);
      try {
        const c = yield* network.connect(to);
        yield* c.sendall(`hi ${i}\n`);
        const answer = (yield* c.recvLine()).toString().trim();
        yield* served();
        c.close();
        return answer;
      } catch (e) {
        return e instanceof SocketError ? e.code : String(e);
      }
    }),
  );
  const answers: string[] = [];
  for (const t of clients) answers.push(yield* t.wait());
  return answers;
}

/**
 * What a connect to `at` fails with once nothing listens there: tried up to `tries` times 20 ms apart, each connect
 * that lands let go; null when every one connected. On loopback a closed listener's socket can outlive its close by
 * a few milliseconds: vitest runs the test files in threads of one process, and a process that another file forks
 * in that moment holds a copy of every descriptor until it execs. A connect can also land in that copy's accept queue
 * and be reset when the exec closes it, before the connect has been reported: a reset (code ECONNRESET) says something
 * still listened, so it is tried again too.
 */
export function* refusal(network: Pick<Network, "connect">, at: Address, tries = 50): Green<unknown> {
  for (let i = 0; i < tries; i++) {
    try {
      (yield* network.connect(at, { timeout: 2000 })).abort();
    } catch (e) {
      if (!isReset(e) || i === tries - 1) return e;
    }
    yield* sleep(20);
  }
  return null;
}

function isReset(e: unknown): boolean {
  return typeof e === "object" && e !== null && (e as { code?: unknown }).code === "ECONNRESET";
}
