// `npm run bench:alloc -- [options] -- node <program…>` (chapters 08, 11 and 14): what a Node program allocates per
// request under a load, by file and by function. Not a suite and never saved: the measurement behind lb/README.md's
// "How much one request allocates". Starts the lb suite's fixed backends (ports 9101–9103), then for each rep the
// program afresh with lib/alloc-hook.mjs preloaded, the suites' 1 s warm-up, and one measured wrk run under V8's
// sampling heap profiler, which counts what the collector freed too. The profiler slows the program (a proxy to about
// a third of its requests/s), so read the bytes, not the pace. With --kept it counts instead what is still alive
// halfway through the run, per connection: the connections' own objects and what the requests in flight keep while
// they wait. --top N lists more or fewer places, --profile FILE keeps each rep's profile for Chrome DevTools (who
// called what); these options of its own: options.ts. The frame of options and reps: lib/load-tool.ts.
import { writeFileSync } from "node:fs";
import { breakdown, breakdownLines, startSampling, stopSampling, withAllocHook } from "../lib/alloc";
import { BACKENDS, LOAD_OPTIONS, runLoadTool, SYSTEM_USAGE } from "../lib/load-tool";
import { ROOT } from "../../tools/lib/manifest";
import { sleep } from "../lib/proc";
import { fmt } from "../lib/report";
import { usageMessage } from "../lib/usage";
import { wrk } from "../lib/wrk";
import { ALLOC_USAGE, takeAllocOptions, type AllocOptions } from "./options";

let options: AllocOptions;
try {
  options = takeAllocOptions(process.argv);
} catch (e) {
  console.error(usageMessage(e));
  process.exit(2);
}
const { kept, top } = options;
/** Which rep is measured, for the name of its profile file. */
let rep = 0;

runLoadTool({
  name: "bench:alloc",
  usage: `usage: npm run bench:alloc -- ${LOAD_OPTIONS} ${ALLOC_USAGE} (--system NAME | [--port P] -- node <program…>)
  ${SYSTEM_USAGE}; here, a Node one.
  --kept counts what is still alive halfway through the run, after a full collection, per connection, instead of
  what is allocated per request: the state the requests in flight keep while they wait and, since wrk opens its
  connections as the run starts, each connection's own objects (its sockets, parser, thread).
  --top N lists the N largest files and functions (default 12). --profile FILE writes each rep's heap profile there
  (FILE, then FILE.2, FILE.3… for further reps), to open in Chrome DevTools' Memory tab, which shows who called what.
  A command starts a Node program, listening on 127.0.0.1:P (default 9200), with lib/alloc-hook.mjs preloaded; the lb
  suite's fixed backends listen on ${BACKENDS.join(", ")} unless --no-backends. For example, chapter 11's proxy as the
  l7 suite runs it:
    npm run bench:alloc -- --conns 64 -- node --max-semi-space-size=32 --import tsx bench/l7/hub-http-proxy.ts --acceptors 64 9200 ${BACKENDS.join(" ")}`,
  defaultConns: 1000,
  command: withAllocHook,
  async measure(program, { port, conns, seconds }) {
    await startSampling(program.pid!, kept);
    const load = wrk(conns, seconds, port);
    // What is alive is read while the load is on (halfway): at its end the requests in flight are gone.
    if (kept) await sleep(seconds * 500);
    const halfway = kept ? await stopSampling(program.pid!) : null;
    const result = await load;
    const profile = halfway ?? (await stopSampling(program.pid!));
    rep++;
    if (options.profile !== null) writeFileSync(rep === 1 ? options.profile : `${options.profile}.${rep}`, JSON.stringify(profile));
    const head = `${fmt(result.rps)} requests/s under the profiler, p99 ${fmt(result.p99)} ms${result.errors ? ` | ${result.errors}` : ""}`;
    if (result.requests === 0) return `${head} | no request completed`;
    const lines = kept ? breakdownLines(breakdown(profile, conns, ROOT), top, "kept") : breakdownLines(breakdown(profile, result.requests, ROOT), top);
    return [head, ...lines].join("\n");
  },
});
