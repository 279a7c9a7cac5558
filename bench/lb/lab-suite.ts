// `npm run bench -- lb --lab`: a learner's own chapter 08 proxy (lab-proxy.ts) under the lb suite's load, beside the
// course's proxy on the same one descriptor, the bare Node pipe and HAProxy, with the fixed backends. Each of the
// learner's proxies first carries one request (a task not done yet is named at once, before any measurement), then
// the suite's engine (bench/lib/proxy-bench.ts) measures them all, reps interleaved; such a run is never saved.
// At 64 connections only: past a few hundred, a Node program listening through one descriptor does not accept every
// client wrk opens (bench/lb/README.md), so neither the learner's proxy nor the course's would be measured like for like.
import { once } from "node:events";
import { connect, createServer } from "node:net";
import { haproxySystem } from "../lib/haproxy";
import { LabTasks, labName, labsMissing, stubIn, yours } from "../lib/lab";
import { node, sleep, start, stop } from "../lib/proc";
import { type AimContext, judge, type ProxySuite, type ProxySystem, runProxyBench } from "../lib/proxy-bench";
import type { Aim } from "../lib/suite";
import { type DriverOptions, UsageError, wantedSystems } from "../lib/usage";
import { BACKENDS, haproxyTcp, LB, SYSTEMS } from "./driver";

/** The chapters of the learner's tree a lab proxy loads. */
const LAB_DIRS = ["02-hub", "03-cancellation", "04-primitives", "05-green-sockets", "08-tcp-proxy"];
/** The course's systems a learner's proxy is set beside: each of its own relays on one descriptor, and the floor. */
const SPLICE = "hub (splice)";
const GREEN = "hub (green pipe)";
const PIPE = "node net+pipe";

/** The learner's proxy with `relay` ("splice" or "green"), mirroring the course's system `mirrors`. */
const labSystem = (relay: "splice" | "green", mirrors: string): ProxySystem => ({
  name: yours(mirrors),
  missing: () => labsMissing(LAB_DIRS),
  argv: (_dir, backends) => node("bench/lb/lab-proxy.ts", relay, String(LB.listen), ...backends.map(String)),
  profiled: true,
});
const LAB_SYSTEMS: readonly ProxySystem[] = [labSystem("splice", SPLICE), labSystem("green", GREEN)];

export const labAbout = (): string =>
  `yours: chapter 08's proxy as written in ${labName()} (your round robin, accept loop and failover; your green pipe, and the lab's splice), on one descriptor`;

/**
 * The course's aims on one descriptor, for the learner's proxy `subject` and, in the same run, for the course's
 * system it mirrors; and one of the lab's own: within a tenth of the course's requests/s.
 */
