// Chapter 14 demo: `npm run lab 14`. Each lab task's part at work on the virtual clock with fixed seeds (so the
// output is the same on every run): a config's mistakes, a reload's plan, reloads under load, a graceful stop.
import { done, step } from "../00-common/demo";
import { runVirtual, sleep } from "../02-hub/green";
import type { Green } from "../02-hub/suspend";
import { spawn } from "../03-cancellation/greenthread";
import { mulberry32 } from "../05-green-sockets/random";
import { SimNetwork } from "../05-green-sockets/sim-network";
import { HttpClient } from "../07-http/client";
import { serveHttp } from "../07-http/server";
import { startBalancer } from "./balancer";
import { formatIssue, parseConfig, type LbConfig } from "./config";
import { planReload } from "./reload-plan";

import { runDrill } from "./drill";
import { formatReport } from "./drill-report";
import { faultName, QUICK_SCENARIO } from "./drill-scenario";

import { spawn as spawnThread } from "../03-cancellation/greenthread";
import { startElasticProxy } from "../12-elastic/proxy";
import { applyUpdate, backendOf, follow, type BackendView, type ClusterView, type Update } from "./updates";

const log = (line: string): void => console.log(`   ${line}`);
const SEED = 14;

/** The demo's configs: an http listener on the simulated host "lb", backends b1–b3 answering after 20 ms. */
const demoYaml = (o: { port?: number; backends?: readonly string[]; strategy?: string } = {}): string => `listeners:
  web:
    protocol: http
    listen: "lb:${o.port ?? 80}"
    strategy: ${o.strategy ?? "round-robin"}
    backends:
${(o.backends ?? ["b1", "b2"]).map((b) => `      - { name: ${b}, address: "${b}:8080" }`).join("\n")}
drainTimeout: 2000
`;

function config(text: string): LbConfig {
  const r = parseConfig(text);
  if (!r.ok) throw new Error(`the demo's config has mistakes: ${r.errors.map((e) => formatIssue("demo.yaml", e)).join("; ")}`);
  return r.config;
}

/** Backends on `net`, each answering "<name> <target>" after 20 ms. */
function* backends(net: SimNetwork, names: readonly string[]): Green<void> {
  for (const name of names) {
    const l = yield* net.host(name).listen({ host: name, port: 8080 });
    spawn(serveHttp, l, function* (req) {
      yield* req.body.readAll();
      yield* sleep(20);
      return { status: 200, body: `${name} ${req.target}` };
    });
  }
}

await step("Task 1: a config with three mistakes, each on its line and column", () => {
  const text = ["listeners:", "  web:", "    protocol: htp", "    listen: 127.0.0.1:8080", "    backends:", '      - { name: a, address: "127.0.0.1:9001", wieght: 2 }', "  db:", "    protocol: tcp", "    backends: []", ""].join("\n");
  for (const [i, line] of text.split("\n").slice(0, -1).entries()) log(`${String(i + 1).padStart(2)} | ${line}`);
  const r = parseConfig(text);
  if (!r.ok) for (const e of r.errors) log(formatIssue("lb.yaml", e));
});

await step("Task 2: planning a reload: web gets b3, api moves to port 8082, jobs changes strategy, old goes, new comes", () => {
  const listener = (name: string, port: number, extra = "", backends = "b1"): string =>
    `  ${name}: { protocol: tcp, listen: "h:${port}"${extra}, backends: [${backends.split(",").map((b) => `{ name: ${b}, address: "${b}:1" }`).join(", ")}] }`;
  const running = config(["listeners:", listener("web", 80), listener("api", 81), listener("jobs", 82), listener("old", 83), ""].join("\n"));
  const next = config(["listeners:", listener("web", 80, "", "b1,b3"), listener("api", 8082), listener("jobs", 82, ", strategy: p2c"), listener("new", 84), ""].join("\n"));
  const p = planReload(running, next);
  for (const k of ["start", "stop", "rebind", "replace", "reconcile", "keep"] as const) log(`${k.padEnd(9)} [${p[k].join(", ")}]`);
  log(`admin     ${p.admin}`);
});

await step("Task 3: three reloads under load (backends, strategy, port 80 → 82), 8 clients × 25 requests, seed 14", () => {
  const { result } = runVirtual(function* () {
    const net = new SimNetwork({ seed: SEED, latency: 1 });
    yield* backends(net, ["b1", "b2", "b3"]);
    const lb = yield* startBalancer(config(demoYaml()), { network: net.host("lb"), random: mulberry32(SEED) });
    let ok = 0;
    const failed: string[] = [];
    const clients = Array.from({ length: 8 }, (_, i) =>
      spawn(function* () {
        const http = new HttpClient({ network: net.host(`client${i}`) });
        for (let k = 0; k < 25; k++) {
          const a = lb.listeners.get("web")!;
          try {
            const r = yield* http.get(`http://${a.host}:${a.port}/${i}-${k}`);
            if (r.status === 200) ok++;
            else failed.push(`${r.status}`);
          } catch (e) {
            failed.push((e as Error).name);
          }
        }
      }),
    );
    const lines: string[] = [];
    for (const next of [demoYaml({ backends: ["b2", "b3"] }), demoYaml({ backends: ["b2", "b3"], strategy: "least-connections" }), demoYaml({ backends: ["b2", "b3"], strategy: "least-connections", port: 82 })]) {
      yield* sleep(60);
      const r = yield* lb.reload(config(next));
      if (!r.ok) lines.push(`refused: ${r.errors.map((e) => e.message).join("; ")}`);
      for (const c of r.changes) lines.push(c);
    }
    for (const c of clients) yield* c.wait();
    lines.push(`${ok} requests answered 200, ${failed.length} failed; web listens on ${lb.listeners.get("web")!.host}:${lb.listeners.get("web")!.port}`);
    return lines; // the run ends with main: the balancer's threads end with it (task 4 stops one gracefully)
  });
  for (const l of result) log(l);
});

