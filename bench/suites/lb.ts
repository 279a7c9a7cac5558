// The lb suite (chapter 08): L4 proxies side by side under wrk — our proxy (the splice through one descriptor and
// through chapter 14's 64, the green pipe), a bare Node net+pipe proxy (one descriptor and 64), HAProxy tcp mode
// (default threads and nbthread 1), nginx stream — at 64, 1,000 and 5,000 connections, in front of fixed-response
// and node:http backends. One wrk run yields several figures (req/s,
// latency, CPU, memory), so this suite drives itself (bench/lb/driver.ts on bench/lib/proxy-bench.ts, the engine
// the l7 and obs suites share) and run.ts hands it the options. With --lab, a learner's own proxy beside the course's
// (bench/lb/lab-suite.ts).
import { LB, runLb } from "../lb/driver";
import { LB_LAB } from "../lb/lab-suite";
import { proxySuiteModule } from "../lib/lab-proxies";

export const { suite, main } = proxySuiteModule(LB, runLb, LB_LAB);
