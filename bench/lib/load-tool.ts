// The frame of the commands that measure one program under wrk, outside the suites and never saved
// (`npm run bench:queue`, `npm run bench:gc`; chapters 08, 11 and 14): their options, the lb suite's fixed backends,
// and for each rep the program started afresh, the suites' 1 s warm-up and their wait for the program to let go of the
// warm-up's clients. Each command says what it watches around the one measured wrk run.
import type { ChildProcess } from "node:child_process";
import { parseArgs } from "node:util";
import { acceptQueue } from "./accept-queue";
import { listening, node, start, stop } from "./proc";
import { settle } from "./proxy-bench";
import { usageMessage, wholeNumber } from "./usage";
import { warmUp } from "./wrk";

/** The lb suite's fixed backends (`lb/backend.ts`), which the commands start unless told not to. */
export const BACKENDS = [9101, 9102, 9103];

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
  /** The command to start, from the one given; throws a UsageError when it cannot be measured. @default as given */
  readonly command?: (argv: string[]) => string[];
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
      console.error(`${tool.name}: ${e instanceof Error ? e.message : String(e)}`);
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
      port: { type: "string", default: "9200" },
      "no-backends": { type: "boolean", default: false },
      help: { type: "boolean", default: false },
    },
  });
  if (values.help || !positionals.length) {
    console.log(tool.usage);
    return values.help ? 0 : 2;
  }
  let conns: number, seconds: number, reps: number, port: number, argv: string[];
  try {
    conns = wholeNumber("--conns", values.conns);
    seconds = wholeNumber("--seconds", values.seconds);
    reps = wholeNumber("--reps", values.reps);
    port = wholeNumber("--port", values.port, 1, 65535);
    argv = tool.command ? tool.command(positionals) : positionals;
  } catch (e) {
    console.error(`${usageMessage(e)}\n${tool.usage}`);
    return 2;
  }
  let backends: ChildProcess | null = null;
  try {
    if (!values["no-backends"]) {
      backends = start(node("bench/lb/backend.ts", ...BACKENDS.map(String)));
      for (const p of BACKENDS) await listening(p, backends);
    }
    console.log(`${positionals.join(" ")}: ${conns.toLocaleString("en-US")} connections, ${seconds} s, ${reps} rep${reps === 1 ? "" : "s"}`);
    for (let rep = 1; rep <= reps; rep++) {
      // Another program on the port would be measured in place of this one (the suites check the same).
      if ((await acceptQueue(port)) !== null) throw new Error(`127.0.0.1:${port} is in use by another program: stop it or pass --port`);
      const program = start(argv);
      let stderr = "";
      program.stderr!.on("data", (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
      tool.started?.(program);
      try {
        await listening(port, program).catch((e: unknown) => {
          const said = stderr.trim().split("\n").slice(-3).join(" | ");
          throw new Error(`the program did not listen on 127.0.0.1:${port}: ${e instanceof Error ? e.message : String(e)}${said ? ` (it said: ${said})` : ""}`);
        });
        await warmUp(conns, 1, port);
        // The warm-up's clients close as it ends: wait, as the suites do, until the program has let go of them (its
        // connections to backends are not waited for: an HTTP proxy keeps them in its pool).
        await settle(port, BACKENDS, true);
        console.log(`rep ${rep}: ${await tool.measure(program, { port, conns, seconds })}`);
      } finally {
        await stop(program);
      }
    }
    return 0;
  } finally {
    if (backends) await stop(backends);
  }
}