function labAims(ctx: AimContext, subject: string): Aim[] {
  const course = subject.replace(/^your /, "");
  const measured = ctx.rows.some((r) => r.system === course);
  const both = (aim: string, figure: "rps" | "cpu", ok: (r: number) => boolean, also: "rps" | "cpu"): Aim => {
    const mine = judge(ctx, subject, aim, figure, PIPE, ok, also);
    const theirs = measured ? judge(ctx, course, aim, figure, PIPE, ok, also) : null;
    return { aim: `yours: ${aim}`, met: mine.met, detail: `${mine.detail}${theirs ? `; the course's ${course} in this run: ${theirs.met ? "met" : "not met"}` : ""}` };
  };
  const aims = [
    both("requests/s ≥ 1.0× the Node pipe's", "rps", (r) => r >= 1, "cpu"),
    both("CPU per request ≤ 1.05× the Node pipe's", "cpu", (r) => r <= 1.05, "rps"),
  ];
  if (measured) {
    const close = judge(ctx, subject, `requests/s ≥ 0.9× the course's ${course}`, "rps", course, (r) => r >= 0.9, "cpu");
    aims.push({ ...close, aim: `yours: ${close.aim}` });
  }
  return aims;
}

/**
 * Starts the learner's proxy `system` in front of a backend that answers every read with a fixed response, and sends
 * one request through it: resolves with null when the response came back, or with why it did not (the proxy's own
 * line when it stopped, a task not done yet in the stub's words).
 */
async function carriesOneRequest(system: ProxySystem): Promise<string | null> {
  const backend = createServer((s) => {
    s.on("data", () => s.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"));
    s.on("error", () => undefined);
  });
  backend.listen(0, "127.0.0.1");
  await once(backend, "listening");
  const port = (backend.address() as { port: number }).port;
  const proc = start(system.argv("", [port])!);
  let out = "";
  proc.stdout!.on("data", (d: Buffer) => (out += d));
  proc.stderr!.on("data", (d: Buffer) => (out += d));
  const exited = (): boolean => proc.exitCode !== null || proc.signalCode !== null;
  const said = (): string => stubIn(out) ?? (out.trim().split("\n").at(-1) || `exit ${proc.exitCode ?? proc.signalCode}`);
  try {
    for (let i = 0; !/^ready$/m.test(out); i++) {
      if (exited()) return said();
      if (i === 600) return "not listening after 30 s";
      await sleep(50);
    }
    const answer = await new Promise<string>((done) => {
      const c = connect({ host: "127.0.0.1", port: LB.listen }, () => c.write("GET / HTTP/1.1\r\nHost: lab\r\n\r\n"));
      let got = "";
      const timer = setTimeout(() => (c.destroy(), done(got)), 5000);
      c.on("data", (d: Buffer) => {
        got += d;
        if (got.endsWith("ok")) (clearTimeout(timer), c.destroy(), done(got));
      });
      c.on("error", () => (clearTimeout(timer), done(got)));
      c.on("close", () => (clearTimeout(timer), done(got)));
    });
    if (answer.endsWith("ok")) return null;
    await sleep(200); // a thread that failed on the request: its proxy says why as it exits
    return exited() || stubIn(out) ? said() : `no response to a request within 5 s${answer ? ` (got ${JSON.stringify(answer.slice(0, 60))})` : ""}`;
  } finally {
    await stop(proc);
    backend.close();
  }
}

/** Runs the lb suite on the learner's proxy: the run.ts entry point with --lab. */
export async function runLbLab(options: DriverOptions): Promise<number> {
  if (options.profile) throw new UsageError("--lab: the lb suite profiles the course's proxy only (npm run bench -- lb --profile)");
  if (options.only !== undefined || options.backends !== undefined) {
    throw new UsageError("--lab: the lb suite measures your proxy at 64 connections with the fixed backends only: --only and --backends do not apply");
  }
  const why = labsMissing(LAB_DIRS);
  if (why) throw new UsageError(`--lab: ${why}`);
  const course = SYSTEMS.filter((s) => [SPLICE, GREEN, PIPE].includes(s.name));
  const all = [...LAB_SYSTEMS, ...course, haproxySystem("haproxy", haproxyTcp(LB.listen, null))];
  const wanted = wantedSystems(options.systems, all.map((s) => s.name)) ?? all.map((s) => s.name);
  const labs = LAB_SYSTEMS.filter((s) => wanted.includes(s.name));
  if (!labs.length) throw new UsageError(`--lab: --systems keeps none of yours (${LAB_SYSTEMS.map((s) => s.name).join(", ")})`);

  // One request through each of the learner's proxies first: a task not done yet is news now, not after the run.
  const tasks = new LabTasks();
  let failed = 0;
  for (const s of labs) {
    process.stderr.write(`${s.name}: one request through it … `);
    const problem = await carriesOneRequest(s);
    process.stderr.write(problem === null ? "answered\n" : "failed\n");
    if (problem === null) continue;
    failed++;
    if (!tasks.note(new Error(problem), s.name, "one request")) console.error(`${s.name} failed before any measurement: ${problem}`);
  }
  // Exit status 0 when every failure is a task not done yet (where the learner is), 1 otherwise.
  if (failed) return tasks.finish(failed);

  const suite: ProxySuite = {
    ...LB,
    title: `${LB.title}, with yours (--lab)`,
    subject: labs[0]!.name,
    conns: [64],
    backends: [BACKENDS.find((b) => b.id === "fixed")!],
    systems: all,
    notes: [labAbout(), "a run of your lab is never saved"],
    aims: (ctx) => labAims(ctx, labs[0]!.name),
  };
  // Never saved: the systems are always named, which makes every such run a partial one for the engine.
  return runProxyBench(suite, { ...options, systems: wanted.join(",") });
}
