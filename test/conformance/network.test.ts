// The network conformance suite (test/support/network-conformance.ts) run against every implementation of chapter
// 05's contract: the simulated network, Node's real one, chapter 08's fast one, and chapter 14's, which listens
// through several descriptors (its own checks follow). Course tests, not graded: the graded tests of each lab are in
// test/NN-slug.test.ts.
import { describe, expect, it, vi } from "vitest";
import { sleep } from "@target/02-hub/green";
import { spawn } from "@target/03-cancellation/greenthread";
import { ConnectionRefusedError } from "@target/05-green-sockets/errors";
import { realNetwork } from "@target/05-green-sockets/node-network";
import { fastNetwork } from "@target/08-tcp-proxy/fast-net";
import { acceptingNetwork, listenWide, WideListener } from "@target/14-capstone/acceptors";
import { existsSync, readdirSync, readlinkSync } from "node:fs";
import { connect as netConnect, createServer as createNetServer, Server as NetServer, type AddressInfo, type Socket as NetSocket } from "node:net";
import { ask, getJson, startBackend, startClusterProcess, type WorkersView } from "../support/cluster";
import { real, readAll, refusal, request, SEED, simulate } from "../support/net";
import { freePort } from "../support/ports";
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

const NETWORKS = [
  ["realNetwork", realNetwork],
  ["the fast network (chapter 08)", fastNetwork],
  ["the fast network accepting through 4 descriptors (chapter 14)", acceptingNetwork(4)],
] as const;
for (const [name, network] of NETWORKS) {
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

describe("Node's networks: the listener hears connections from the moment its socket listens", () => {
  /** A connected pair of Node sockets, from a throwaway server: `accepted` is the server's end. */
  async function connectedPair(): Promise<{ accepted: NetSocket; client: NetSocket }> {
    const server = createNetServer();
    const accepted = new Promise<NetSocket>((resolve) => server.once("connection", resolve));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const client = netConnect((server.address() as AddressInfo).port, "127.0.0.1");
    const pair = { accepted: await accepted, client };
    server.close();
    return pair;
  }

  for (const [name, network] of NETWORKS) {
    it(`${name}: a connection Node accepts before the listening thread resumes is kept for accept`, async () => {
      const { accepted, client } = await connectedPair();
      const answer = new Promise<string>((resolve) => {
        let got = "";
        client.on("data", (b: Buffer) => (got += b.toString())).on("end", () => resolve(got));
      });
      // Node accepts on its own, on any turn after listen(2); our thread resumes a turn or more later. The earliest
      // case, made certain: the server hands over a connection inside listen() itself.
      const original = NetServer.prototype.listen;
      const listen = vi.spyOn(NetServer.prototype, "listen").mockImplementationOnce(function (this: NetServer, ...args) {
        const result = original.apply(this, args);
        this.emit("connection", accepted);
        return result;
      });
      try {
        await real(function* () {
          const listener = yield* network.listen(LOOPBACK);
          const s = yield* listener.accept(2000);
          yield* s.sendall("kept");
          s.close();
          listener.close();
        }, 10_000);
        expect(await answer).toBe("kept");
      } finally {
        listen.mockRestore();
        client.destroy();
      }
    });
  }

  it("a listen killed before the socket listens leaves nothing listening", async () => {
    const port = await freePort();
    await real(function* () {
      const opening = spawn(() => realNetwork.listen({ host: "127.0.0.1", port }));
      // Both run in the same turn: `opening` calls listen() and parks until Node says it listens, then is killed.
      spawn(function* () {
        yield* opening.kill();
      });
      yield* sleep(20);
      expect(opening.dead).toBe(true);
      expect(yield* refusal(realNetwork, { host: "127.0.0.1", port }), "the killed listen's socket still accepts").toBeInstanceOf(ConnectionRefusedError);
    });
  });
});

describe("chapter 14's listener with several descriptors (acceptors.ts)", () => {
  /** Echoes what each client sends until it half-closes, on every connection `listener` accepts. */
  function echoAll(listener: WideListener): void {
    spawn(function* () {
      for (;;) {
        const s = yield* listener.accept();
        spawn(function* () {
          yield* s.sendall(yield* readAll(s));
          s.close();
        });
      }
    });
  }

  it("watches one socket through the given number of descriptors", async () => {
    await real(function* () {
      const listener = yield* listenWide(LOOPBACK, 511, { acceptors: 4 });
      expect(listener).toBeInstanceOf(WideListener);
      const wide = listener as WideListener;
      expect(wide.copies).toHaveLength(3);
      // Copies of the listening socket, not sockets of their own: the same port, each listening.
      for (const copy of wide.copies) {
        expect(copy.listening).toBe(true);
        expect((copy.address() as { port: number }).port).toBe(listener.address.port);
      }
      listener.close();
    }, 10_000);
  });

  it("serves every client of a burst, and the copies accept without the first descriptor", async () => {
    await real(function* () {
      const listener = (yield* listenWide(LOOPBACK, 511, { acceptors: 4 })) as WideListener;
      echoAll(listener);
      const burst = Array.from({ length: 40 }, (_, i) => spawn(() => request(fastNetwork, listener.address, `client ${i}`, 5000)));
      for (const [i, client] of burst.entries()) expect(yield* client.wait()).toBe(`client ${i}`);
      // Stop watching the first descriptor: the socket stays open through its copies, which alone accept now.
      listener.server.close();
      for (let i = 0; i < 5; i++) expect(yield* request(fastNetwork, listener.address, `late ${i}`, 5000)).toBe(`late ${i}`);
      listener.close();
    }, 10_000);
  });

  it("serves the clients that arrive while the copies are being made", async () => {
    const port = await freePort();
    await real(function* () {
      const at = { host: "127.0.0.1", port };
      let returned = false;
      let arrivedEarly = false;
      const early = spawn(function* () {
        // The socket listens within a millisecond or two; the copies take a child process's start, tens of
        // milliseconds more. So 20 ms in, the client lands in the copying, which the last check confirms.
        yield* sleep(20);
        for (;;) {
          try {
            const s = yield* fastNetwork.connect(at, { timeout: 2000 });
            arrivedEarly = !returned;
            yield* s.sendall("early");
            s.shutdown();
            const answer = (yield* readAll(s)).toString();
            s.close();
            return answer;
          } catch (e) {
            if (!(e instanceof ConnectionRefusedError)) throw e;
            yield* sleep(5); // not listening yet: a slow machine
          }
        }
      });
      const listener = (yield* listenWide(at, 511, { acceptors: 4 })) as WideListener;
      returned = true;
      echoAll(listener);
      expect(yield* early.wait()).toBe("early");
      expect(arrivedEarly).toBe(true); // it connected while listenWide was still copying
      listener.close();
    }, 10_000);
  });

  it("listens through one descriptor, and says why, when no child process can make the copies", async () => {
    const execPath = process.execPath;
    // A Node that cannot start: spawn fails (ENOENT). This thread's own `process` (vitest runs files in threads).
    Object.defineProperty(process, "execPath", { value: "/nonexistent/node", configurable: true, writable: true });
    const warnings: string[] = [];
    try {
      await real(function* () {
        const listener = (yield* listenWide(LOOPBACK, 511, { acceptors: 4, warn: (line) => warnings.push(line) })) as WideListener;
        expect(listener.copies).toHaveLength(0);
        echoAll(listener);
        expect(yield* request(fastNetwork, listener.address, "still served", 5000)).toBe("still served");
        listener.close();
      }, 10_000);
    } finally {
      Object.defineProperty(process, "execPath", { value: execPath, configurable: true, writable: true });
    }
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/accepting through one descriptor only: could not start a child process .*ENOENT/);
  });

  it("with --workers 2 under SCHED_NONE, each worker copies the descriptor it was sent, and serves", async () => {
    const backend = await startBackend("b1");
    let cluster: Awaited<ReturnType<typeof startClusterProcess>> | null = null;
    try {
      cluster = await startClusterProcess([backend], 2, { NODE_CLUSTER_SCHED_POLICY: "none" });
      const c = cluster;
      const answers = await Promise.all(Array.from({ length: 20 }, () => ask(c.port)));
      expect(answers.filter((a) => a !== "b1"), c.output()).toEqual([]);
      expect(c.output()).toContain("by the kernel (SCHED_NONE)");
      // A worker that could not copy its descriptor says so (acceptors.ts): none did.
      expect(c.output()).not.toContain("accepting through one descriptor only");
      if (existsSync("/proc/self/fd")) {
        // Each worker holds one socket (the listening one) through the config's 64 descriptors, and no other as often.
        const { workers } = await getJson<WorkersView>(c.adminPort, "/workers");
        expect(workers).toHaveLength(2);
        for (const w of workers) {
          const counts = new Map<string, number>();
          for (const fd of readdirSync(`/proc/${w.pid}/fd`)) {
            let target = "";
            try {
              target = readlinkSync(`/proc/${w.pid}/fd/${fd}`);
            } catch {
              continue; // closed in between
            }
            if (target.startsWith("socket:")) counts.set(target, (counts.get(target) ?? 0) + 1);
          }
          expect(Math.max(...counts.values()), `worker ${w.pid}: descriptors of its most shared socket`).toBe(64);
        }
      }
      c.child.kill("SIGTERM");
      expect(await c.exited, c.output()).toBe(0);
    } finally {
      cluster?.group.kill();
      await backend.close();
    }
  }, 60_000);

  it("closes every descriptor: after close() a client is refused", async () => {
    await real(function* () {
      const listener = yield* listenWide(LOOPBACK, 511, { acceptors: 4 });
      const at = listener.address;
      listener.close();
      // A connect that lands while another test file's fork holds a copy of the descriptor is tried again (refusal):
      // descriptors that close() left open would take every try.
      const refused = yield* refusal(fastNetwork, at);
      expect(refused).toBeInstanceOf(ConnectionRefusedError);
    }, 10_000);
  });
});
