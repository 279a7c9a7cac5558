// `--lab` for the proxy suites (lb: chapter 08's proxy, l7: chapter 11's): a learner's own proxies, from labs/ (or the
// tree HUB_TARGET names), under the suite's load beside the course's and the peers. Each of the learner's proxies
// first carries one request to a backend of this run's own, so that a task not done yet is named at once, in the
// stub's words, before any load; then the suite's engine (proxy-bench.ts) measures them all, reps interleaved, at 64
// connections with the fixed backends. On one descriptor, past a few hundred connections, a Node program does not
// accept every client wrk opens (bench/lb/README.md), so neither the learner's proxy nor the course's would be
// measured like for like there. Such a run is never saved.
import { once } from "node:events";
import { connect, createServer } from "node:net";
import { isAbsolute, join, relative } from "node:path";
import { LabTasks, labsMissing, labTree, stubIn } from "./lab";
import { repoDir, sleep, start, stop } from "./proc";
import { type AimContext, type Figure, judge, type ProxySuite, type ProxySystem, READY_LINE, runProxyBench } from "./proxy-bench";
import type { Aim, Suite } from "./suite";
import { type DriverOptions, UsageError, wantedSystems } from "./usage";

/** The lab run of one proxy suite. */
export interface LabProxies {
  /** The suite whose listening port, engine settings and fixed backends the lab run takes. */
  readonly suite: ProxySuite;
  /** The chapters of the learner's tree the lab programs load. */
  readonly dirs: readonly string[];
  /** The learner's systems ("your …"), each named after the course's system it mirrors; the first is the subject. */
  readonly labs: readonly ProxySystem[];
  /** The course's systems and the peers they are set beside. */
  readonly beside: readonly ProxySystem[];
  /** The suite's aims, restated for the learner's subject (judged for it and for the course's system it mirrors). */
  readonly aims: readonly LabAim[];
  /** Whose code the learner's systems run, for the notes. */
  about(): string;
}

/** An aim on the subject ÷ `peer`'s `figure`, as `judge` takes it. */
export interface LabAim {
  readonly aim: string;
  readonly figure: Figure;
  readonly peer: string;
  readonly ok: (ratio: number) => boolean;
  readonly also: Figure;
}

/** A learner's system: `name`, run by `argv`, which needs `dirs` in the learner's tree. */
export const labProxySystem = (name: string, dirs: readonly string[], argv: ProxySystem["argv"]): ProxySystem => ({
  name, missing: () => labsMissing(dirs), argv,
});

/**
 * The systems of `systems` named `names`, in that order; throws when one is missing, so that a system renamed in its
 * suite's driver fails every lab run at once instead of dropping out of it, and its aim with it.
 */
export function named(systems: readonly ProxySystem[], names: readonly string[]): ProxySystem[] {
  return names.map((n) => {
    const s = systems.find((x) => x.name === n);
    if (!s) throw new Error(`the suite's driver has no system named "${n}" any more: bench/lb/lab-suite.ts and bench/l7/lab-suite.ts name those a lab run is set beside`);
    return s;
  });
}

/**
 * The aims judged on the learner's `subject`, each with the course's verdict on its own system in the same run beside
 * it, and one of the lab's own: within a tenth of the course's requests/s. An aim whose peer this run did not measure
 * (not installed, or left out by --systems) is left out rather than called missed.
 */
function judgeLab(ctx: AimContext, subject: string, aims: readonly LabAim[]): Aim[] {
  const course = subject.replace(/^your /, "");
  const ran = (system: string): boolean => ctx.rows.some((r) => r.system === system);
  const out: Aim[] = [];
  for (const a of aims.filter((x) => ran(x.peer))) {
    const mine = judge(ctx, subject, a.aim, a.figure, a.peer, a.ok, a.also);
    const theirs = ran(course) ? judge(ctx, course, a.aim, a.figure, a.peer, a.ok, a.also) : null;
    const beside = theirs ? `; the course's ${course} in this run: ${theirs.met ? "met" : "not met"}` : "";
    out.push({ aim: `yours: ${a.aim}`, met: mine.met, detail: `${mine.detail}${beside}` });
  }
  if (ran(course)) {
    const close = judge(ctx, subject, `requests/s ≥ 0.9× the course's ${course}`, "rps", course, (r) => r >= 0.9, "cpu");
    out.push({ ...close, aim: `yours: ${close.aim}` });
  }
  return out;
}

/** The fixed response the first request gets, and its body, by which its arrival is known. */
const BODY = "lab ok";
const RESPONSE = `HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: ${BODY.length}\r\n\r\n${BODY}`;

/**
 * Starts the learner's proxy `system` on `listen`, in front of a backend that answers every read with a fixed
 * response, and sends one request through it: resolves with null when the response came back, or with why it did
 * not (a task not done yet in the stub's words, the proxy's own last line when it stopped, or what came back).
 */
