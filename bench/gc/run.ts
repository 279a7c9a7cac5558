// `npm run bench:gc -- [options] -- node <program…>` (chapters 08, 11 and 14): where a Node proxy's CPU goes under a
// load, by thread, and what its garbage collector did, beside wrk's figures. Not a suite and never saved: the
// measurement behind lb/README.md's "The garbage collector at 5,000 connections". Starts the lb suite's fixed backends
// (ports 9101–9103), then for each rep the program afresh with `--trace-gc` added to its Node flags, the suites' 1 s
// warm-up, and one measured wrk run, across which it reads the program's threads from /proc and keeps the collections
// the program reported (bench/lib/gc-trace.ts).
import type { ChildProcess } from "node:child_process";
import { parseArgs } from "node:util";
import { acceptQueue } from "../lib/accept-queue";
import { gcLine, type GcEvent, parseGcLine, summarize, threadCpu, threadCpuPer, withTraceGc } from "../lib/gc-trace";
import { listening, node, start, stop } from "../lib/proc";
import { settle } from "../lib/proxy-bench";
import { fmt } from "../lib/report";
import { usageMessage, wholeNumber } from "../lib/usage";
import { warmUp, wrk } from "../lib/wrk";

const BACKENDS = [9101, 9102, 9103];
const usage = `usage: npm run bench:gc -- [--conns N] [--seconds S] [--reps N] [--port P] [--no-backends] -- node <program…>
  the command starts a Node program, listening on 127.0.0.1:P (default 9200), to which --trace-gc is added; the lb
  suite's fixed backends listen on ${BACKENDS.join(", ")} unless --no-backends. For example, chapter 11's proxy as the
  l7 suite runs it:
    npm run bench:gc -- --conns 5000 -- node --max-semi-space-size=32 --import tsx bench/l7/hub-http-proxy.ts --acceptors 64 9200 ${BACKENDS.join(" ")}`;

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    conns: { type: "string", default: "1000" },
    seconds: { type: "string", default: "5" },
    reps: { type: "string", default: "1" },
    port: { type: "string", default: "9200" },
    "no-backends": { type: "boolean", default: false },
    help: { type: "boolean", default: false },
  },
});

async function main(): Promise<number> {
  if (values.help || !positionals.length) {
    console.log(usage);
    return values.help ? 0 : 2;
  }
  let conns: number, seconds: number, reps: number, port: number, argv: string[];
  try {
    conns = wholeNumber("--conns", values.conns);
    seconds = wholeNumber("--seconds", values.seconds);
    reps = wholeNumber("--reps", values.reps);
    port = wholeNumber("--port", values.port, 1, 65535);
    argv = withTraceGc(positionals);
  } catch (e) {
    console.error(`${usageMessage(e)}\n${usage}`);
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
      // Every collection the program reports, in order; `from` and `to` mark the measured run's.
      const events: GcEvent[] = [];
      let partial = "";
      program.stdout!.on("data", (d: Buffer) => {
        const lines = (partial + d.toString("latin1")).split("\n");
        partial = lines.pop()!;
        for (const line of lines) {
          const e = parseGcLine(line);
          if (e !== null) events.push(e);
        }
      });
      let stderr = "";
      program.stderr!.on("data", (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
      try {
        await listening(port, program).catch((e: unknown) => {
          const said = stderr.trim().split("\n").slice(-3).join(" | ");
          throw new Error(`the program did not listen on 127.0.0.1:${port}: ${e instanceof Error ? e.message : String(e)}${said ? ` (it said: ${said})` : ""}`);
        });
        await warmUp(conns, 1, port);
        // As the suites do: wait until the program has let go of the warm-up's clients (not of its backends, which an
        // HTTP proxy keeps in its pool).
        await settle(port, BACKENDS, true);
        const from = events.length;
        const cpuBefore = threadCpu(program.pid!);
        const result = await wrk(conns, seconds, port);
        const cpuAfter = threadCpu(program.pid!);
        const to = events.length;
        const gc = summarize(events.slice(from, to), from > 0 ? events[from - 1]! : null);
        const head = `${fmt(result.rps)} requests/s, p99 ${fmt(result.p99)} ms`;
        const line = result.requests > 0 ? gcLine(threadCpuPer(cpuBefore, cpuAfter, result.requests), gc, result.requests, seconds) : "no request completed";
        console.log(`rep ${rep}: ${head} | ${line}${result.errors ? ` | ${result.errors}` : ""}`);
      } finally {
        await stop(program);
      }
    }
    return 0;
  } finally {
    if (backends) await stop(backends);
  }
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(`bench:gc: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  },
);
