// `npm run bench -- lb --lab`: a learner's own chapter 08 proxy (lab-proxy.ts), with their green pipe and with the
// lab's splice, beside the course's two relays on the same one descriptor, the bare Node pipe and HAProxy, after one
// request through each (bench/lib/lab-proxies.ts). The aims are the suite's against the pipe, for the learner's splice.
import { labName, yours } from "../lib/lab";
import { type LabProxies, labProxySystem, named } from "../lib/lab-proxies";
import { node } from "../lib/proc";
import { LB, SYSTEMS } from "./driver";

const DIRS = ["02-hub", "03-cancellation", "04-primitives", "05-green-sockets", "08-tcp-proxy"];
const PIPE = "node net+pipe";
const mirrors = ["hub (splice)", "hub (green pipe)"];

export const LB_LAB: LabProxies = {
  suite: LB,
  dirs: DIRS,
  labs: [
    labProxySystem(yours(mirrors[0]!), DIRS, (_dir, backends) => node("bench/lb/lab-proxy.ts", "splice", String(LB.listen), ...backends.map(String))),
    labProxySystem(yours(mirrors[1]!), DIRS, (_dir, backends) => node("bench/lb/lab-proxy.ts", "green", String(LB.listen), ...backends.map(String))),
  ],
  beside: named(SYSTEMS, [...mirrors, PIPE, "haproxy"]),
  aims: [
    { aim: "requests/s ≥ 1.0× the Node pipe's", figure: "rps", peer: PIPE, ok: (r) => r >= 1, also: "cpu" },
    { aim: "CPU per request ≤ 1.05× the Node pipe's", figure: "cpu", peer: PIPE, ok: (r) => r <= 1.05, also: "rps" },
  ],
  about: () =>
    `yours: chapter 08's proxy as written in ${labName()} (your round robin, accept loop and failover; your green pipe, and the lab's splice), on one descriptor`,
};

