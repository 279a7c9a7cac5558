// `npm run bench -- hub --lab`: the hub suite's cases on a learner's own hub (bench/hub/lab-cases.ts), beside the
// course's. Each test starts the runner on one case at a tenth of its size (--quick), so each takes a few seconds of
// processes; the labs are the starters in labs/, the reference itself (HUB_TARGET=solutions), or a copy of the
// reference with one mistake put in.
import { execFile, spawnSync } from "node:child_process";
import { once } from "node:events";
import { createServer, type Socket } from "node:net";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import type { Suite } from "../../bench/lib/suite";
import { HUB_LABS } from "../../bench/suites/hub";
import { benchSuiteOf, labBenchCommands, labBenchCommandsOf } from "../../tools/lib/measure";
import { WRK_INSTALL, wrkBanner } from "../../bench/lib/wrk";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

/** The environment of a run on the lab tree `target` (labs/ when absent). */
function labEnv(target: string | undefined): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.HUB_TARGET;
  if (target) env.HUB_TARGET = target;
  return env;
}
const labArgs = (suite: string, args: readonly string[]): string[] => ["--import", "tsx", "bench/run.ts", suite, "--lab", "--quick", ...args];

/** `npm run bench -- <suite> --lab --quick …args` as a process, on the lab tree `target` (labs/ when absent). */
function benchSuiteLab(suite: string, target: string | undefined, ...args: string[]): { status: number | null; out: string } {
  const r = spawnSync(process.execPath, labArgs(suite, args), { cwd: ROOT, encoding: "utf8", timeout: 120_000, env: labEnv(target) });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

/** As benchSuiteLab, without blocking this process (for a test that serves a port meanwhile). */
function benchSuiteLabAsync(suite: string, target: string | undefined, ...args: string[]): Promise<{ status: number | null; out: string }> {
  return new Promise((done) => {
    execFile(process.execPath, labArgs(suite, args), { cwd: ROOT, encoding: "utf8", timeout: 120_000, env: labEnv(target) }, (error, stdout, stderr) =>
      done({ status: error ? (typeof error.code === "number" ? error.code : null) : 0, out: `${stdout}${stderr}` }));
  });
}
const benchLab = (target: string | undefined, ...args: string[]): ReturnType<typeof benchSuiteLab> => benchSuiteLab("hub", target, ...args);

/** A copy of the reference's chapters `labs` with `change` made to one file: a learner's code with one mistake. */
const copies: string[] = [];
function mistaken(file: string, change: (text: string) => string, labs: readonly string[] = HUB_LABS): string {
  const dir = mkdtempSync(join(tmpdir(), "hub-lab-"));
  copies.push(dir);
  for (const lab of labs) cpSync(join(ROOT, "solutions", lab), join(dir, lab), { recursive: true });
  const path = join(dir, file);
  const before = readFileSync(path, "utf8");
  const after = change(before);
  expect(after, `the mistake was not put into ${file}`).not.toBe(before);
  writeFileSync(path, after);
  return dir;
}
afterAll(() => {
  for (const dir of copies) rmSync(dir, { recursive: true, force: true });
});

describe("npm run bench -- hub --lab", { timeout: 120_000 }, () => {
  it("measures the lab beside the others, takes every ratio and aim from it, and saves nothing", () => {
    const saved = readFileSync(join(ROOT, "bench/results/hub.json"), "utf8");
    const r = benchLab("solutions", "--systems", "your hub,hub,generator floor", "--only", "switch-sleep");
    expect(r.status, r.out).toBe(0);
    expect(r.out).toContain("your hub ÷ this");
    expect(r.out).toMatch(/switch \(sleep\(0\) ping-pong\)\s+your hub\s+[\d.,]+/);
    // Every other row's ratio is the lab's: to the course's hub and to the floor.
    expect(r.out).toMatch(/\n\s+hub\s+[\d.,]+\s+[\d.,]+–[\d.,]+\s+ns\/switch\s+[\d.]+×/);
    expect(r.out).toMatch(/generator floor\s+[\d.,]+\s+[\d.,]+–[\d.,]+\s+ns\/switch\s+[\d.]+×/);
    expect(r.out).toContain("your hub: chapters 02, 03, 04 as written in solutions/");
    expect(r.out).toContain("not saved (a run of your lab)");
    // The course's aims, judged on the lab's figures, with the course's own verdict in the same run beside each.
    expect(r.out).toMatch(/ {2}(met {4}|NOT met) {2}yours: switch \(sleep\(0\) ping-pong\): within 1\.5× the generator floor \(hub ÷ floor ≤ 1\.5\) — [\d.]+ vs [\d.]+ ns\/switch, [\d.]+×( rep by rep)?; the course's code in this run: (met|not met)\n/);
    expect(r.out).not.toContain("yours: spawn+join"); // not measured in this run: left out, not called missed
    expect(readFileSync(join(ROOT, "bench/results/hub.json"), "utf8")).toBe(saved);
  });

  it("on the starters, names the task each case waits for, and ends without an error", () => {
    const r = benchLab(undefined, "--systems", "your hub", "--only", "switch-sleep");
    expect(r.status, r.out).toBe(0);
    expect(r.out).toMatch(/switch \(sleep\(0\) ping-pong\) on your hub failed: not implemented yet — lab 02-hub, task \d+: /);
    expect(r.out).toMatch(/Your lab has tasks to do before these can be measured:\n {2}lab 02-hub, task \d+: [^:]+: your hub \(switch \(sleep\(0\) ping-pong\)\)/);
    expect(r.out).not.toMatch(/\n\s+at /); // a sentence, not a stack trace
  });

  it("a hub that throws: the error's message and the line of the lab it came from, and the run fails", () => {
    const lab = mistaken("04-primitives/event.ts", (t) => t.replace("let outcome = this.#outcome;", 'let outcome = this.#outcome;\n    throw new TypeError("the event is not ready");'));
    const r = benchLab(lab, "--systems", "your hub", "--only", "idle");
    expect(r.status, r.out).toBe(1);
    expect(r.out).toMatch(/idle thread \(100k parked on an Event\) on your hub failed: TypeError: the event is not ready \(at \S*04-primitives\/event\.ts:\d+\)/);
  });

  it("a hub whose threads all wait with nothing to wake them: says so, instead of Node's words about an await", () => {
    const lab = mistaken("04-primitives/event.ts", (t) => t.replace("this.#settle({ failed: false, value });", "void value; // the waiters are never woken"));
    const r = benchLab(lab, "--systems", "your hub", "--only", "idle");
    expect(r.status, r.out).toBe(1);
    expect(r.out).toContain("idle thread (100k parked on an Event) on your hub failed: its run never ended: every thread waited, with nothing left to wake one (exit 13)");
    expect(r.out).not.toContain("unsettled");
  });

  it("a lab tree without the hub's chapters: refused before anything runs, saying what is missing", () => {
    const empty = mkdtempSync(join(tmpdir(), "hub-lab-"));
    copies.push(empty);
    const r = benchLab(empty, "--systems", "your hub,generator floor", "--only", "switch-sleep");
    expect(r.status, r.out).toBe(2);
    expect(r.out).toContain(`--lab: ${empty}/ has no 02-hub, 03-cancellation, 04-primitives (HUB_TARGET names that tree)`);
    expect(r.out).not.toContain("bench hub:"); // nothing was measured
  });
});

describe("npm run bench -- strategies --lab", { timeout: 120_000 }, () => {
  it("sets each of the learner's strategies beside the course's of the same name; an aim this run has no figures for is left out", () => {
    const r = benchSuiteLab("strategies", "solutions", "--systems", "your p2c,p2c,round-robin", "--only", "10 backends");
    expect(r.status, r.out).toBe(0);
    expect(r.out).toContain("yours ÷ this");
    expect(r.out).toMatch(/\n\s+p2c\s+[\d.,]+\s+[\d.,]+–[\d.,]+\s+ns\/pick\s+[\d.]+×\n/); // your p2c ÷ the course's
    expect(r.out).toMatch(/\n\s+round-robin\s+[\d.,]+\s+[\d.,]+–[\d.,]+\s+ns\/pick\n/); // nothing of yours to set beside it
    expect(r.out).toContain("yours: the strategies of chapter 09 as written in solutions/");
    expect(r.out).not.toContain("aims:"); // no aim has its figures at 10 backends alone
  });

  it("on the starters, names each strategy's task", () => {
    const r = benchSuiteLab("strategies", undefined, "--systems", "your p2c,your maglev", "--only", "10 backends");
    expect(r.status, r.out).toBe(0);
    expect(r.out).toMatch(/lab 09-strategies, task \d+: [^:]+: your p2c \(pick, 10 backends\)/);
    expect(r.out).toMatch(/lab 09-strategies, task \d+: [^:]+: your maglev \(pick, 10 backends\)/);
  });
});

// The io suite's servers run for seconds (a warm-up, then the measured run), so each of these measures one count.
describe("npm run bench -- io --lab", { timeout: 120_000 }, () => {
  it("runs the learner's echo server as the course's is run, and says whose it is", () => {
    const r = benchSuiteLab("io", "solutions", "--systems", "your hub", "--only", "echo-500");
    expect(r.status, r.out).toBe(0);
    expect(r.out).toMatch(/echo round trips\/s @ 500 conns\s+your hub\s+[\d,]+/);
    expect(r.out).toContain("your hub: the echo server of chapter 05 and the HTTP server of chapter 07 as written in solutions/");
    expect(r.out).toContain("echo: your hub = your echoServer of lab 05");
    expect(r.out).toContain("not saved (a run of your lab)");
  });

  it("on the starters, names the task the server waits for", () => {
    const r = benchSuiteLab("io", undefined, "--systems", "your hub", "--only", "echo-500");
    expect(r.status, r.out).toBe(0);
    expect(r.out).toMatch(/Your lab has tasks to do before these can be measured:\n {2}lab \d\d-[a-z-]+, task \d+: [^:\n]+: your hub \(echo at 500 conns\)/);
  });

  it("a server whose connection thread throws stops, and the run says why in the server's words", () => {
    const labs = ["02-hub", "03-cancellation", "04-primitives", "05-green-sockets", "07-http"];
    const lab = mistaken("05-green-sockets/echo.ts", (t) => t.replace("const line = yield* sock.recvLine();", 'const line = yield* sock.recvLine();\n    if (line.length) throw new RangeError("the line is too long");'), labs);
    const r = benchSuiteLab("io", lab, "--systems", "your hub", "--only", "echo-500");
    expect(r.status, r.out).toBe(1);
    expect(r.out).toMatch(/echo 500 conns, your hub failed: the server stopped \(exit 1\): RangeError: the line is too long \(at \S*05-green-sockets\/echo\.ts:\d+\)/);
  });
});

// The lb suite's --lab: one request through each of the learner's proxies first, then (with wrk) the suite's load.
describe("npm run bench -- lb --lab", { timeout: 120_000 }, () => {
  const LB_LABS = ["02-hub", "03-cancellation", "04-primitives", "05-green-sockets", "08-tcp-proxy"];

  it("on the starters, names the task the proxies wait for after one request, before any load, and ends without an error", () => {
    const r = benchSuiteLab("lb", undefined);
    expect(r.status, r.out).toBe(0);
    expect(r.out).toMatch(/Your lab has tasks to do before these can be measured:\n {2}lab \d\d-[a-z-]+, task \d+: [^:\n]+: your hub \(splice\) \(one request\), your hub \(green pipe\) \(one request\)/);
    expect(r.out).not.toMatch(/req\/s/); // nothing was measured
  });

  it("a proxy whose relay throws: the error's message and the line of the lab it came from, before any load, and the run fails", () => {
    const lab = mistaken("08-tcp-proxy/pipe.ts", (t) => t.replace("let failure: { error: unknown } | null = null;", 'if (client) throw new RangeError("no room to relay");\n  let failure: { error: unknown } | null = null;'), LB_LABS);
    const r = benchSuiteLab("lb", lab, "--systems", "your hub (green pipe)");
    expect(r.status, r.out).toBe(1);
    expect(r.out).toMatch(/your hub \(green pipe\) failed before any measurement: RangeError: no room to relay \(at \S*08-tcp-proxy\/pipe\.ts:\d+\)/);
  });

  it("a port another program holds: says so before the proxy starts, rather than measure that program", async () => {
    // A program that takes connections and says nothing, as another proxy waiting for its backends would.
    const held: Socket[] = [];
    const squatter = createServer((s) => void held.push(s)).listen(9200, "127.0.0.1");
    await once(squatter, "listening");
    try {
      const r = await benchSuiteLabAsync("lb", "solutions", "--systems", "your hub (splice)");
      expect(r.status, r.out).toBe(1);
      expect(r.out).toContain("your hub (splice) failed before any measurement: 127.0.0.1:9200 is in use by another program; stop it, then measure again");
    } finally {
      for (const s of held) s.destroy();
      squatter.close();
    }
  });

  it("measures the learner's proxy beside the course's and the Node pipe at 64 connections, judges the aims on it, and saves nothing", (ctx) => {
    if (wrkBanner() === null) {
      if (process.env.CI) throw new Error(`wrk is not installed, which this check needs under CI: ${WRK_INSTALL}`);
      console.warn(`skipped: wrk is not installed (${WRK_INSTALL})`);
      return ctx.skip();
    }
    const saved = readFileSync(join(ROOT, "bench/results/lb.json"), "utf8");
    const r = benchSuiteLab("lb", "solutions", "--systems", "your hub (splice),node net+pipe");
    expect(r.status, r.out).toBe(0);
    expect(r.out).toMatch(/requests\/s @ 64 conns\s+your hub \(splice\)\s+[\d,]+/);
    expect(r.out).toMatch(/\n\s+node net\+pipe\s+[\d,]+\s+[\d,]+–[\d,]+\s+req\/s\s+[\d.]+×/);
    expect(r.out).toMatch(/ {2}(met {4}|NOT met) {2}yours: requests\/s ≥ 1\.0× the Node pipe's — 64 conns: [\d,]+ vs [\d,]+ req\/s/);
    expect(r.out).toContain("yours: chapter 08's proxy as written in solutions/");
    expect(r.out).toContain("not saved (a partial or quick run)");
    expect(readFileSync(join(ROOT, "bench/results/lb.json"), "utf8")).toBe(saved);
  });
});

// The l7 suite's --lab runs on the same engine (bench/lib/lab-proxies.ts), whose load the lb checks above run.
describe("npm run bench -- l7 --lab", { timeout: 120_000 }, () => {
  it("on the starters, names the task the learner's HTTP proxy waits for after one request, and ends without an error", () => {
    const r = benchSuiteLab("l7", undefined);
    expect(r.status, r.out).toBe(0);
    expect(r.out).toMatch(/Your lab has tasks to do before these can be measured:\n {2}lab \d\d-[a-z-]+, task \d+: [^:\n]+: your hub http proxy \(one request\)/);
  });

  it("a proxy that throws on a request: the error's message and the line of the lab it came from, before any load, and the run fails", () => {
    const dirs = ["00-common", "02-hub", "03-cancellation", "04-primitives", "05-green-sockets", "07-http", "08-tcp-proxy", "09-strategies", "10-health", "11-http-proxy"];
    const lab = mistaken("11-http-proxy/forwarding.ts", (t) => t.replace("  // BEGIN SOLUTION 1 stripHopByHop\n", '  // BEGIN SOLUTION 1 stripHopByHop\n  if (headers.has("host")) throw new RangeError("too many fields to forward");\n'), dirs);
    const r = benchSuiteLab("l7", lab);
    expect(r.status, r.out).toBe(1);
    expect(r.out).toMatch(/your hub http proxy failed before any measurement: RangeError: too many fields to forward \(at \S*11-http-proxy\/forwarding\.ts:\d+\)/);
  });
});

// The commands the lab READMEs give, which `npm run course` offers once a lab is done (tools/lib/measure.ts).
describe("the --lab commands the lab READMEs give", () => {
  it("each names a suite that measures a learner's code, and npm run course finds them in the labs' READMEs", async () => {
    const found = ["04-primitives", "05-green-sockets", "07-http", "08-tcp-proxy", "09-strategies", "11-http-proxy"].map((id) => [id, labBenchCommandsOf(id)] as const);
    for (const [id, commands] of found) expect(commands.length, `labs/${id}/README.md`).toBeGreaterThan(0);
    for (const command of found.flatMap(([, c]) => c)) {
      const name = benchSuiteOf(command);
      const { suite } = (await import(`../../bench/suites/${name}.ts`)) as { suite: Suite };
      expect(suite.lab, `${command}: the ${name} suite takes --lab`).toBeDefined();
    }
    expect(labBenchCommands("`npm run bench -- io --lab --quick --only echo` and `npm run bench hub`")).toEqual(["npm run bench -- io --lab --quick --only echo"]);
  });
});
