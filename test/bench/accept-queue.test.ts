// bench/lib/accept-queue.ts, which says how many clients a program left in its accept queue during a load, and
// `npm run bench:queue`, which prints it: `ss`'s line read right, the tool's arguments checked before it starts
// anything, and, on loopback, clients connected to a program whose loop is busy counted while they wait and no longer
// once it has accepted them, and the clients it had accepted when a watch ended.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { connect, type Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { acceptQueue, connectionsOn, parseSs, queueLine, watchAcceptQueue } from "../../bench/lib/accept-queue";
import { ROOT } from "../../tools/lib/manifest";

const hasSs = spawnSync("ss", ["-V"]).status === 0;
const NOTICE = "ss (Debian: apt-get install iproute2) is not installed: the loopback check of bench/lib/accept-queue.ts";
if (!hasSs) console.warn(`${NOTICE} ${process.env.CI === "true" ? "FAILS in CI" : "is skipped"}`);

describe("reading ss", () => {
  it("takes Recv-Q of the socket listening on the port, and nothing else", () => {
    const out = ["LISTEN 12     4096   127.0.0.1:9200   0.0.0.0:*", "LISTEN 3 511 [::1]:92000 [::]:*", ""].join("\n");
    expect(parseSs(out, 9200)).toBe(12);
    expect(parseSs("LISTEN 7 511 [::1]:9200 [::]:*\n", 9200)).toBe(7);
    expect(parseSs(out, 920)).toBeNull();
    expect(parseSs("ESTAB 0 0 127.0.0.1:9200 127.0.0.1:40000\n", 9200)).toBeNull();
  });

  it("adds up the queues of several sockets on one port (SO_REUSEPORT)", () => {
    const out = ["LISTEN 12 4096 127.0.0.1:9200 0.0.0.0:*", "LISTEN 30 4096 127.0.0.1:9200 0.0.0.0:*", ""].join("\n");
    expect(parseSs(out, 9200)).toBe(42);
    expect(parseSs("LISTEN 0 4096 127.0.0.1:9200 0.0.0.0:*\n", 9200)).toBe(0);
  });

  it("prints a watch beside the wrk run it watched", () => {
    const w = { rps: 19735.1, p50: 114.4, p99: 160.8, requests: 99_000, errors: "" };
    expect(queueLine({ peak: 2523, last: 2411, emptyAfterMs: null, samples: 40, accepted: 2589 }, w))
      .toBe("accept queue: peak 2,523, 2,411 when the run ended; 2,589 clients accepted | 19,735 requests/s, p50 114 ms, p99 161 ms");
    expect(queueLine({ peak: 2953, last: 0, emptyAfterMs: 2700, samples: 40, accepted: 5000 }, { ...w, errors: "Socket errors: connect 0, read 0, write 0, timeout 2" }))
      .toBe("accept queue: peak 2,953, empty after 2.7 s; 5,000 clients accepted | 19,735 requests/s, p50 114 ms, p99 161 ms | Socket errors: connect 0, read 0, write 0, timeout 2");
    expect(queueLine({ peak: 0, last: 0, emptyAfterMs: 0, samples: 40, accepted: 64 }, w)).toMatch(/^accept queue: peak 0, empty throughout; 64 clients accepted \|/);
  });
});

describe("npm run bench:queue", () => {
  it("says what is wrong with its arguments, and how to call it, before it starts anything", () => {
    const run = (...args: string[]) => spawnSync(process.execPath, ["--import", "tsx", "bench/queue/run.ts", ...args], { cwd: ROOT, encoding: "utf8" });
    const bad = run("--conns", "many", "--", "true");
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('--conns must be a whole number of at least 1, not "many"');
    expect(bad.stderr).toContain("usage: npm run bench:queue");
    const none = run();
    expect(none.status).toBe(2);
    expect(none.stdout).toContain("A command starts the program under test");
  }, 30_000);
});

describe.runIf(hasSs || process.env.CI === "true")("the accept queue on loopback", () => {
  const children: ChildProcess[] = [];
  const clients: Socket[] = [];
  afterEach(() => {
    for (const c of clients.splice(0)) c.destroy();
    for (const c of children.splice(0)) c.kill("SIGKILL");
  });

  it("counts the clients a program has not accepted yet, and none once it has", async () => {
    expect(hasSs, NOTICE).toBe(true);
    // A program that listens, says its port, then keeps its loop busy until the test writes to it again (at most
    // 10 s): the kernel completes the clients' handshakes meanwhile, and they wait in the queue until the loop is free
    // to accept them. Told, not timed: on a loaded machine the test's steps took longer than a fixed busy spell.
    const script = `const s = require("node:net").createServer((c) => c.on("error", () => {}));
s.listen({ host: "127.0.0.1", port: 0, backlog: 64 }, () => {
  console.log(s.address().port);
  process.stdin.once("data", () => {
    const fs = require("node:fs"), b = Buffer.alloc(16), t = Date.now();
    while (Date.now() - t < 10000) {
      try { if (fs.readSync(0, b) > 0) break; } catch (e) { if (e.code !== "EAGAIN") throw e; }
    }
  });
});`;
    const child = spawn(process.execPath, ["-e", script], { stdio: ["pipe", "pipe", "inherit"] });
    children.push(child);
    const port = await new Promise<number>((resolve) => child.stdout!.once("data", (d: Buffer) => resolve(Number(d.toString()))));
    expect(await acceptQueue(port)).toBe(0);
    child.stdin!.write("go\n");
    const watch = watchAcceptQueue(port, 10_000, 50);
    await Promise.all(Array.from({ length: 10 }, () => new Promise<void>((resolve, reject) => {
      const c = connect({ host: "127.0.0.1", port }, () => resolve());
      c.on("error", reject);
      clients.push(c);
    })));
    expect(await acceptQueue(port)).toBe(10);
    // The kernel lists a queued client as an established connection on the port: none of the ten is accepted yet.
    expect(await connectionsOn(port)).toBe(10);
    const early = watchAcceptQueue(port, 0);
    expect((await early.stop()).accepted).toBe(0);
    // Once the loop is free the program accepts all ten.
    child.stdin!.write("free\n");
    for (let i = 0; i < 100 && (await acceptQueue(port)) !== 0; i++) await new Promise((r) => setTimeout(r, 50));
    const seen = await watch.stop();
    expect(seen.peak).toBe(10);
    expect(seen.last).toBe(0);
    expect(seen.emptyAfterMs).toBeGreaterThan(0);
    expect(seen.accepted).toBe(10);
  }, 20_000);
});
