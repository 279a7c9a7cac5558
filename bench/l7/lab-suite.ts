// `npm run bench -- l7 --lab`: a learner's own chapter 11 HTTP proxy (lab-proxy.ts) beside the course's on the same
// one descriptor, HAProxy http and node's http-proxy with a keep-alive agent, after one request through it
// (bench/lib/lab-proxies.ts). The aims are the suite's against those two peers, for the learner's proxy.
import { labName, yours } from "../lib/lab";
import { type LabProxies, labProxySystem, named } from "../lib/lab-proxies";
import { balancerNode } from "../lib/proxy-bench";
import { L7, SYSTEMS } from "./driver";

const DIRS = ["00-common", "02-hub", "03-cancellation", "04-primitives", "05-green-sockets", "07-http", "08-tcp-proxy", "09-strategies", "10-health", "11-http-proxy"];
const COURSE = "hub http proxy";
const HAPROXY = "haproxy http";
/** The Node peer of the suite's aims (driver.ts's name for it). */
const KEEP_ALIVE = "node http-proxy keep-alive on 64 acceptors";

export const L7_LAB: LabProxies = {
  suite: L7,
  dirs: DIRS,
  labs: [
    // With the balancer's Node flags, as the course's proxy and the Node peers beside it run.
    labProxySystem(yours(COURSE), DIRS, (_dir, backends) => balancerNode("bench/l7/lab-proxy.ts", String(L7.listen), ...backends.map(String))),
  ],
  beside: named(SYSTEMS, [COURSE, HAPROXY, KEEP_ALIVE]),
  aims: [
    { aim: "requests/s ≥ 0.6× HAProxy http mode's (default threads)", figure: "rps", peer: HAPROXY, ok: (r) => r >= 0.6, also: "cpu" },
    { aim: "requests/s ≥ 1.5× node http-proxy's with a keep-alive agent", figure: "rps", peer: KEEP_ALIVE, ok: (r) => r >= 1.5, also: "cpu" },
  ],
  about: () => `yours: chapter 11's HTTP proxy, and every chapter it builds on, as written in ${labName()}, on one descriptor`,
};

