// bench/lib/proc.ts's cpuTimes and cpuPer, which every server suite's CPU figures come from. cpuTimes: a program that
// only computes spends its CPU in user space, one that only makes system calls spends it in the kernel. Each runs in a
// child process that reports how much CPU its burn took (process.cpuUsage, the same kernel accounting), read from /proc
// before and after the burn. cpuPer: the difference of two readings, divided by the units of work, each part kept apart.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { once } from "node:events";
import { afterEach, describe, expect, it } from "vitest";
import { cpuPer, cpuTimes } from "../../bench/lib/proc";

const hasProc = existsSync("/proc/self/stat");
if (!hasProc) console.warn("no /proc here: the check of bench/lib/proc.ts's CPU split is skipped (the benchmarks run on Linux only)");

/**
 * A child that, once started, says "ready" and waits; on a line on its stdin burns `ms` of CPU with `work`, prints the
 * CPU that took (its own count), then waits until killed. The test reads /proc around the burn only: Node's start-up,
 * mostly user space and slower on a loaded machine, would otherwise outweigh a short burn in the kernel.
 */
function burner(work: "compute" | "syscalls", ms: number): ChildProcess {
  const body = work === "compute"
    ? "let x = 0; for (let i = 0; i < 1e5; i++) x += Math.sqrt(i);"
    : "for (let i = 0; i < 20; i++) fs.readSync(zero, buf, 0, buf.length, null);"; // the kernel zero-fills 1 MiB a call
  const script = `const fs = require("node:fs"); const zero = fs.openSync("/dev/zero", "r"); const buf = Buffer.alloc(1 << 20);
process.stdin.once("data", () => {
  const t0 = process.cpuUsage(); for (;;) { ${body} const u = process.cpuUsage(t0); if (u.user + u.system >= ${ms * 1000}) break; }
  console.log(JSON.stringify(process.cpuUsage(t0))); setInterval(() => {}, 1000);
});
console.log("ready");`;
  return spawn(process.execPath, ["-e", script], { stdio: ["pipe", "pipe", "inherit"] });
}

const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) c.kill("SIGKILL");
});

async function measured(work: "compute" | "syscalls"): Promise<{ user: number; kernel: number; own: { user: number; system: number } }> {
  const child = burner(work, 300);
  children.push(child);
  const lines = child.stdout!.setEncoding("utf8");
  await once(lines, "data"); // "ready"
  const before = cpuTimes(child.pid!);
  child.stdin!.write("go\n");
  const [line] = (await once(lines, "data")) as [string];
  const own = JSON.parse(line) as { user: number; system: number };
  const after = cpuTimes(child.pid!);
  return { user: after.user - before.user, kernel: after.kernel - before.kernel, own };
}

describe.skipIf(!hasProc)("cpuTimes: a process tree's CPU, in user space and in the kernel", () => {
  it("puts a program that only computes in user space", async () => {
    const t = await measured("compute");
    expect(t.user, `user ${t.user} µs, kernel ${t.kernel} µs; the child counted ${JSON.stringify(t.own)}`).toBeGreaterThan(3 * t.kernel);
    // /proc counts in ticks of 10 ms: what the child counted itself, within a few ticks.
    expect(Math.abs(t.user - t.own.user)).toBeLessThan(60_000);
  }, 20_000);

  it("puts a program that only makes system calls in the kernel", async () => {
    const t = await measured("syscalls");
    expect(t.kernel, `user ${t.user} µs, kernel ${t.kernel} µs; the child counted ${JSON.stringify(t.own)}`).toBeGreaterThan(t.user);
    expect(Math.abs(t.kernel - t.own.system)).toBeLessThan(60_000);
  }, 20_000);
});

describe("cpuPer: the CPU between two readings per unit of work", () => {
  it("divides each part's difference by the units and adds the parts", () => {
    const per = cpuPer({ user: 1_000, kernel: 500 }, { user: 31_000, kernel: 20_500 }, 1_000);
    expect(per).toEqual({ user: 30, kernel: 20, cpu: 50 });
  });

  it("subtracts the reading before, so CPU spent before the window does not count", () => {
    const before = { user: 9e9, kernel: 4e9 };
    expect(cpuPer(before, { user: before.user + 600, kernel: before.kernel }, 3)).toEqual({ user: 200, kernel: 0, cpu: 200 });
  });
});
