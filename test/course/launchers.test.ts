// Course check (chapter 14): the balancer's launchers pass Node the flags of solutions/14-capstone/node-flags.ts:
// `npm run lb` (package.json) and `npx hub-lb` (bin/hub-lb.mjs's first line). The benchmarks and the soak import the
// list itself, so these two are the copies that could drift from it. And a lab's own programs (course.json's
// `programs`), which `npm run lab NN NAME` runs from the learner's lab, with the flags of the lab's node-flags.ts.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { nodeArgs } from "../../tools/lib/labrun";
import { loadManifest, ROOT } from "../../tools/lib/manifest";
import { NODE_FLAGS } from "../../solutions/14-capstone/node-flags";

/** The words of a command line, as a shell without quotes splits them. */
const words = (line: string): string[] => line.trim().split(/\s+/);

describe("the balancer's launchers", () => {
  it("npm run lb runs the command line in Node with the balancer's flags, before tsx loads", () => {
    const scripts = (JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts;
    const lb = words(scripts.lb ?? "");
    expect(lb[0], "npm run lb starts node itself, so that the flags reach the balancer's own process").toBe("node");
    const beforeScript = lb.slice(1, lb.indexOf("solutions/14-capstone/cli.ts"));
    expect(beforeScript).toEqual([...NODE_FLAGS, "--import", "tsx"]);
  });

  it("npx hub-lb passes them in its first line, and env splits them into Node's arguments", () => {
    const first = readFileSync(join(ROOT, "bin/hub-lb.mjs"), "utf8").split("\n")[0]!;
    expect(words(first)).toEqual(["#!/usr/bin/env", "-S", "node", ...NODE_FLAGS]);
    // The line as the kernel runs it: env -S must split it on this machine (GNU coreutils 8.30 and later, BSD env).
    const argv = execFileSync("/usr/bin/env", ["-S", `node ${NODE_FLAGS.join(" ")} -e console.log(JSON.stringify(process.execArgv))`], { encoding: "utf8" });
    expect(JSON.parse(argv) as string[]).toEqual([...NODE_FLAGS, "-e", "console.log(JSON.stringify(process.execArgv))"]);
  });
});

describe("a lab's own programs", () => {
  const withPrograms = loadManifest().chapters.filter((c) => c.programs);
  const lab = (...args: string[]) => spawnSync(process.execPath, ["--import", "tsx", "tools/lab.ts", ...args], { cwd: ROOT, encoding: "utf8", env: { ...process.env, LAB_COMMAND: "" } });

  it("each names a file of its lab, in the reference and in the generated lab", () => {
    expect(withPrograms.map((c) => c.id), "chapter 14's lb and drill").toContain("14-capstone");
    for (const c of withPrograms) {
      for (const [name, file] of Object.entries(c.programs!)) {
        for (const tree of ["solutions", "labs"]) expect(existsSync(join(ROOT, tree, c.id, file)), `${c.id}'s program ${name}: ${tree}/${c.id}/${file}`).toBe(true);
      }
    }
  });

  it("npm run lab 14 lb gives Node the balancer's flags of the lab's node-flags.ts, before tsx loads; a lab without one gets none", async () => {
    const dir = join(ROOT, "labs", "14-capstone");
    expect(await nodeArgs(dir, join(dir, "cli.ts"))).toEqual([...NODE_FLAGS, "--import", "tsx", join(dir, "cli.ts")]);
    const other = join(ROOT, "labs", "13-observability");
    expect(await nodeArgs(other, join(other, "proxy-trace.ts"))).toEqual(["--import", "tsx", join(other, "proxy-trace.ts")]);
  });

  it("npm run lab NN NAME runs it, and a replay line it prints names that command; an unknown name is refused with the list", () => {
    const unknown = lab("14", "nosuch");
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toContain('Lab 14-capstone has no program "nosuch". Its programs: lb, drill');
    // The reference's drill, retries off so that it fails and prints its replay: the command that started it.
    const drill = lab("14", "drill", "--ref", "--quick", "--no-retries", "--seed", "3");
    expect(drill.stdout).toContain("Running solutions/14-capstone/drill-cli.ts (the reference solution)");
    expect(drill.stdout).toMatch(/^ {2}replay: npm run lab 14 drill -- --ref --quick --no-retries --seed 3$/m);
    expect(drill.status, drill.stderr).toBe(1);
  }, 60_000);
});