await step("Task 4: a graceful stop with a 500 ms request in flight, deadline 1000 ms", () => {
  const { result, time } = runVirtual(function* () {
    const net = new SimNetwork({ seed: SEED, latency: 1 });
    const l = yield* net.host("b1").listen({ host: "b1", port: 8080 });
    spawn(serveHttp, l, function* () {
      yield* sleep(500);
      return { status: 200, body: "slow but there" };
    });
    const lb = yield* startBalancer(config(demoYaml({ backends: ["b1"] })), { network: net.host("lb"), random: mulberry32(SEED) });
    const http = new HttpClient({ network: net.host("client") });
    const inFlight = spawn(function* (): Green<string> {
      const r = yield* http.request({ method: "GET", url: "http://lb:80/", headers: { Connection: "close" } });
      return `${r.status} ${r.text()}`;
    });
    yield* sleep(100);
    const stopping = spawn(function* () {
      return yield* lb.stop(1000);
    });
    yield* sleep(10);
    let late = "";
    try {
      yield* net.host("late").connect({ host: "lb", port: 80 });
      late = "accepted";
    } catch (e) {
      late = (e as Error).name;
    }
    const report = yield* stopping.wait();
    return [...lb.events.filter((e) => e.startsWith("stop")), `a client arriving during the stop: ${late}`, `the request in flight: ${yield* inFlight.wait()}`, `report: ${JSON.stringify(report)}`];
  });
  for (const l of result) log(l);
  log(`the stop ended at ${Math.round(time)} ms (virtual): when the last connection finished, not at the deadline`);
});

await step(`Task 5: the chaos drill, QUICK_SCENARIO, seed ${QUICK_SCENARIO.seed}: ${QUICK_SCENARIO.faults.map(faultName).join(", ")}; retries on, then off`, () => {
  for (const retries of [true, false]) {
    const run = runDrill(QUICK_SCENARIO, { retries });
    console.log(formatReport(run.report));
    console.log(run.problems.length === 0 ? "verdict: passed\n" : `verdict: FAILED: ${run.problems.join("; ")}\n`);
  }
});

await step("Task 6: a worker applies the primary's updates (versioned; a repeat is stale, a gap asks for a snapshot), seed 14", () => {
  const { result } = runVirtual(function* (): Green<string[]> {
    const net = new SimNetwork({ seed: 14, latency: 1 });
    const b = (name: string, healthy = true): BackendView => ({ listener: "web", name, host: name, port: 8080, weight: 1, healthy });
    for (const name of ["b1", "b2", "b3"]) {
      const l = yield* net.host(name).listen({ host: name, port: 8080 });
      spawnThread(function* (): Green<void> {
        for (;;) {
          const s = yield* l.accept();
          spawnThread(function* (): Green<void> {
            for (let d = yield* s.recv(); d.length > 0; d = yield* s.recv());
            yield* s.sendall(name);
            s.close();
          });
        }
      });
    }
    let view: ClusterView = { version: 1, backends: [b("b1"), b("b2")] };
    const ep = yield* startElasticProxy({ network: net.host("worker"), listen: { host: "worker", port: 80 }, backends: view.backends.map(backendOf), random: mulberry32(14) });
    const six = function* (): Green<string> {
      const got: string[] = [];
      for (let i = 0; i < 6; i++) {
        const c = yield* net.host("client").connect({ host: "worker", port: 80 });
        c.shutdown();
        let text = "";
        for (let d = yield* c.recv(); d.length > 0; d = yield* c.recv()) text += d.toString();
        c.close();
        got.push(text);
      }
      return got.join(" ");
    };
    const lines = [`view v1 [b1, b2]; six connections: ${yield* six()}`];
    const receive = function* (what: string, u: Update): Green<void> {
      const r = applyUpdate(view, u);
      view = r.view;
      if (r.outcome === "applied") follow(ep.membership, "web", view);
      const set = view.backends.map((x) => `${x.name}${x.healthy ? "" : " down"}`).join(", ");
      lines.push(`${what} → ${r.outcome}; view v${view.version} [${set}]; six connections: ${yield* six()}`);
    };
    yield* receive("upsert v2 (b2 down)", { type: "upsert", version: 2, backend: b("b2", false) });
    yield* receive("upsert v2 again (a repeat)", { type: "upsert", version: 2, backend: b("b2", false) });
    yield* receive("upsert v4 (b3 joins; v3 was lost)", { type: "upsert", version: 4, backend: b("b3") });
    yield* receive("snapshot v4 (the primary's answer)", { type: "snapshot", version: 4, backends: [b("b1"), b("b2", false), b("b3")] });
    yield* receive("upsert v5 (b2 up)", { type: "upsert", version: 5, backend: b("b2") });
    yield* ep.shutdown(100);
    return lines;
  });
  for (const line of result) console.log(`   ${line}`);
});

done();
