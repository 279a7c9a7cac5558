// `npm run bench:gc -- [options] -- node <program…>` (chapters 08, 11 and 14): where a Node proxy's CPU goes under a
// load, by thread, and what its garbage collector did, beside wrk's figures. Not a suite and never saved: the
// measurement behind lb/README.md's "The garbage collector at 1,000 and 5,000 connections". Starts the lb suite's fixed
// backends (ports 9101–9103), then for each rep the program afresh with `--trace-gc` added to its Node flags, the
// suites' 1 s warm-up, and one measured wrk run, across which it reads the program's threads from /proc and keeps the
// collections the program reported (lib/gc-trace.ts). The frame of options and reps: lib/load-tool.ts.
import { gcLine, type GcEvent, parseGcLine, summarize, threadCpu, threadCpuPer, withTraceGc } from "../lib/gc-trace";
import { BACKENDS, LOAD_OPTIONS, runLoadTool, SYSTEM_USAGE } from "../lib/load-tool";
import { fmt } from "../lib/report";
import { wrk } from "../lib/wrk";

/** Every collection the program of the current rep has reported, in order. */
let events: GcEvent[] = [];

runLoadTool({
  name: "bench:gc",
  usage: `usage: npm run bench:gc -- ${LOAD_OPTIONS} (--system NAME | [--port P] -- node <program…>)
  ${SYSTEM_USAGE}; here, a Node one.
  A command starts a Node program, listening on 127.0.0.1:P (default 9200), to which --trace-gc is added; the lb
  suite's fixed backends listen on ${BACKENDS.join(", ")} unless --no-backends. For example, chapter 11's proxy as the
  l7 suite runs it:
    npm run bench:gc -- --conns 5000 -- node --max-semi-space-size=32 --import tsx bench/l7/hub-http-proxy.ts --acceptors 64 9200 ${BACKENDS.join(" ")}`,
  defaultConns: 1000,
  command: withTraceGc,
  started(program) {
    events = [];
    let partial = "";
    program.stdout!.on("data", (d: Buffer) => {
      const lines = (partial + d.toString("latin1")).split("\n");
      partial = lines.pop()!;
      for (const line of lines) {
        const e = parseGcLine(line);
        if (e !== null) events.push(e);
      }
    });
  },
  async measure(program, { port, conns, seconds }) {
    const from = events.length;
    const before = threadCpu(program.pid!);
    const result = await wrk(conns, seconds, port);
    const after = threadCpu(program.pid!);
    const gc = summarize(events.slice(from), from > 0 ? events[from - 1]! : null);
    const line = result.requests > 0 ? gcLine(threadCpuPer(before, after, result.requests), gc, result.requests, seconds) : "no request completed";
    return `${fmt(result.rps)} requests/s, p99 ${fmt(result.p99)} ms | ${line}${result.errors ? ` | ${result.errors}` : ""}`;
  },
});
