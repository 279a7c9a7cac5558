// `npm run bench:queue -- [options] -- <command…>` (chapters 08 and 11): how many clients a proxy leaves in its
// accept queue while wrk runs, beside wrk's figures. Not a suite and never saved: the measurement behind
// lb/README.md's "At 5,000 connections: most clients are never accepted". Starts the lb suite's fixed backends
// (ports 9101–9103), then for each rep the command afresh, the suites' 1 s warm-up, and one measured wrk run while
// the queue on --port is sampled, as the proxy suites sample it: "when the run ended" is the last sample, half a
// second before wrk's, when the clients accepted are counted too.
import type { ChildProcess } from "node:child_process";
import { parseArgs } from "node:util";
import { acceptQueue, queueLine, watchWrkRun } from "../lib/accept-queue";
import { listening, node, start, stop } from "../lib/proc";
import { settle } from "../lib/proxy-bench";
import { usageMessage, wholeNumber } from "../lib/usage";
import { warmUp, wrk } from "../lib/wrk";

const BACKENDS = [9101, 9102, 9103];
const usage = `usage: npm run bench:queue -- [--conns N] [--seconds S] [--reps N] [--port P] [--no-backends] -- <command…>
  the command starts the program under test, listening on 127.0.0.1:P (default 9200); the lb suite's fixed backends
  listen on ${BACKENDS.join(", ")} unless --no-backends. For example, chapter 08's proxy as the lb suite runs it:
    npm run bench:queue -- --conns 5000 -- node --import tsx bench/lb/hub-proxy.ts splice 9200 ${BACKENDS.join(" ")}`;

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    conns: { type: "string", default: "5000" },
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
  let conns: number, seconds: number, reps: number, port: number;
  try {
    conns = wholeNumber("--conns", values.conns);
    seconds = wholeNumber("--seconds", values.seconds);
    reps = wholeNumber("--reps", values.reps);
    port = wholeNumber("--port", values.port, 1, 65535);
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
      const program = start(positionals);
      try {
        await listening(port, program);
        await warmUp(conns, 1, port);
        // The warm-up's clients close as it ends: wait, as the suites do, until the program has let go of them (its
        // connections to backends are not waited for: an HTTP proxy keeps them in its pool).
        await settle(port, BACKENDS, true);
        const watch = watchWrkRun(port, seconds);
        const result = await wrk(conns, seconds, port).catch(async (e: unknown) => {
          await watch.stop().catch(() => undefined); // wrk's failure is the one to report
          throw e;
        });
        console.log(`rep ${rep}: ${queueLine(await watch.stop(), result)}`);
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
    console.error(`bench:queue: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  },
);
