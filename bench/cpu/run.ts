// `npm run bench:cpu -- [options] -- <program…>` (chapters 08, 11 and 13): where a proxy's CPU goes under a load, from
// Linux perf's samples, in microseconds per request: each system call's kernel time, and the user-space code by part
// (our chapters, Node's streams, the collector, the event loop), beside wrk's figures, in full detail. Never saved: the
// cpu suite (`npm run bench cpu`, driver.ts) saves the same measurement of six systems, in coarser parts. Any program
// can be measured (HAProxy, nginx); a Node one runs with --perf-basic-prof added, so that its compiled JavaScript has
// names. Starts the lb suite's fixed backends (ports 9101–9103), then for each rep the program afresh, the suites' 1 s
// warm-up, and one measured wrk run, over which perf samples the program's threads (999 times a second, with call
// chains) and /proc counts its CPU (record.ts). Parts: lib/perf-profile.ts; the frame of options and reps:
// lib/load-tool.ts.
import { BACKENDS, LOAD_OPTIONS, runLoadTool, SYSTEM_USAGE } from "../lib/load-tool";
import { profileLines, withPerfMap } from "../lib/perf-profile";
import { fmt } from "../lib/report";
import { PERF_INSTALL, perfMissing, recordUnderLoad } from "./record";

runLoadTool({
  name: "bench:cpu",
  usage: `usage: npm run bench:cpu -- ${LOAD_OPTIONS} (--system NAME | [--port P] -- <command…>)
  ${SYSTEM_USAGE}.
  A command starts a program listening on 127.0.0.1:P (default 9200); a Node program gets --perf-basic-prof. The lb
  suite's fixed backends listen on ${BACKENDS.join(", ")} unless --no-backends. Needs Linux perf (${PERF_INSTALL};
  $PERF names another perf binary).
  For example, chapter 11's proxy and HAProxy as the l7 suite runs them:
    npm run bench:cpu -- --system "hub http proxy on 64 acceptors"
    npm run bench:cpu -- --system "haproxy http"`,
  defaultConns: 64,
  needs: perfMissing,
  command: withPerfMap,
  async measure(program, run) {
    const r = await recordUnderLoad(program.pid!, run);
    if (r === null) return "no request completed";
    const { wrk: result, cpu, profile } = r;
    const head =
      `${fmt(result.rps)} requests/s, p99 ${fmt(result.p99)} ms | CPU per request ${fmt(cpu.cpu)} µs (user ${fmt(cpu.user)}, ` +
      `kernel ${fmt(cpu.kernel)}) | ${profile.samples.toLocaleString("en-US")} samples, ${fmt((100 * profile.mainThread) / Math.max(1, profile.samples))}% ` +
      `on the main thread${result.errors ? ` | ${result.errors}` : ""}`;
    return [head, ...profileLines(profile, cpu.cpu)].join("\n");
  },
});
