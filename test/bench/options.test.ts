// `npm run bench`'s options (bench/run.ts, bench/lib/usage.ts): an option that selects nothing, or names a system a
// suite does not have, stops the run with a sentence saying what the option takes, and exit status 2 — before any
// process starts or any tool (wrk) is needed, so these run anywhere.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { checkSelected, UsageError, usageMessage, wantedSystems, wholeNumber } from "../../bench/lib/usage";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

/** `npm run bench -- …args` as a process: its exit status and what it printed on stderr. */
function bench(...args: string[]): { status: number | null; stderr: string } {
  const r = spawnSync(process.execPath, ["--import", "tsx", "bench/run.ts", ...args], { cwd: ROOT, encoding: "utf8", timeout: 60_000 });
  return { status: r.status, stderr: r.stderr };
}

describe("bench options", () => {
  it("--systems: the names given, or a UsageError naming the unknown ones and the suite's", () => {
    expect(wantedSystems(undefined, ["hub", "node"])).toBeUndefined();
    expect(wantedSystems("node, hub", ["hub", "node"])).toEqual(["node", "hub"]);
    expect(() => wantedSystems("hub,nginx", ["hub", "node"])).toThrow(UsageError);
    expect(() => wantedSystems("hub,nginx", ["hub", "node"])).toThrow('--systems: no system named "nginx"; this suite\'s systems are "hub", "node"');
  });

  it("--only: a UsageError when it selected nothing, and only then", () => {
    expect(() => checkSelected(undefined, 0, "x")).not.toThrow();
    expect(() => checkSelected("64", 1, "x")).not.toThrow();
    expect(() => checkSelected("65", 0, "it takes a count")).toThrow('--only "65" selects nothing: it takes a count');
  });

  it("a count: a whole number in its range, or a UsageError naming the option and what it got", () => {
    expect(wholeNumber("--reps", "3")).toBe(3);
    expect(wholeNumber("--port", "1024", 1024, 65531)).toBe(1024);
    for (const bad of ["2.5", "", " ", "many", "0", "-1", "1e400"]) expect(() => wholeNumber("--reps", bad)).toThrow(UsageError);
    expect(() => wholeNumber("--reps", "2.5")).toThrow('--reps must be a whole number of at least 1, not "2.5"');
    expect(() => wholeNumber("--port", "80", 1024, 65531)).toThrow('--port must be a whole number from 1024 to 65531, not "80"');
    expect(() => wholeNumber("--conns", undefined)).toThrow('--conns must be a whole number of at least 1, not ""');
  });

  it("a command's catch: a UsageError gives its message to print, anything else is thrown on", () => {
    expect(usageMessage(new UsageError("--reps must be a whole number"))).toBe("--reps must be a whole number");
    const bug = new TypeError("x is undefined");
    expect(() => usageMessage(bug)).toThrow(bug);
  });

});

// Each starts `npm run bench` as a process (tsx compiling the runner): seconds of CPU, more on a machine busy with the
// rest of `npm test`, so these have a longer limit than a test's default.
describe("bench options, refused by the runner before anything runs", { timeout: 30_000 }, () => {
  it.each(["hub", "io", "l7"])("--reps that is not a whole number stops the %s suite with that sentence", (suite) => {
    const r = bench(suite, "--reps", "2.5");
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('--reps must be a whole number of at least 1, not "2.5"');
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it("a proxy suite's --only that matches no count or backend is refused with what it takes (it used to throw a TypeError)", () => {
    const r = bench("l7", "--only", "64 conns, fixed");
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('--only "64 conns, fixed" selects nothing: it takes one connection count ("64", "1000", "5000") or one kind of backend ("fixed", "node")');
    expect(r.stderr).not.toMatch(/TypeError|\n\s+at /);
  });

  it("a proxy suite's --backends that names no kind of backend is refused, naming the suite's kinds", () => {
    const r = bench("l7", "--backends", "fixed,nope");
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('--backends: no kind of backend named "nope"; this suite\'s kinds are "fixed", "node" (comma-separated)');
  });

  it("--lab on a suite that measures no lab is refused, naming the suites that do", () => {
    const r = bench("obs", "--lab");
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("--lab: the obs suite measures no lab; the suites that measure yours: hub, io, l7, lb, strategies\n");
    // lb measures a lab at one count and one kind of backend: an option that would pick others is refused.
    const only = bench("lb", "--lab", "--only", "1000");
    expect(only.status).toBe(2);
    expect(only.stderr).toContain("--lab: the lb suite measures your proxy at 64 connections with the fixed backends only: --only and --backends do not apply\n");
  });

  it("the case suites refuse an --only that keeps no case, naming the cases, instead of running nothing", () => {
    const r = bench("hub", "--only", "no-such-case", "--quick");
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('--only "no-such-case" selects nothing: it keeps the cases whose id or name contains it; this suite\'s cases are "spawn-join"');
    expect(r.stderr).not.toContain("bench hub:"); // nothing was measured
  });
});
