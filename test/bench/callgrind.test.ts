// `npm run bench:instructions` (bench/instructions/run.ts) reads callgrind's counts and turns two runs into a cost
// per connection or request (bench/instructions/callgrind.ts); these check that arithmetic and the reading of its
// files, and that its load (bench/instructions/client.ts) sends what it says and counts every answer.
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type AddressInfo, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { COUNTED_NODE_FLAGS, countedFlags, instructionsIn, marginal, threadCounts, threadOf, totalInstructions, withNodeFlags } from "../../bench/instructions/callgrind";

// The head and tail of a real callgrind output file, counts shortened.
const OUT = "# callgrind format\nversion: 1\ncreator: callgrind-3.19.0\npid: 888\ncmd:  node --import tsx bench/lb/hub-proxy.ts\npart: 1\n\npositions: line\nevents: Ir\nsummary: 1258058732\n\n\nfn=(1) 0x0000000000108090\n0 3\n\ntotals: 1258058732\n";

describe("instruction counts from callgrind", () => {
  it("reads the count of an output file, from its summary line or else its totals line", () => {
    expect(totalInstructions(OUT)).toBe(1258058732);
    expect(totalInstructions(OUT.replace(/^summary:.*\n/m, ""))).toBe(1258058732);
    expect(totalInstructions("# callgrind format\nevents: Ir\n")).toBeNull();
  });

  it("adds up the files of one run (a file per thread or per dump), and names a file that holds no count", () => {
    const dir = mkdtempSync(join(tmpdir(), "hub-cg-"));
    try {
      writeFileSync(join(dir, "a"), OUT);
      writeFileSync(join(dir, "b"), OUT.replaceAll("1258058732", "1000"));
      expect(instructionsIn([join(dir, "a"), join(dir, "b")])).toBe(1258059732);
      writeFileSync(join(dir, "c"), "not callgrind\n");
      expect(() => instructionsIn([join(dir, "a"), join(dir, "c")])).toThrow(/\/c: no "summary:" or "totals:" line/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("knows each thread's file of a run with --separate-threads by its name, thread 1 the main one", () => {
    expect(threadOf("/tmp/x/callgrind.out.1413-01")).toBe(1);
    expect(threadOf("callgrind.out.1413-12")).toBe(12);
    // The run also leaves an empty file under the plain name: no thread's.
    expect(threadOf("/tmp/x/callgrind.out.1413")).toBeNull();
  });

  it("keeps the main thread's count of a run, with every thread's beside it, and refuses a run without the main thread's", () => {
    const dir = mkdtempSync(join(tmpdir(), "hub-cg-"));
    try {
      const at = (name: string): string => join(dir, name);
      writeFileSync(at("callgrind.out.7"), ""); // what callgrind leaves under the plain name
      writeFileSync(at("callgrind.out.7-01"), OUT.replaceAll("1258058732", "2000"));
      writeFileSync(at("callgrind.out.7-02"), OUT.replaceAll("1258058732", "30"));
      writeFileSync(at("callgrind.out.7-12"), OUT.replaceAll("1258058732", "700"));
      const files = ["callgrind.out.7", "callgrind.out.7-01", "callgrind.out.7-02", "callgrind.out.7-12"].map(at);
      expect(threadCounts(files)).toEqual({ main: 2000, all: 2730 });
      expect(() => threadCounts([at("callgrind.out.7"), at("callgrind.out.7-02")])).toThrow(/no file counts the main thread among callgrind\.out\.7, callgrind\.out\.7-02/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("takes the cost of one more unit from two sizes of the same load, leaving out what both runs paid", () => {
    // 2.0e9 of start-up and compiling in both runs, 400k a connection.
    const m = marginal({ size: 2000, instructions: 2.0e9 + 2000 * 400e3 }, { size: 6000, instructions: 2.0e9 + 6000 * 400e3 });
    expect(m.perUnit).toBe(400e3);
    expect(() => marginal({ size: 6000, instructions: 1 }, { size: 2000, instructions: 2 })).toThrow(/must be larger/);
  });
});

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

/** The load client as run.ts starts it, against a server on `port`: its exit status and what it printed. */
function client(...args: string[]): Promise<{ status: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--import", "tsx", "bench/instructions/client.ts", ...args], { cwd: ROOT });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d));
    child.stderr.on("data", (d: Buffer) => (out += d));
    child.on("close", (status) => resolve({ status, out }));
  });
}

/** A server on loopback that answers every `size` bytes it gets with `answer(those bytes)`; its port, and what it got. */
async function answering(size: number, answer: (got: Buffer) => Buffer): Promise<{ server: Server; port: number; bytes: () => number }> {
  let bytes = 0;
  const server = createServer((sock) => {
    let pending = Buffer.alloc(0);
    sock.on("data", (chunk: Buffer) => {
      bytes += chunk.length;
      pending = Buffer.concat([pending, chunk]);
      for (; pending.length >= size; pending = pending.subarray(size)) sock.write(answer(pending.subarray(0, size)));
    });
    sock.on("error", () => sock.destroy());
  });
  await new Promise<void>((r) => server.listen({ host: "127.0.0.1", port: 0 }, r));
  return { server, port: (server.address() as AddressInfo).port, bytes: () => bytes };
}

// Each starts the client as a process (tsx compiling it): seconds on a machine busy with the rest of `npm test`.
describe("the load of npm run bench:instructions", { timeout: 30_000 }, () => {
  it("sends each connection's requests one after another, each once the whole response has come", async () => {
    const GET = "GET / HTTP/1.1\r\nHost: bench\r\n\r\n";
    const s = await answering(GET.length, () => Buffer.from("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"));
    try {
      const r = await client(String(s.port), "3", "4", "2");
      expect(r).toEqual({ status: 0, out: "done 12\n" });
      expect(s.bytes()).toBe(12 * GET.length);
    } finally {
      s.server.close();
    }
  });

  it("with echo, sends the io suite's 64-byte line and counts a round trip when all 64 bytes are back", async () => {
    const s = await answering(64, (line) => Buffer.from(line));
    try {
      const r = await client(String(s.port), "5", "3", "5", "echo");
      expect(r).toEqual({ status: 0, out: "done 15\n" });
      expect(s.bytes()).toBe(15 * 64);
    } finally {
      s.server.close();
    }
  });

  it("refuses what it does not take, naming its arguments", async () => {
    const r = await client("9", "1", "1");
    expect(r.status).toBe(2);
    expect(r.out).toContain('client: takes port, connections, requests, concurrency and, for an echo server, "echo"; got 9 1 1');
    expect((await client("9", "1", "1", "1", "echo", "x")).status).toBe(2);
  });
});

describe("the Node flags of a counted program", () => {
  it("puts them after the executable, refuses a command line that is not Node's, and Node accepts them", () => {
    expect(withNodeFlags([process.execPath, "--import", "tsx", "a.ts"], ["--hash-seed=1"])).toEqual([process.execPath, "--hash-seed=1", "--import", "tsx", "a.ts"]);
    expect(() => withNodeFlags(["python3", "a.py"], ["--hash-seed=1"])).toThrow(/not a Node command line/);
    const run = spawnSync(process.execPath, [...COUNTED_NODE_FLAGS, "-e", "process.stdout.write('ok')"], { encoding: "utf8" });
    expect(run.stderr).toBe("");
    expect(run.stdout).toBe("ok");
  });

  it("starts the young generation at the program's largest: V8's default of 16 MB a semi-space, or the 32 MB a program asks for", () => {
    const newSpace = (...flags: string[]): number => {
      const code = "process.stdout.write(String(require('v8').getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size))";
      return Number(spawnSync(process.execPath, [...withNodeFlags([process.execPath, ...flags], COUNTED_NODE_FLAGS).slice(1), "-e", code], { encoding: "utf8" }).stdout);
    };
    expect(newSpace()).toBe(16 << 20);
    expect(newSpace("--max-semi-space-size=32")).toBe(32 << 20);
  });

  it("a breakdown's perf map flag writes V8's log in the count's scratch folder, not in the working folder", () => {
    expect(countedFlags(false, "/scratch")).toEqual([...COUNTED_NODE_FLAGS]);
    const cwd = mkdtempSync(join(tmpdir(), "hub-counted-cwd-"));
    const scratch = mkdtempSync(join(tmpdir(), "hub-counted-scratch-"));
    let pid: number | undefined;
    try {
      const run = spawnSync(process.execPath, [...countedFlags(true, scratch), "-e", "process.stdout.write('ok')"], { cwd, encoding: "utf8" });
      pid = run.pid;
      expect(run.stdout).toBe("ok");
      expect(readdirSync(cwd)).toEqual([]);
      expect(readdirSync(scratch).some((f) => f.endsWith("v8.log"))).toBe(true);
    } finally {
      if (pid) rmSync(`/tmp/perf-${pid}.map`, { force: true }); // where V8 writes the perf map, as run.ts's countOnce removes it
      rmSync(cwd, { recursive: true, force: true });
      rmSync(scratch, { recursive: true, force: true });
    }
  });
});
