// bench/lib/alloc.ts, its hook and `npm run bench:alloc`: a heap profile's bytes added up per request by file and by
// function, the course's files named from the repository, the hook started and stopped by signals in a real Node
// program, and the tool's arguments checked before it starts anything.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { existsSync } from "node:fs";
import { breakdown, breakdownLines, fileOf, type HeapProfile, hookFiles, startSampling, stopSampling, withAllocHook } from "../../bench/lib/alloc";
import { ROOT } from "../../tools/lib/manifest";
import { takeAllocOptions } from "../../bench/alloc/options";

const node = (functionName: string, url: string, selfSize: number, children: HeapProfile["head"][] = []): HeapProfile["head"] => ({ callFrame: { functionName, url }, selfSize, children });

describe("a heap profile, per request", () => {
  it("names the course's files from the repository, Node's by module, and frames without a script together", () => {
    expect(fileOf(`file://${ROOT}/solutions/11-http-proxy/channel.ts`, ROOT)).toBe("solutions/11-http-proxy/channel.ts");
    expect(fileOf(join(ROOT, "bench/lb/backend.ts"), ROOT)).toBe("bench/lb/backend.ts");
    expect(fileOf("node:buffer", ROOT)).toBe("node:buffer");
    expect(fileOf("file:///elsewhere/node_modules/tsx/dist/x.mjs", ROOT)).toBe("node_modules/tsx/dist/x.mjs");
    expect(fileOf("", ROOT)).toBe("V8 built-ins");
  });

  it("adds each frame's own bytes up by file and by function, largest first, per request and as a share", () => {
    const url = `file://${ROOT}/solutions/07-http/parser.ts`;
    const profile: HeapProfile = {
      head: node("(root)", "", 0, [
        node("push", url, 3000, [node("#line", url, 5000), node("next", "", 2000)]),
        node("write", "node:buffer", 6000),
        node("#line", url, 4000),
      ]),
    };
    const b = breakdown(profile, 100, ROOT);
    expect(b.bytesEach).toBe(200);
    expect(b.byFile).toEqual([
      { name: "solutions/07-http/parser.ts", bytesEach: 120, share: 0.6 },
      { name: "node:buffer", bytesEach: 60, share: 0.3 },
      { name: "V8 built-ins", bytesEach: 20, share: 0.1 },
    ]);
    expect(b.byFunction.map((p) => [p.name, p.bytesEach])).toEqual([
      ["#line (solutions/07-http/parser.ts)", 90],
      ["write (node:buffer)", 60],
      ["push (solutions/07-http/parser.ts)", 30],
      ["next (V8 built-ins)", 20],
    ]);
    const lines = breakdownLines(b, 2);
    expect(lines[0]).toBe("  allocated: 200 bytes a request (sampled every 1 KiB, freed objects counted)");
    expect(breakdownLines(b, 2, "kept")[0]).toMatch(/^ {2}kept: 200 bytes a connection \(sampled every 1 KiB since the profiler started, still alive halfway through the run after a full collection\)$/);
    expect(lines).toContain("        120 B   60.0%  solutions/07-http/parser.ts");
    expect(lines.length, "the total, two files, two functions and their two headings").toBe(7);
  });
});

/** The program of `argv`, once it has printed "ready". */
async function started(argv: readonly string[]): Promise<ChildProcess> {
  const program = spawn(argv[0]!, argv.slice(1), { stdio: ["ignore", "pipe", "pipe"] });
  await new Promise<void>((resolve, reject) => {
    program.stdout!.on("data", (d: Buffer) => d.toString().includes("ready") && resolve());
    program.on("exit", (code) => reject(new Error(`the program exited with ${code}`)));
  });
  return program;
}

