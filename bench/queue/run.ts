// `npm run bench:queue -- [options] -- <command…>` (chapters 08 and 11): how many clients a proxy leaves in its
// accept queue while wrk runs, beside wrk's figures. Not a suite and never saved: the measurement behind
// lb/README.md's "At 5,000 connections: most clients are never accepted". Starts the lb suite's fixed backends
// (ports 9101–9103), then for each rep the command afresh, the suites' 1 s warm-up, and one measured wrk run while
// the queue on --port is sampled, as the proxy suites sample it: "when the run ended" is the last sample, half a
// second before wrk's, when the clients accepted are counted too. The frame of options and reps: lib/load-tool.ts.
import { queueLine, watchWrkRun } from "../lib/accept-queue";
import { BACKENDS, LOAD_OPTIONS, runLoadTool, SYSTEM_USAGE } from "../lib/load-tool";
import { wrk } from "../lib/wrk";

runLoadTool({
  name: "bench:queue",
  usage: `usage: npm run bench:queue -- ${LOAD_OPTIONS} (--system NAME | [--port P] -- <command…>)
  ${SYSTEM_USAGE}.
  A command starts the program under test, listening on 127.0.0.1:P (default 9200); the lb suite's fixed backends
  listen on ${BACKENDS.join(", ")} unless --no-backends. For example, chapter 08's proxy as the lb suite runs it:
    npm run bench:queue -- --conns 5000 -- node --import tsx bench/lb/hub-proxy.ts splice 9200 ${BACKENDS.join(" ")}`,
  defaultConns: 5000,
  async measure(_program, { port, conns, seconds }) {
    const watch = watchWrkRun(port, seconds);
    const result = await wrk(conns, seconds, port).catch(async (e: unknown) => {
      await watch.stop().catch(() => undefined); // wrk's failure is the one to report
      throw e;
    });
    return queueLine(await watch.stop(), result);
  },
});
