// Chapter 12 demo: `npm run lab 12`. Each lab task's part at work, then the whole story on the virtual clock:
// an elastic proxy whose backends are added, slow-started, reweighted and drained while clients keep coming.
// Everything runs on the virtual clock with fixed seeds, so the output is the same on every run.
import { done, step } from "../00-common/demo";
import { runVirtual, sleep } from "../02-hub/green";
import type { Green } from "../02-hub/suspend";
import { spawn } from "../03-cancellation/greenthread";
import { mulberry32 } from "../05-green-sockets/random";
import { SimNetwork } from "../05-green-sockets/sim-network";
import type { Address, Socket } from "../05-green-sockets/socket";
import type { Backend } from "../08-tcp-proxy/balancer";
import { HttpClient } from "../07-http/client";
import { startAdmin } from "./admin";
import { Autoscaler, desiredReplicas } from "./autoscaler";
import { plan } from "./reconcile";
import { startElasticProxy } from "./proxy";
import { EnvoySlowStart, HaproxySlowStart } from "./slow-start";
import { rampLoad, simulateFleet } from "./sim";

const log = (line: string): void => console.log(`   ${line}`);
const SEED = 12;
const LB: Address = { host: "lb", port: 80 };
const backend = (name: string): Backend => ({ name, address: { host: name, port: 8080 } });

/** A backend that holds each connection `ms` ms, then answers with its name. */
function* answerAfter(s: Socket, name: string, ms: number): Green<void> {
  for (let b = yield* s.recv(); b.length > 0; b = yield* s.recv());
  yield* sleep(ms);
  yield* s.sendall(name);
  s.close();
}

await step("Task 1: draining b1 while a client holds a 3 s connection to it; drain timeout 10 s", () => {
  const { result } = runVirtual(function* () {
    const net = new SimNetwork({ seed: SEED, latency: 1 });
    const bs = ["b1", "b2"].map(backend);
    for (const b of bs) {
      const l = yield* net.host(b.name).listen(b.address);
      spawn(function* () {
        for (;;) spawn(answerAfter, yield* l.accept(), b.name, 3000);
      });
    }
    const lines: string[] = [];
    const ep = yield* startElasticProxy({ network: net.host("lb"), listen: LB, backends: bs, random: mulberry32(SEED), drainTimeout: 10_000, log: (l) => lines.push(l) });
    const ask = function* (): Green<string> {
      const c = yield* net.host("client").connect(LB);
      c.shutdown();
      let s = "";
      for (let b = yield* c.recv(); b.length > 0; b = yield* c.recv()) s += b.toString();
      c.close();
      return s || "(nothing)";
    };
    const held = spawn(ask); // round robin: this one goes to b1
    yield* sleep(100);
    ep.membership.drain(bs[0]!);
    const after: string[] = [];
    for (let i = 0; i < 4; i++) after.push(yield* ask());
    const first = yield* held.wait();
    lines.push(`the held connection got "${first}"; the four clients after the drain got ${after.join(", ")}`);
    yield* ep.shutdown(1000);
    return lines;
  });
  for (const l of result) log(l);
});

await step("Task 2: planning a discovery source's changes (matched by name)", () => {
  const current = [
    { backend: backend("b1"), weight: 1, draining: false },
    { backend: backend("b2"), weight: 1, draining: false },
    { backend: backend("b3"), weight: 1, draining: true },
  ];
  const wanted = [
    { name: "b1", host: "b1", port: 8080, weight: 3 },
    { name: "b3", host: "b3", port: 8080 },
    { name: "b4", host: "b4", port: 8080 },
  ];
  log(`members: b1 (weight 1), b2, b3 (draining); wanted: b1 weight 3, b3, b4`);
  const p = plan(current, wanted);
  log(`add [${p.add.map((w) => w.name).join(", ")}], drain [${p.drain.map((b) => b.name).join(", ")}], reweight [${p.reweight.map((r) => `${r.backend.name} → ${r.weight}`).join(", ")}]`);
  log(`(b3 is still draining: it is added again once it is gone)`);
});

await step("Task 3: HAProxy's slowstart 10 s: the weight in sixteenths, and maxconn 100", () => {
  const ss = new HaproxySlowStart(10_000);
  const at = [0, 1, 2, 5, 9, 10].map((s) => s * 1000);
  log(`weight: ${at.map((ms) => `${ms / 1000} s ${ss.weightFactor(ms) * 16}/16`).join(", ")}`);
  log(`maxconn: ${at.map((ms) => `${ms / 1000} s ${ss.maxConnections(ms, 100)}`).join(", ")}`);
});