export async function carriesOneRequest(system: ProxySystem, listen: number): Promise<string | null> {
  // Another program on the port would answer in the proxy's place, or keep it from listening at all.
  const before = await exchange(listen, 1000);
  if (before.connected || before.how === "reset") return `127.0.0.1:${listen} is in use by another program; stop it, then measure again`;
  if (before.how !== "refused") return `127.0.0.1:${listen} could not be tried: ${before.how}`;
  const backend = createServer((s) => {
    s.on("data", () => s.write(RESPONSE));
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
    for (let i = 0; !READY_LINE.test(out); i++) {
      if (exited()) return said();
      if (i === 600) return "not listening after 30 s";
      await sleep(50);
    }
    const answer = await exchange(listen, 5000);
    if (answer.how === "answered") return null;
    await sleep(200); // a thread that failed on the request: its proxy says why as it exits
    if (exited() || stubIn(out)) return said();
    const first = answer.got.split("\r\n")[0];
    return answer.got ? `the request came back as "${first}", not the backend's response`
      : answer.how === "refused" ? `nothing listens on 127.0.0.1:${listen}, the port the proxy was given`
      : answer.how === "closed" || answer.how === "reset" ? `the proxy ${answer.how === "reset" ? "reset" : "closed"} the connection without a response`
      : answer.how === "timed out" ? "no response to a request within 5 s"
      : `the connection failed: ${answer.how}`;
  } finally {
    await stop(proc);
    backend.close();
  }
}

/**
 * Sends one request to 127.0.0.1:`port` and reads until the backend's body arrives: whether a connection was made
 * (something listens there, whatever happened next), what came back, and how the exchange ended ("answered",
 * "refused": nothing listens, "reset" by whatever listens, "closed" early, "timed out" after `ms`, or a socket
 * error's message).
 */
function exchange(port: number, ms: number): Promise<{ connected: boolean; how: string; got: string }> {
  return new Promise((done) => {
    let got = "";
    let how = "closed";
    let connected = false;
    const c = connect({ host: "127.0.0.1", port }, () => {
      connected = true;
      c.write("GET / HTTP/1.1\r\nHost: lab\r\n\r\n");
    });
    const end = (): void => {
      clearTimeout(timer);
      c.destroy();
      done({ connected, how, got });
    };
    const timer = setTimeout(() => ((how = "timed out"), end()), ms);
    c.on("data", (d: Buffer) => {
      got += d;
      if (got.endsWith(BODY)) ((how = "answered"), end());
    });
    c.on("error", (e: NodeJS.ErrnoException) => {
      how = e.code === "ECONNREFUSED" ? "refused" : e.code === "ECONNRESET" || e.code === "EPIPE" ? "reset" : e.message;
      end();
    });
    c.on("close", end);
  });
}

/** The learner's `dirs` as paths in this repository, or none when their tree is elsewhere (HUB_TARGET). */
function labSources(dirs: readonly string[]): string[] {
  const tree = relative(repoDir, labTree());
  return tree.startsWith("..") || isAbsolute(tree) ? [] : dirs.map((d) => join(tree, d));
}

/** Runs `lab`: the run.ts entry point of its suite with --lab. */
export async function runLabProxies(lab: LabProxies, options: DriverOptions): Promise<number> {
  const name = lab.suite.name;
  if (options.profile) throw new UsageError(`--lab: the ${name} suite profiles the course's proxy only (npm run bench -- ${name} --profile)`);
  if (options.only !== undefined || options.backends !== undefined) {
    throw new UsageError(`--lab: the ${name} suite measures your proxy at 64 connections with the fixed backends only: --only and --backends do not apply`);
  }
  const why = labsMissing(lab.dirs);
  if (why) throw new UsageError(`--lab: ${why}`);
  const all = [...lab.labs, ...lab.beside];
  const wanted = wantedSystems(options.systems, all.map((s) => s.name)) ?? all.map((s) => s.name);
  const labs = lab.labs.filter((s) => wanted.includes(s.name));
  if (!labs.length) throw new UsageError(`--lab: --systems keeps none of yours (${lab.labs.map((s) => s.name).join(", ")})`);

  // One request through each of the learner's proxies first: a task not done yet is news now, not after the run.
  const tasks = new LabTasks();
  let failed = 0;
  for (const s of labs) {
    process.stderr.write(`${s.name}: one request through it … `);
    const problem = await carriesOneRequest(s, lab.suite.listen);
    process.stderr.write(problem === null ? "answered\n" : "failed\n");
    if (problem === null) continue;
    failed++;
    if (!tasks.note(new Error(problem), s.name, "one request")) console.error(`${s.name} failed before any measurement: ${problem}`);
  }
  // Exit status 0 when every failure is a task not done yet (where the learner is), 1 otherwise.
  if (failed) return tasks.finish(failed);

  const subject = labs[0]!.name;
  const suite: ProxySuite = {
    ...lab.suite,
    subject,
    conns: [64],
    backends: lab.suite.backends.filter((b) => b.id === "fixed"),
    systems: all,
    notes: [lab.about(), "a run of your lab is never saved"],
    // The commit note names the course's code beside the learner's, and the learner's where it is in this repository
    // (labs/); a tree elsewhere is named by the "yours:" note alone (git cannot speak of a path outside).
    sources: [...lab.suite.sources, ...labSources(lab.dirs)],
    aims: (ctx) => judgeLab(ctx, subject, lab.aims),
  };
  // Never saved: the systems are always named, which makes every such run a partial one for the engine.
  return runProxyBench(suite, { ...options, systems: wanted.join(",") });
}

/**
 * A proxy suite's module for run.ts (bench/suites/lb.ts, l7.ts): the suite as run.ts lists it, with `--lab`, and the
 * driver run.ts calls instead of its own loop: `run` for the course's measurements, `lab` with --lab.
 */
export function proxySuiteModule(
  suite: ProxySuite, run: (options: DriverOptions) => Promise<number>, lab: LabProxies,
): { suite: Suite; main: (options: DriverOptions) => Promise<number> } {
  return {
    suite: {
      name: suite.name, title: suite.title, cases: [], systems: [], subject: suite.subject, aims: () => [],
      lab: {
        get about() {
          return lab.about();
        },
      },
    },
    main: (options) => (options.lab ? runLabProxies(lab, options) : run(options)),
  };
}
