// `npm run bench:alloc -- [options] -- node <program…>` (chapters 08, 11 and 14): what a Node program allocates per
// request under a load, by file and by function. Not a suite and never saved: the measurement behind lb/README.md's
// "How much one request allocates". Starts the lb suite's fixed backends (ports 9101–9103), then for each rep the
// program afresh with lib/alloc-hook.mjs preloaded, the suites' 1 s warm-up, and one measured wrk run under V8's
// sampling heap profiler, which counts what the collector freed too. The profiler slows the program (a proxy to about
// a third of its requests/s), so read the bytes, not the pace. The frame of options and reps: lib/load-tool.ts.
import { breakdown, breakdownLines, startSampling, stopSampling, withAllocHook } from "../lib/alloc";
import { BACKENDS, LOAD_OPTIONS, runLoadTool, SYSTEM_USAGE } from "../lib/load-tool";
import { ROOT } from "../../tools/lib/manifest";
import { fmt } from "../lib/report";
import { wrk } from "../lib/wrk";

runLoadTool({
  name: "bench:alloc",
  usage: `usage: npm run bench:alloc -- ${LOAD_OPTIONS} (--system NAME | [--port P] -- node <program…>)
  ${SYSTEM_USAGE}; here, a Node one.
  A command starts a Node program, listening on 127.0.0.1:P (default 9200), with lib/alloc-hook.mjs preloaded; the lb
  suite's fixed backends listen on ${BACKENDS.join(", ")} unless --no-backends. For example, chapter 11's proxy as the
  l7 suite runs it:
    npm run bench:alloc -- --conns 64 -- node --max-semi-space-size=32 --import tsx bench/l7/hub-http-proxy.ts --acceptors 64 9200 ${BACKENDS.join(" ")}`,
  defaultConns: 1000,
  command: withAllocHook,
  async measure(program, { port, conns, seconds }) {
    await startSampling(program.pid!);
    const result = await wrk(conns, seconds, port);
    const profile = await stopSampling(program.pid!);
    const head = `${fmt(result.rps)} requests/s under the profiler, p99 ${fmt(result.p99)} ms${result.errors ? ` | ${result.errors}` : ""}`;
    if (result.requests === 0) return `${head} | no request completed`;
    return [head, ...breakdownLines(breakdown(profile, result.requests, ROOT))].join("\n");
  },
});