describe("the hook in a Node program", () => {
  it("samples between two SIGUSR2s, counting what was freed, and writes the profile", async () => {
    // A program that allocates and drops 64 KiB every millisecond, keeping none of it, in a young generation small
    // enough (1 MB) that the collector frees it many times over during the sampling.
    const argv = withAllocHook([process.execPath, "--max-semi-space-size=1", "-e", "setInterval(() => { globalThis.dropped = Buffer.alloc(65536).toString('latin1'); }, 1); console.log('ready')"]);
    expect(argv.slice(1, 3)).toEqual(["--import", join(ROOT, "bench/lib/alloc-hook.mjs")]);
    const program = await started(argv);
    try {
      await startSampling(program.pid!);
      await new Promise((r) => setTimeout(r, 500));
      const profile = await stopSampling(program.pid!);
      // Even a timer slowed tenfold makes 50 strings of 64 KiB in that time: counted, though the program keeps under 1 MB.
      expect(breakdown(profile, 1, ROOT).bytesEach).toBeGreaterThan(3_000_000);
    } finally {
      program.kill();
    }
  }, 30_000);

  it("with keptOnly, counts what is still alive when the profile is taken, not what was freed", async () => {
    // Every millisecond the program keeps 1 KiB and drops 64 KiB: kept, the profile holds the first (and the last
    // string dropped, which the program still refers to), never the megabytes dropped before it.
    const argv = withAllocHook([
      process.execPath,
      "--max-semi-space-size=1",
      "-e",
      "globalThis.kept = []; setInterval(() => { kept.push(Buffer.alloc(1024, 97).toString('latin1')); globalThis.dropped = Buffer.alloc(65536).toString('latin1'); }, 1); console.log('ready')",
    ]);
    const program = await started(argv);
    try {
      await startSampling(program.pid!, true);
      expect(existsSync(hookFiles(program.pid!).kept), "the mark the hook reads as it starts").toBe(true);
      await new Promise((r) => setTimeout(r, 500));
      const bytes = breakdown(await stopSampling(program.pid!), 1, ROOT).bytesEach;
      // Even a timer slowed tenfold keeps 50 strings of 1 KiB; a count with the freed strings would be megabytes.
      expect(bytes).toBeGreaterThan(20_000);
      expect(bytes).toBeLessThan(2_000_000);
      expect(existsSync(hookFiles(program.pid!).kept), "the mark is removed with the profile").toBe(false);
    } finally {
      program.kill();
    }
  }, 30_000);

  it("refuses a command that does not start Node, and says how to call the tool", () => {
    expect(() => withAllocHook(["haproxy", "-f", "x.cfg"])).toThrow(/the command must start a Node program/);
    const none = spawnSync(process.execPath, ["--import", "tsx", "bench/alloc/run.ts"], { cwd: ROOT, encoding: "utf8", timeout: 20_000 });
    expect(none.status).toBe(2);
    expect(none.stdout + none.stderr).toContain("usage: npm run bench:alloc");
    // --kept is the tool's own, taken out before the options every command shares are read: it is in the usage, and
    // after `--` it is the program's (here a program that is not Node, refused as such, not as an unknown option).
    const help = spawnSync(process.execPath, ["--import", "tsx", "bench/alloc/run.ts", "--kept", "--help"], { cwd: ROOT, encoding: "utf8", timeout: 20_000 });
    expect(help.status).toBe(0);
    expect(help.stdout).toContain("--kept counts what is still alive");
    const theirs = spawnSync(process.execPath, ["--import", "tsx", "bench/alloc/run.ts", "--no-backends", "--", "haproxy", "--kept"], { cwd: ROOT, encoding: "utf8", timeout: 20_000 });
    expect(theirs.status).toBe(2);
    expect(theirs.stderr).toContain("the command must start a Node program");
  }, 30_000);

  it("takes its own options out before the shared ones are read, and refuses a bad value with a sentence", () => {
    const argv = ["--conns", "64", "--top", "30", "--kept", "--profile", "out.heapprofile", "--", "node", "p.js", "--top", "x"];
    expect(takeAllocOptions(argv)).toEqual({ kept: true, top: 30, profile: "out.heapprofile" });
    expect(argv, "what is left: the shared options and the program's own, untouched").toEqual(["--conns", "64", "--", "node", "p.js", "--top", "x"]);
    expect(takeAllocOptions(["--system", "haproxy"])).toEqual({ kept: false, top: 12, profile: null });
    expect(() => takeAllocOptions(["--top", "x"])).toThrow('--top must be a whole number of at least 1, not "x"');
    expect(() => takeAllocOptions(["--top", "0"])).toThrow(/--top must be a whole number/);
    expect(() => takeAllocOptions(["--profile"])).toThrow("--profile needs a value");
    expect(() => takeAllocOptions(["--profile", "--kept"])).toThrow("--profile needs a value");
    const bad = spawnSync(process.execPath, ["--import", "tsx", "bench/alloc/run.ts", "--top", "many"], { cwd: ROOT, encoding: "utf8", timeout: 20_000 });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('--top must be a whole number of at least 1, not "many"');
  }, 30_000);
});
