// The process-group helper (tools/lib/process-group.ts) that the grader, the recorder, the Jupyter runner and the
// benchmarks use: at the deadline nothing the program started stays alive, not even a child that left the group.
import { spawn } from "node:child_process";
import { describe, expect, it } from "vitest";
import { GROUP_MARKER, isAlive, Offspring, spawnGroup, withMarker } from "../../tools/lib/process-group";

const linux = process.platform === "linux";

/** A program that starts a detached `sleep 30` (its own group), a plain one (ours), prints their pids, and hangs. */
const HANGS = `
const { spawn } = require("node:child_process");
const escaped = spawn("sleep", ["30"], { detached: true, stdio: "ignore" });
const plain = spawn("sleep", ["30"], { stdio: "ignore" });
console.log(JSON.stringify({ program: process.pid, escaped: escaped.pid, plain: plain.pid }));
setInterval(() => {}, 1000);
`;

/** Starts a detached `sleep 30`, prints its pid, and exits 2 s later (the helper notes it meanwhile), leaving it behind. */
const LEAVES = `
const { spawn } = require("node:child_process");
const escaped = spawn("sleep", ["30"], { detached: true, stdio: "ignore" });
escaped.unref();
console.log(JSON.stringify({ program: process.pid, escaped: escaped.pid }));
setTimeout(() => process.exit(0), 2000);
`;

/**
 * Starts a detached \`sleep 30\` as a group of its own would (its token added to the marker it inherited), prints its
 * pid and exits at once: nothing but the marker leads to it once the program is gone.
 */
const LEAVES_NESTED = `
const { spawn } = require("node:child_process");
const env = { ...process.env, ${GROUP_MARKER}: process.env.${GROUP_MARKER} + ",inner" };
const escaped = spawn("sleep", ["30"], { detached: true, stdio: "ignore", env });
escaped.unref();
console.log(JSON.stringify({ program: process.pid, escaped: escaped.pid }));
`;

const firstLine = (stream: NodeJS.ReadableStream): Promise<Record<string, number>> =>
  new Promise((resolve, reject) => {
    let text = "";
    stream.on("data", (d: Buffer) => {
      text += d.toString();
      if (text.includes("\n")) resolve(JSON.parse(text.split("\n")[0]!) as Record<string, number>);
    });
    stream.on("end", () => reject(new Error(`no pids printed: ${text}`)));
  });

/** Waits (at most 3 s) for every pid to be gone; returns those still alive. */
async function survivors(pids: readonly number[]): Promise<number[]> {
  for (let i = 0; i < 60; i++) {
    const alive = pids.filter(isAlive);
    if (!alive.length) return [];
    await new Promise((r) => setTimeout(r, 50));
  }
  return pids.filter(isAlive);
}

// Generous limits: each test starts Node twice, which takes seconds on a busy machine.
describe.runIf(linux)("spawnGroup", { timeout: 30_000 }, () => {
  it("kills the program, its group and a child that left the group at the deadline", async () => {
    const g = spawnGroup(process.execPath, ["-e", HANGS], { deadlineMs: 1500, stdio: ["ignore", "pipe", "pipe"] });
    const pids = await firstLine(g.child.stdout!);
    const exit = await new Promise<NodeJS.Signals | null>((r) => g.child.once("exit", (_code, signal) => r(signal)));
    expect(g.timedOut).toBe(true);
    expect(exit).toBe("SIGKILL");
    expect(await survivors(Object.values(pids))).toEqual([]);
  });

  it("kills a detached child the program left behind when it exited", async () => {
    const g = spawnGroup(process.execPath, ["-e", LEAVES], { deadlineMs: 10_000, trackEveryMs: 100, stdio: ["ignore", "pipe", "pipe"] });
    const pids = await firstLine(g.child.stdout!);
    await new Promise((r) => g.child.once("exit", r));
    expect(g.timedOut).toBe(false);
    expect(await survivors([pids.escaped!])).toEqual([]);
  });

  it("finds by its marker what a program left behind, even a process started in a group of its own inside it", async () => {
    const offspring = new Offspring();
    const child = spawn(process.execPath, ["-e", LEAVES_NESTED], { env: offspring.env(), stdio: ["ignore", "pipe", "pipe"] });
    offspring.adopt(child.pid);
    const pids = await firstLine(child.stdout!);
    await new Promise((r) => child.once("exit", r));
    try {
      expect(isAlive(pids.escaped!), "the detached child did not outlive the program").toBe(true);
      expect(offspring.kill(), "processes signalled").toBe(1);
      expect(await survivors([pids.escaped!])).toEqual([]);
      expect(offspring.kill(), "a second kill found someone").toBe(0);
    } finally {
      if (isAlive(pids.escaped!)) process.kill(pids.escaped!, "SIGKILL");
    }
  });

  it("finds a process whose marker lists its token among others, and none whose marker only resembles it", async () => {
    expect(withMarker({}, "a")[GROUP_MARKER]).toBe("a");
    expect(withMarker({ [GROUP_MARKER]: "a" }, "b")[GROUP_MARKER]).toBe("a,b");
    const offspring = new Offspring();
    const t = offspring.token;
    const sleeper = (marker: string): number =>
      spawn("sleep", ["30"], { detached: true, stdio: "ignore", env: { ...process.env, [GROUP_MARKER]: marker } }).pid!;
    const ours = sleeper(`other,${t}`);
    const lookalikes = [sleeper(`${t}0`), sleeper(t.slice(0, -1)), sleeper(`other,${t.toUpperCase()}x`), sleeper("")];
    // A root that is gone at once: only the marker leads anywhere, and its pid may be another process's by then.
    const root = spawn(process.execPath, ["-e", ""], { env: offspring.env(), stdio: "ignore" });
    offspring.adopt(root.pid);
    await new Promise((r) => root.once("exit", r));
    try {
      expect(offspring.kill(), "processes signalled").toBe(1);
      expect(await survivors([ours])).toEqual([]);
      expect(lookalikes.filter(isAlive), "a process whose marker only resembles ours was killed").toEqual(lookalikes);
    } finally {
      for (const pid of [ours, ...lookalikes].filter(isAlive)) process.kill(pid, "SIGKILL");
    }
  });

  it("is needed: a group kill alone leaves the detached child running", async () => {
    const child = spawn(process.execPath, ["-e", HANGS], { detached: true, stdio: ["ignore", "pipe", "pipe"] });
    const pids = await firstLine(child.stdout!);
    try {
      process.kill(-child.pid!, "SIGKILL");
      expect(await survivors([pids.program!, pids.plain!])).toEqual([]);
      expect(isAlive(pids.escaped!)).toBe(true);
    } finally {
      process.kill(pids.escaped!, "SIGKILL");
    }
  });
});
