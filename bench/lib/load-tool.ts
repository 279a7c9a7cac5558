// The frame of the commands that measure one program under wrk, outside the suites and never saved (`npm run
// bench:queue`, `bench:gc`, `bench:cpu`; chapters 08, 11, 13 and 14): their options, the program given as a command or
// as a suite's system (`--system`), the lb suite's fixed backends, and for each rep the program started afresh, the
// suites' 1 s warm-up and their wait for the program to let go of the warm-up's clients. Each command says what it
// watches around the one measured wrk run. The cpu suite (bench/cpu/driver.ts) takes its systems, backends and fresh
// runs from here too.
import type { ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { L7 } from "../l7/driver";
import { LB } from "../lb/driver";
import { OBS } from "../obs/driver";
import { acceptQueue } from "./accept-queue";
import { listening, node, sleep, start, stop } from "./proc";
import { settle } from "./proxy-bench";
import { quoted, UsageError, usageMessage, wholeNumber } from "./usage";
import { warmUp } from "./wrk";

/** The lb suite's fixed backends (`lb/backend.ts`), which the commands start unless told not to. */
export const BACKENDS = [9101, 9102, 9103];

/** The options every command takes, for its usage line; the command or `--system` follows. */
export const LOAD_OPTIONS = "[--conns N] [--seconds S] [--reps N] [--no-backends]";
/** What `--system` does, for the usage. */
export const SYSTEM_USAGE = `--system NAME measures a system of the lb, l7 or obs suite as that suite starts it, on its suite's port
  (without what a suite runs beside it: the obs suite's scrapes of /metrics), for example "haproxy http", "haproxy",
  "node http-proxy keep-alive on 64 acceptors", "hub (splice on 64 acceptors)", "metrics on"`;

/** The suites whose systems `--system` names. */
const SUITES = [LB, L7, OBS];

/**
 * A system of the lb, l7 or obs suite, by its name, as that suite starts it: its command line (with its configuration, for
 * HAProxy and nginx, written into `dir`) against the fixed backends, the port it listens on, and whether it keeps its
 * backend connections between clients (an HTTP proxy's pool: `settle` does not wait for them to close), its version
 * where the suite records one (HAProxy's), and the line it prints once ready where its suite waits for one.
 */
export function suiteSystem(name: string, dir: string): { argv: string[]; port: number; pooled: boolean; version?: string; readyLine?: RegExp } {
  for (const suite of SUITES) {
    const system = suite.systems.find((s) => s.name === name);
    if (system === undefined) continue;
    const missing = system.missing();
    if (missing !== null) throw new Error(`${name}: ${missing}`);
    const argv = system.argv(dir, BACKENDS);
    if (argv === null) throw new UsageError(`--system "${name}" is the suite's run without a proxy: there is no program to measure`);
    const version = system.version?.();
    return { argv, port: suite.listen, pooled: suite.pooled, ...(version ? { version } : {}), ...(system.readyLine ? { readyLine: system.readyLine } : {}) };
  }
  const known = [...new Set(SUITES.flatMap((suite) => suite.systems.map((s) => s.name)))];
  throw new UsageError(`--system must name a system of the lb, l7 or obs suite (${quoted(known)}), not "${name}"`);
}

/** The lb suite's fixed backends, started and listening on BACKENDS. */
export async function fixedBackends(): Promise<ChildProcess> {
  const backends = start(node("bench/lb/backend.ts", ...BACKENDS.map(String)));
  try {
    for (const p of BACKENDS) await listening(p, backends);
  } catch (e) {
    await stop(backends);
    throw e;
  }
  return backends;
}

/** The last three lines a program printed, on one line: what a failure of it quotes. */
export const lastLines = (text: string): string => text.trim().split("\n").slice(-3).join(" | ");

/** What a failure says: an Error's message, or whatever else was thrown, as text. */
export const messageOf = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** One measured run's setting. */
export interface LoadRun {
  readonly port: number;
  readonly conns: number;
  readonly seconds: number;
}

export interface LoadTool {
  /** As the command is typed: "bench:queue". */
  readonly name: string;
  readonly usage: string;
  readonly defaultConns: number;
  /** What this machine lacks for the command (a tool, a permission), said before anything starts; null: nothing. */
  readonly needs?: () => string | null;
  /**
   * The command to start, from the one given and the run's scratch folder (removed at the end); throws a UsageError
   * when it cannot be measured. @default as given
   */
  readonly command?: (argv: string[], dir: string) => string[];
  /** Called once the program has started, before it listens: what it prints from its start is there to read. */
  readonly started?: (program: ChildProcess) => void;
  /** The measured run, the program warmed up and settled: the line to print for the rep. */
  readonly measure: (program: ChildProcess, run: LoadRun) => Promise<string>;
}

/** Runs the command with the process's arguments and exits with its status: 0, 2 for a usage mistake, 1 on failure. */
export function runLoadTool(tool: LoadTool): void {
  main(tool).then(
    (code) => process.exit(code),
    (e: unknown) => {
      console.error(`${tool.name}: ${messageOf(e)}`);
      process.exit(1);
    },
  );
}

async function main(tool: LoadTool): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      conns: { type: "string", default: String(tool.defaultConns) },
      seconds: { type: "string", default: "5" },
      reps: { type: "string", default: "1" },
      port: { type: "string" },
      system: { type: "string" },
      "no-backends": { type: "boolean", default: false },
      help: { type: "boolean", default: false },
    },
  });
  if (values.help || (!positionals.length && values.system === undefined)) {
    console.log(tool.usage);
    return values.help ? 0 : 2;
  }
  // A scratch directory, removed at the end: a suite's system writes its configuration there (HAProxy's, nginx's),
  // and the command may put what the program writes as it runs there (bench:cpu: V8's log).
  const dir = mkdtempSync(join(tmpdir(), "hub-load-tool-"));
  try {
    let conns: number, seconds: number, reps: number, port: number, argv: string[], what: string;
    let pooled = true;
    let readyLine: RegExp | undefined;
    try {
      conns = wholeNumber("--conns", values.conns);
      seconds = wholeNumber("--seconds", values.seconds);
      reps = wholeNumber("--reps", values.reps);
      if (values.system !== undefined) {
        if (positionals.length) throw new UsageError("give --system or a command, not both");
        if (values.port !== undefined) throw new UsageError("--port cannot move a suite's system: it listens where its suite has it");
        ({ argv, port, pooled, readyLine } = suiteSystem(values.system, dir));
        what = values.system;
      } else {
        port = wholeNumber("--port", values.port ?? "9200", 1, 65535);
        argv = positionals;
        what = positionals.join(" ");
      }
      if (tool.command) argv = tool.command(argv, dir);
    } catch (e) {
      console.error(`${usageMessage(e)}\n${tool.usage}`);
      return 2;
    }
    const lacking = tool.needs?.() ?? null;
    if (lacking !== null) {
      console.error(`${tool.name}: ${lacking}`);
      return 1;
    }
    return await measureAll(tool, { conns, seconds, reps, port, pooled, readyLine, argv, what, backends: !values["no-backends"] });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The backends, then each rep: the program started afresh, warmed up, settled and measured. */
async function measureAll(
  tool: LoadTool,
  o: { conns: number; seconds: number; reps: number; port: number; pooled: boolean; readyLine?: RegExp; argv: string[]; what: string; backends: boolean },
): Promise<number> {
  const { conns, seconds, reps, port, argv } = o;
  let backends: ChildProcess | null = null;
  try {
    if (o.backends) {
      backends = await fixedBackends();
    }
    console.log(`${o.what}: ${conns.toLocaleString("en-US")} connections, ${seconds} s, ${reps} rep${reps === 1 ? "" : "s"}`);
    for (let rep = 1; rep <= reps; rep++) {
      const line = await freshRun({ argv, port, conns, pooled: o.pooled, readyLine: o.readyLine }, (program) => tool.measure(program, { port, conns, seconds }), tool.started);
      console.log(`rep ${rep}: ${line}`);
    }
    return 0;
  } finally {
    if (backends) await stop(backends);
  }
}

/**
 * The program `argv` started afresh, listening on `port` (and, with `readyLine`, once it has printed that line, as the
 * suites wait for it: a program on 64 descriptors prints it once its copies exist), warmed up by `conns` clients for
 * 1 s and settled, then `measure`d; stopped whatever happens. `pooled`: it keeps its backend connections (see
 * suiteSystem).
 */
export async function freshRun<T>(
  run: { argv: readonly string[]; port: number; conns: number; pooled: boolean; readyLine?: RegExp },
  measure: (program: ChildProcess) => Promise<T>,
  started?: (program: ChildProcess) => void,
): Promise<T> {
  const { port, conns, readyLine } = run;
  // Another program on the port would be measured in place of this one (the suites check the same).
  if ((await acceptQueue(port)) !== null) throw new Error(`127.0.0.1:${port} is in use by another program: stop it or pass --port`);
  const program = start(run.argv);
  let stderr = "";
  program.stderr!.on("data", (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
  // Read, so that a program that prints a lot never waits on a full pipe; the ready line is looked for as it comes.
  let stdout = "";
  let ready = readyLine === undefined;
  program.stdout!.on("data", (d: Buffer) => {
    stdout = (stdout + d.toString()).slice(-2000);
    ready ||= readyLine!.test(stdout);
  });
  started?.(program);
  const said = (): string => lastLines([stdout, stderr].map((t) => t.trim()).filter(Boolean).join("\n"));
  try {
    for (let waited = 0; !ready; waited += 50) {
      if (program.exitCode !== null || waited >= 30_000) {
        throw new Error(`the program ${program.exitCode !== null ? `exited with code ${program.exitCode}` : "printed no ready line in 30 s"}${said() ? ` (it said: ${said()})` : ""}`);
      }
      await sleep(50);
    }
    await listening(port, program).catch((e: unknown) => {
      throw new Error(`the program did not listen on 127.0.0.1:${port}: ${messageOf(e)}${said() ? ` (it said: ${said()})` : ""}`);
    });
    await warmUp(conns, 1, port);
    // The warm-up's clients close as it ends: wait, as the suites do, until the program has let go of them (and, unless
    // it pools them, of its connections to the backends).
    await settle(port, BACKENDS, run.pooled);
    return await measure(program);
  } finally {
    await stop(program);
  }
}
