// The l7 suite (chapter 11): HTTP proxies side by side under wrk — our HTTP proxy, HAProxy `mode http` (default
// threads and nbthread 1), nginx with upstream keepalive, node http-proxy (defaults, and with a keep-alive agent) — at
// 64, 1,000 and 5,000 connections, in front of fixed-response and node:http backends. One wrk run yields several
// figures, so this suite drives itself (bench/l7/driver.ts on bench/lib/proxy-bench.ts) and run.ts hands it the options.
// With --lab, a learner's own HTTP proxy beside the course's (bench/l7/lab-suite.ts).
import { L7, runL7 } from "../l7/driver";
import { L7_LAB } from "../l7/lab-suite";
import { proxySuiteModule } from "../lib/lab-proxies";

export const { suite, main } = proxySuiteModule(L7, runL7, L7_LAB);