await step("Task 4: Envoy's slow start, window 10 s, min_weight_percent 10, aggression 1 and 2", () => {
  for (const aggression of [1, 2]) {
    const ss = new EnvoySlowStart(10_000, { aggression });
    log(`aggression ${aggression}: ${[0, 500, 2500, 5000, 9000, 10_000].map((ms) => `${ms / 1000} s ${ss.weightFactor(ms).toFixed(3)}`).join(", ")}`);
  }
});

await step("Task 5: the HPA's replica count, target 50 requests/s a backend, tolerance 0.1", () => {
  for (const [current, metric] of [[3, 80], [3, 54], [3, 56], [10, 20], [4, 50]] as const) {
    log(`${current} backends at ${metric}/s each → ${desiredReplicas(current, metric, 50)}`);
  }
});

await step("Task 6: stabilization (scale-down window 300 s) and the scale-up policies (100% or 4 pods per 15 s)", () => {
  const hpa = new Autoscaler({ minReplicas: 2, maxReplicas: 20, target: 50 });
  let n = 2;
  const changes: string[] = [];
  for (let t = 0; t <= 450_000; t += 15_000) {
    const total = t < 60_000 ? 1000 : 40; // requests/s over the fleet: 1000 for a minute, then 40
    const before = n;
    n = hpa.decide(t, n, total / n);
    if (n !== before) changes.push(`at ${t / 1000} s ${before} → ${n}`);
  }
  log(`1000 requests/s for a minute, then 40, a decision every 15 s: ${changes.join(", ")}`);
});

await step("All of it: the story, scaled down (8 → 80 requests/s, 10 a backend, scale-down window 60 s), seed 12", () => {
  const config = {
    seed: SEED,
    duration: 480_000,
    load: rampLoad(8, 80),
    serviceTime: 20,
    coldPenalty: 2,
    warmup: 30_000,
    boot: 5_000,
    hpa: { minReplicas: 2, maxReplicas: 12, target: 10, scaleDown: { stabilizationWindow: 60_000 } },
    slowStart: { kind: "haproxy", slowstart: 30_000 },
    sampleEvery: 30_000,
  } as const;
  const { load: _load, hpa, slowStart, ...rest } = config;
  log(`options: ${JSON.stringify(rest)}`);
  log(`slowStart: ${JSON.stringify(slowStart)}; load: 8 → 80 → 8 requests/s`);
  log(`hpa: ${JSON.stringify(hpa)}`);
  const r = simulateFleet(config);
  log(`backends every 30 s: ${r.samples.map((s) => s.active).join(" ")}`);
  log(`${r.requests} requests, ${r.failed} failed, ${r.cut} cut; at most ${r.peak} backends`);
  for (const e of r.events.filter((l) => / (add|drain) /.test(l)).slice(0, 6)) log(e);
});

await step("The admin API on chapter 07's server: list, add b3, reweight it, bad input, drain it (token set)", () => {
  const { result } = runVirtual(function* () {
    const net = new SimNetwork({ seed: SEED, latency: 1 });
    const bs = ["b1", "b2"].map(backend);
    const ep = yield* startElasticProxy({ network: net.host("lb"), listen: LB, backends: bs, random: mulberry32(SEED) });
    const admin = yield* startAdmin({ network: net.host("lb"), listen: { host: "lb", port: 9000 }, membership: ep.membership, token: "s3cret", healthy: ep.usable });
    const http = new HttpClient({ network: net.host("ops") });
    const auth = { Authorization: "Bearer s3cret", "Content-Type": "application/json" };
    const out: string[] = [];
    const call = function* (method: string, path: string, body?: unknown, headers: Record<string, string> = auth): Green<void> {
      const r = yield* http.request({ method, url: `http://lb:9000${path}`, headers, body: body === undefined ? undefined : JSON.stringify(body) });
      const line = `${method} ${path}${body === undefined ? "" : ` ${JSON.stringify(body)}`} → ${r.status} ${r.text().trim()}`;
      out.push(line.length > 150 ? `${line.slice(0, 149)}…` : line);
    };
    yield* call("GET", "/backends", undefined, {});
    yield* call("POST", "/backends", { name: "b3", host: "b3", port: 8080, weight: 2 });
    yield* call("PUT", "/backends/b3/weight", { weight: 300 });
    yield* call("PUT", "/backends/b3/weight", { weight: 4 });
    yield* call("POST", "/backends/b3/drain", { timeout: 5000 });
    admin.close();
    yield* ep.shutdown(1000);
    return out;
  });
  for (const l of result) log(l);
});

done();
