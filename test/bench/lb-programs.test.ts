// bench/lb/node-pipe.ts, the lb suite's floor, and through it bench/lib/listen-copies.ts: on loopback, with its
// listening socket watched through several descriptors (`--acceptors`, as the suite's subject listens) and through
// one, it says "ready", relays every byte both ways, and holds as many descriptors of its one listening socket as
// asked (`ss -p`); a bad count is refused with a clear error. The same for bench/lb/hub-proxy.ts, the harness of our
// own proxy (`splice --acceptors N` listens through chapter 14's listener), which also refuses what it cannot run.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { connect, createServer, type Server } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { ss } from "../../bench/lib/accept-queue";
import { ROOT } from "../../tools/lib/manifest";
import { freePort } from "../support/ports";

const children: ChildProcess[] = [];
const servers: Server[] = [];
afterEach(() => {
  for (const c of children.splice(0)) c.kill("SIGKILL");
  for (const s of servers.splice(0)) s.close();
});

/** An echo server on loopback, as the backend. */
function echo(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer((c) => c.pipe(c).on("error", () => c.destroy()));
    servers.push(s);
    s.listen({ host: "127.0.0.1", port: 0 }, () => resolve((s.address() as { port: number }).port));
  });
}

/**
 * What comes back through the pipe for `text`, once as many bytes as were sent have. (No half-close: the pipe, like
 * wrk's keep-alive clients, has no use for one, and its server ends both sides when the client ends.)
 */
function roundTrip(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let got = "";
    const c = connect({ host: "127.0.0.1", port }, () => c.write(text));
    c.setEncoding("utf8");
    c.on("data", (d: string) => {
      got += d;
      if (got.length < text.length) return;
      resolve(got);
      c.destroy();
    });
    c.on("close", () => resolve(got)); // too early: the comparison says what was missing
    c.on("error", reject);
  });
}

/**
 * Starts `script` (its arguments before the ports, then the listening port and the backend's) and checks that it
 * relays every byte both ways through `acceptors` descriptors of its one listening socket.
 */
async function relaysThrough(script: string, head: string[], acceptors: number): Promise<void> {
  const [backend, listen] = await Promise.all([echo(), freePort()]);
  const flags = acceptors > 1 ? ["--acceptors", String(acceptors)] : [];
  const child = spawn(process.execPath, ["--import", "tsx", script, ...head, ...flags, String(listen), String(backend)], {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.push(child);
  let stderr = "";
  child.stderr!.on("data", (d: Buffer) => (stderr += d));
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on("data", (d: Buffer) => d.toString().includes("ready") && resolve());
    child.on("exit", (code) => reject(new Error(`${script} exited (${code}) before it was ready: ${stderr}`)));
  });
  const texts = Array.from({ length: 8 }, (_, i) => `client ${i}: ${"x".repeat(i * 5000)}`);
  expect(await Promise.all(texts.map((t) => roundTrip(listen, t)))).toEqual(texts);
  // The listening socket, once, with as many of the program's descriptors on it as were asked for (where `ss` runs:
  // under CI=true it must).
  const listed = await ss(["-l", "-p", `sport = :${listen}`]).catch((e: unknown) => {
    if (process.env.CI === "true") throw e;
    return null;
  });
  if (listed !== null) {
    const lines = listed.trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]!.match(new RegExp(`pid=${child.pid},fd=`, "g"))).toHaveLength(acceptors);
  }
}

/** What `script` with `args` prints on stderr, having exited with a failure. */
function refusal(script: string, args: string[]): string {
  const run = spawnSync(process.execPath, ["--import", "tsx", script, ...args], { cwd: ROOT, encoding: "utf8" });
  expect(run.status).not.toBe(0);
  return run.stderr;
}

const plural = (n: number): string => `${n} descriptor${n > 1 ? "s" : ""}`;

describe("the lb suite's Node pipe", () => {
  for (const acceptors of [1, 3]) {
    it(`relays every byte both ways, listening through ${plural(acceptors)}`, () => relaysThrough("bench/lb/node-pipe.ts", [], acceptors), 20_000);
  }

  it("refuses a count of descriptors that is not a whole number of at least 1", () => {
    expect(refusal("bench/lb/node-pipe.ts", ["--acceptors", "0", "9", "9"])).toContain('--acceptors must be a whole number of at least 1, not "0"');
  }, 20_000);
});

describe("the lb suite's harness of our proxy", () => {
  for (const acceptors of [1, 3]) {
    it(`splices every byte both ways, listening through ${plural(acceptors)}`, () => relaysThrough("bench/lb/hub-proxy.ts", ["splice"], acceptors), 20_000);
  }

  it("refuses a relay it does not know, and several descriptors for the green pipe", () => {
    expect(refusal("bench/lb/hub-proxy.ts", ["pump", "9", "9"])).toContain("the relay is splice or green, not pump");
    expect(refusal("bench/lb/hub-proxy.ts", ["green", "--acceptors", "2", "9", "9"])).toContain("--acceptors goes with the splice");
  }, 20_000);
});
