// Chapter 10 demo: `npm run lab 10`. Each lab task's machine at work, then all of it on chapter 08's proxy with a
// backend that refuses connections. Everything runs on the virtual clock with fixed seeds, so the output is the
// same on every run.
import { done, step } from "../00-common/demo";
import { runVirtual, sleep } from "../02-hub/green";
import type { Green } from "../02-hub/suspend";
import { spawn } from "../03-cancellation/greenthread";
import { mulberry32 } from "../05-green-sockets/random";
import { SimNetwork } from "../05-green-sockets/sim-network";
import type { Address, Socket } from "../05-green-sockets/socket";
import type { Backend } from "../08-tcp-proxy/balancer";
import { fullJitter } from "./backoff";
import { EnvoyBudget } from "./budget";
import type { CheckResult } from "./checker";
import { ejectionTime, mayEject, nextMultiplier } from "./ejection";
import { EnvoyChecker } from "./envoy";
import { HaproxyChecker } from "./haproxy";
import { OutlierDetector } from "./outlier";
import { startHealthyProxy } from "./proxy";
import { successRateOutliers } from "./success-rate";

const log = (line: string): void => console.log(`   ${line}`);
const SEED = 10;
const backend = (name: string): Backend => ({ name, address: { host: name, port: 8080 } });
const RESULTS: CheckResult[] = ["timeout", "pass", "pass", "network", "pass", "status", "timeout", "network", "pass", "pass"];

await step("Task 1: HAProxy's machine, rise 2, fall 3, inter 2000, fastinter 500, downinter 5000", () => {
  const c = new HaproxyChecker({ rise: 2, fall: 3, inter: 2000, fastinter: 500, downinter: 5000 });
  log(`at boot: ${c.healthy ? "UP" : "DOWN"}, health ${c.health}, next check in ${c.interval()} ms`);
  for (const r of RESULTS) {
    c.record(r);
    log(`${r.padEnd(8)} → ${c.healthy ? "UP  " : "DOWN"} health ${c.health}, next check in ${c.interval()} ms`);
  }
});

await step("Task 2: Envoy's machine on the same results, healthy_threshold 2, unhealthy_threshold 3", () => {
  const c = new EnvoyChecker({ healthyThreshold: 2, unhealthyThreshold: 3 });
  log(`at start: ${c.healthy ? "healthy" : "unhealthy"}`);
  for (const r of RESULTS) {
    c.record(r);
    log(`${r.padEnd(8)} → ${c.healthy ? "healthy  " : "unhealthy"} passes ${c.passes}, failures ${c.failures}`);
  }
});

await step("Task 3: outlier detection, consecutive_5xx 5; success rate over six hosts (stdev factor 1.9)", () => {
  const [a, b] = [backend("b1"), backend("b2")];
  const d = new OutlierDetector([a, b], {}, { now: () => 0, random: mulberry32(SEED) });
  const statuses = [503, 500, 200, 502, 503, 500, 504, 503];
  for (const s of statuses) d.record(a, s);
  log(`b1 answers ${statuses.join(", ")}: ejected ${d.isEjected(a)} (${d.events.map((e) => e.reason).join(", ")})`);
  const tallies = [100, 99, 98, 100, 97, 70].map((ok) => ({ total: 100, failed: 100 - ok }));
  log(`success rates ${tallies.map((t) => 100 - t.failed).join(", ")}%: outliers at indexes [${successRateOutliers(tallies).join(", ")}]`);
});

await step("Task 4: ejection time, base 30 s, max 300 s; max_ejection_percent 10", () => {
  let m = 0;
  const times: string[] = [];
  for (let i = 0; i < 12; i++) times.push(`${ejectionTime(30_000, 300_000, (m = nextMultiplier(30_000, 300_000, m))) / 1000}`);
  log(`a host ejected again and again stays out ${times.join(", ")} s`);
  log(`3 hosts: may eject the first? ${mayEject(0, 3, 10)}; a second? ${mayEject(1, 3, 10)}. 20 hosts: a second? ${mayEject(1, 20, 10)}`);
});

await step("Task 5: Envoy's retry budget, 20% of active requests, at least 3", () => {
  const b = new EnvoyBudget();
  for (const active of [5, 50]) {
    while (b.active < active) b.requestStarted();
    let ok = 0;
    while (b.tryRetry()) ok++;
    log(`${active} requests in flight: ${ok} retries allowed at once (max ${b.max()})`);
    while (b.retries > 0) b.retryEnded();
  }
});

await step("Task 6: full jitter, base 25 ms, cap 250 ms (seed 10)", () => {
  const random = mulberry32(SEED);
  for (let attempt = 0; attempt < 5; attempt++) {
    const waits = Array.from({ length: 8 }, () => fullJitter(attempt, 25, 250, random));
    log(`retry ${attempt + 1}: waits ${waits.join(", ")} ms`);
  }
});

function* answer(s: Socket, name: string): Green<void> {
  for (let b = yield* s.recv(); b.length > 0; b = yield* s.recv());
  yield* s.sendall(name);
  s.close();
}

await step("All of it on chapter 08's proxy: 4 backends, b2 refuses from the start; 40 clients, one every 150 ms", () => {
  const LB: Address = { host: "lb", port: 80 };
  const { result } = runVirtual(function* () {
    const net = new SimNetwork({ seed: SEED, latency: 1 });
    const bs = ["b1", "b2", "b3", "b4"].map(backend);
    for (const b of bs) {
      if (b.name === "b2") continue;
      const l = yield* net.host(b.name).listen(b.address);
      spawn(function* () {
        for (;;) spawn(answer, yield* l.accept(), b.name);
      });
    }
    const options = {
      strategy: "round-robin",
      health: { kind: "haproxy", inter: 5000, rise: 2, fall: 3 },
      retry: { maxRetries: 2, budget: { kind: "envoy" } },
    } as const;
    log(`options: ${JSON.stringify(options)}`);
    const hp = yield* startHealthyProxy({ network: net.host("lb"), listen: LB, backends: bs, random: mulberry32(SEED), ...options });
    const got: string[] = [];
    for (let i = 0; i < 40; i++) {
      const c = yield* net.host("client").connect(LB);
      c.shutdown();
      let s = "";
      try {
        for (let b = yield* c.recv(); b.length > 0; b = yield* c.recv()) s += b.toString();
      } catch {
        s = "(reset)"; // no backend took it
      }
      c.close();
      got.push(s);
      yield* sleep(150);
    }
    const out = [
      `answers: ${got.join(" ")}`,
      `retries ${hp.counters.retries}, refused by the budget ${hp.counters.budgetDenied}, backoff ${hp.counters.backoff} ms in all`,
      `ejections: ${hp.outlier!.events.map((e) => `${e.backend.name} at ${e.at} ms (${e.reason})`).join("; ") || "none"}`,
      `active checks: ${hp.monitor!.transitions.map((t) => `${t.backend.name} ${t.healthy ? "healthy" : "unhealthy"} at ${t.at} ms`).join("; ")}`,
    ];
    yield* hp.stop();
    return out;
  });
  for (const line of result) log(line);
});

done();
