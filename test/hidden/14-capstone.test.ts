// Instructor-only tests for lab 14-capstone: edge cases the public tests leave out. Graded by the instructor's
// grader and the Gradescope autograder; never handed out with the student edition.
import { describe, expect, it } from "vitest";
import { sleep } from "@target/02-hub/green";
import type { Green } from "@target/02-hub/suspend";
import { spawn } from "@target/03-cancellation/greenthread";
import { mulberry32 } from "@target/05-green-sockets/random";
import type { SimNetwork } from "@target/05-green-sockets/sim-network";
import type { Socket } from "@target/05-green-sockets/socket";
import { HttpClient } from "@target/07-http/client";
import { serveHttp } from "@target/07-http/server";
import { startBalancer } from "@target/14-capstone/balancer";
import { parseConfig, type LbConfig } from "@target/14-capstone/config";
import { Front, HandoffListener } from "@target/14-capstone/front";
import { planReload } from "@target/14-capstone/reload-plan";
import { SEED, server, simulate } from "../support/net";

import { parseSeeds } from "@target/14-capstone/drill-cli";
import { runDrill } from "@target/14-capstone/drill";
import { firstTimeIn, percentile, summarize, verdict, type DrillEvent } from "@target/14-capstone/drill-report";
import { checkScenario, QUICK_SCENARIO, type Scenario } from "@target/14-capstone/drill-scenario";

import { mulberry32 as workersRandom } from "@target/05-green-sockets/random";
import { applyUpdate, EMPTY_VIEW, type BackendView, type ClusterView, type Update } from "@target/14-capstone/updates";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isAlive, spawnGroup } from "../../tools/lib/process-group";
import { ask, getJson, startBackend, exitWithin, startClusterProcess, stopRightAfterAWorkerDies, treeUnderTest, type WorkersView } from "../support/cluster";
import { replayWith, SEED as WORKERS_SEED } from "../support/net";

function good(text: string): LbConfig {
  const r = parseConfig(text);
  if (!r.ok) throw new Error(`the test's config has mistakes: ${r.errors.map((e) => `${e.line}:${e.column} ${e.path}: ${e.message}`).join("; ")}`);
  return r.config;
}

/** TCP backends, host `name` port 7000, each echoing every line back with its name in front. */
function* echoBackends(net: SimNetwork, names: readonly string[]): Green<void> {
  for (const name of names) {
    yield* server(net.host(name), { host: name, port: 7000 }, function* (s: Socket) {
      for (let line = yield* s.recvLine(); line.length > 0; line = yield* s.recvLine()) yield* s.sendall(`${name} ${line.toString()}`);
    });
  }
}

const tcpYaml = (port: number, backends: readonly string[], drainTimeout = 5000): string => `
listeners:
  raw:
    protocol: tcp
    listen: "lb:${port}"
    backends:
${backends.map((n) => `      - { name: ${n}, address: "${n}:7000" }`).join("\n")}
drainTimeout: ${drainTimeout}
`;

describe("task 1: config mistakes with their lines and columns (hidden)", () => {
  it("a strategy written as a string is placed at the string; a name listed twice at its second place; an empty file misses listeners (1 pts)", () => {
    const text = ["listeners:", "  web:", "    protocol: http", "    listen: h:80", "    strategy: fastest", "    backends: [{ name: a, address: 'a:1' }]", ""].join("\n");
    const r = parseConfig(text);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors.map((e) => `${e.line}:${e.column} ${e.path}`)).toEqual(["5:15 listeners.web.strategy.name"]);
    const twice = parseConfig(["listeners:", "  web:", "    protocol: tcp", "    listen: h:80", "    backends:", "      - { name: a, address: 'a:1' }", "      - { name: a, address: 'a:2' }", ""].join("\n"));
    expect(twice.ok).toBe(false);
    if (!twice.ok) expect(twice.errors.map((e) => `${e.line}:${e.column} ${e.path}: ${e.message}`)).toEqual(['7:17 listeners.web.backends[1].name: the backend name "a" is listed twice']);
    const empty = parseConfig("");
    expect(empty.ok).toBe(false);
    if (!empty.ok) expect(empty.errors).toEqual([{ path: "listeners", line: 1, column: 1, message: 'missing "listeners"' }]);
  });
});

describe("task 2: planning a reload (hidden)", () => {
  it("a listener whose address and backends both changed is rebound, not reconciled; a new protocol or a discovery file replaces (1 pts)", () => {
    const a = good(`
listeners:
  x: { protocol: tcp, listen: "h:1", backends: [{ name: b, address: "b:1" }] }
  y: { protocol: tcp, listen: "h:2", backends: [{ name: b, address: "b:1" }] }
  z: { protocol: tcp, listen: "h:3", backends: [{ name: b, address: "b:1" }] }
`);
    const b = good(`
listeners:
  x: { protocol: tcp, listen: "h:11", backends: [{ name: c, address: "c:1" }] }
  y: { protocol: http, listen: "h:2", backends: [{ name: b, address: "b:1" }] }
  z: { protocol: tcp, listen: "h:3", discovery: { file: backends.yaml } }
`);
    expect(planReload(a, b)).toEqual({ start: [], stop: [], rebind: ["x"], replace: ["y", "z"], reconcile: [], keep: [], admin: "keep" });
  });
});

describe("task 3: the listener swap (hidden)", () => {
  it("a reload whose new port is taken is refused and changes nothing; the next one moves, and the old connection goes on (1 pts)", () => {
    const { result } = simulate({ seed: SEED, latency: 1 }, function* (net) {
      yield* echoBackends(net, ["t1", "t2"]);
      const taken = yield* net.host("lb").listen({ host: "lb", port: 82 });
      const lb = yield* startBalancer(good(tcpYaml(81, ["t1"])), { network: net.host("lb"), random: mulberry32(SEED) });
      const held = yield* net.host("c").connect({ host: "lb", port: 81 });
      yield* held.sendall("one\n");
      const one = (yield* held.recvLine()).toString();
      const refused = yield* lb.reload(good(tcpYaml(82, ["t2"])));
      const still = { port: lb.listeners.get("raw")!.port, members: [...lb.generation("raw")!.membership.members.keys()].map((b) => b.name) };
      taken.close();
      const moved = yield* lb.reload(good(tcpYaml(82, ["t2"])));
      const fresh = yield* net.host("c").connect({ host: "lb", port: 82 });
      yield* fresh.sendall("fresh\n");
      const freshAnswer = (yield* fresh.recvLine()).toString();
      yield* held.sendall("two\n");
      const two = (yield* held.recvLine()).toString();
      held.close();
      fresh.close();
      yield* sleep(10);
      return { one, refused: { ok: refused.ok, messages: refused.errors.map((e) => e.message) }, still, moved: moved.ok, freshAnswer, two };
    });
    expect(result.refused.ok).toBe(false);
    expect(result.refused.messages.join(" ")).toContain('listener "raw" cannot listen on lb:82');
    expect(result.still, "the old config keeps running").toEqual({ port: 81, members: ["t1"] });
    expect(result.moved).toBe(true);
    expect(result.freshAnswer, "a new connection goes to the new port and the new backends").toBe("t2 fresh\n");
    expect([result.one, result.two], "the connection opened before the move goes on with its backend").toEqual(["t1 one\n", "t1 two\n"]);
  });
});

describe("task 4: the graceful stop (hidden)", () => {
  it("a generation still draining from a reload is cut at the stop's deadline; a second stop returns the same report; a reload while stopping is refused (1 pts)", () => {
    const { result } = simulate({ seed: SEED, latency: 1 }, function* (net) {
      yield* echoBackends(net, ["t1"]);
      for (const name of ["h1"]) {
        const l = yield* net.host(name).listen({ host: name, port: 8080 });
        spawn(serveHttp, l, function* () {
          return { status: 200, body: "ok" };
        });
      }
      const lb = yield* startBalancer(good(tcpYaml(81, ["t1"], 60_000)), { network: net.host("lb"), random: mulberry32(SEED) });
      const held = yield* net.host("c").connect({ host: "lb", port: 81 }); // stays open: the old generation drains for 60 s
      yield* held.sendall("hi\n");
      yield* held.recvLine();
      yield* lb.reload(good(tcpYaml(82, ["t1"], 60_000)));
      const first = spawn(function* () {
        return yield* lb.stop(500);
      });
      yield* sleep(1);
      const duringStop = yield* lb.reload(good(tcpYaml(83, ["t1"], 60_000)));
      const second = yield* lb.stop(10);
      return { first: yield* first.wait(), second, duringStop: duringStop.errors.map((e) => e.message) };
    });
    expect(result.first).toEqual({ finished: 0, cut: 1 });
    expect(result.second, "a second call waits for the same stop").toEqual(result.first);
    expect(result.duringStop).toEqual(["the balancer is stopping"]);
  });
});

describe("task 5: the chaos drill's report", () => {
  const req = (start: number, ms: number, ok = true): DrillEvent => ({ kind: "request", start, end: start + ms, ok });
  const state = (t: number, backend: string, usable: boolean): DrillEvent => ({ kind: "state", t, backend, usable });

  it("percentile: p100 is the largest, a tiny p the smallest, one value is every percentile (1 pts)", () => {
    expect(percentile([3, 9, 1, 7], 100)).toBe(9);
    expect(percentile([3, 9, 1, 7], 0.1), "ceil(0.001 × 4) = 1st").toBe(1);
    expect(percentile([42], 99)).toBe(42);
    expect(percentile([2, 2, 2, 10], 75), "ceil(0.75 × 4) = 3rd").toBe(2);
  });

  it("a reload: the removed backend's time out and the added one's time in, both from the reload; an empty window's p99 is null (1 pts)", () => {
    const s: Scenario = {
      seed: 1, backends: ["b1", "b2"], duration: 2000, rate: 10, service: { min: 1, mean: 1 }, clientTimeout: 1000,
      faults: [{ kind: "reload", at: 1000, for: 500, add: ["b3"], remove: ["b2"] }],
    };
    const log = [req(100, 10), state(1000, "b2", false), state(1040, "b3", true), req(1600, 5)];
    const r = summarize(s, true, log);
    expect(r.windows[1], "the reload").toEqual({ name: "reload +b3 -b2", from: 1000, to: 1500, requests: 0, lost: 0, p99: null, outAfter: 0, backAfter: 40 });
    expect(firstTimeIn(log, "b3", true, 0, 1000, false), "b3 is not usable before it is added").toBeNull();
    expect(verdict(s, r), "nothing lost, the added backend got in").toEqual([]);
  });

  it("a flap or a partition taken out but never back fails the verdict; bad scenarios and seed ranges are refused (1 pts)", () => {
    const s: Scenario = {
      seed: 1, backends: ["b1"], duration: 3000, rate: 10, service: { min: 1, mean: 1 }, clientTimeout: 1000,
      faults: [{ kind: "partition", backend: "b1", at: 1000, for: 500 }],
    };
    const r = summarize(s, true, [req(1100, 1000, false), state(1200, "b1", false)]);
    expect(verdict(s, r)).toEqual(["1 of 1 requests lost", "partition b1: never used again"]);
    expect(() => checkScenario({ ...s, faults: [{ kind: "kill", backend: "b9", at: 10, for: 10 }] })).toThrow("names an unknown backend");
    expect(() => checkScenario({ ...s, faults: [{ kind: "kill", backend: "b1", at: 5000, for: 10 }] })).toThrow("is outside the run");
    expect(parseSeeds("3..5")).toEqual([3, 4, 5]);
    expect(() => parseSeeds("5..3")).toThrow("is empty");
    expect(() => runDrill({ ...QUICK_SCENARIO, backends: [] })).toThrow("no backends");
  });
});

const hv = (name: string, over: Partial<BackendView> = {}): BackendView => ({ listener: "web", name, host: name, port: 8080, weight: 1, healthy: true, ...over });

describe("task 6: applyUpdate (instructor)", () => {
  it("after a snapshot that ends a gap, the changes it covered are stale and the ones after it apply on top (1 pts)", () => {
    let v: ClusterView = { version: 2, backends: [hv("b1")] };
    expect(applyUpdate(v, { type: "upsert", version: 4, backend: hv("b3") }).outcome).toBe("gap");
    v = applyUpdate(v, { type: "snapshot", version: 5, backends: [hv("b1"), hv("b2"), hv("b3")] }).view;
    expect(applyUpdate(v, { type: "upsert", version: 4, backend: hv("b3", { weight: 9 }) }).outcome, "version 4 is inside the snapshot").toBe("stale");
    expect(applyUpdate(v, { type: "remove", version: 5, listener: "web", name: "b1" }).outcome, "version 5 is the snapshot's own").toBe("stale");
    const r = applyUpdate(v, { type: "remove", version: 6, listener: "web", name: "b1" });
    expect(r.outcome).toBe("applied");
    expect(r.view.backends.map((b) => b.name)).toEqual(["b2", "b3"]);
  });

  it("a seeded stream of changes, delivered with repeats, swaps and losses, ends in the primary's view once gaps are answered with snapshots (1 pts)", () => {
    const seed = WORKERS_SEED;
    const random = workersRandom(seed);
    const replay = replayWith("test/hidden/14-capstone.test.ts")(seed);
    let primary: ClusterView = { version: 1, backends: [hv("b0")] };
    const sent: Update[] = [];
    for (let i = 0; i < 300; i++) {
      const name = `b${Math.floor(random() * 6)}`;
      const listener = random() < 0.2 ? "api" : "web";
      const u: Update = random() < 0.3
        ? { type: "remove", version: primary.version + 1, listener, name }
        : { type: "upsert", version: primary.version + 1, backend: hv(name, { listener, weight: 1 + Math.floor(random() * 5), healthy: random() < 0.7 }) };
      primary = applyUpdate(primary, u).view;
      sent.push(u);
    }
    // The channel: each message may be lost, repeated, or swapped with the next.
    const delivered: Update[] = [];
    for (let i = 0; i < sent.length; i++) {
      const r = random();
      if (r < 0.05) continue;
      if (r < 0.15 && i + 1 < sent.length) {
        delivered.push(sent[i + 1]!, sent[i]!);
        i++;
        continue;
      }
      delivered.push(sent[i]!);
      if (r > 0.9) delivered.push(sent[i]!);
    }
    let worker: ClusterView = { version: 1, backends: [hv("b0")] };
    let snapshots = 0;
    for (const u of delivered) {
      const r = applyUpdate(worker, u);
      worker = r.view;
      if (r.outcome === "gap") {
        // The primary answers with its view as of the last message sent before this one.
        const upTo = sent.slice(0, sent.indexOf(u)).reduce((v, x) => applyUpdate(v, x).view, { version: 1, backends: [hv("b0")] } as ClusterView);
        worker = applyUpdate(worker, { type: "snapshot", version: upTo.version, backends: upTo.backends }).view;
        worker = applyUpdate(worker, u).view;
        snapshots++;
      }
    }
    const last = sent[sent.length - 1]!;
    worker = applyUpdate(worker, last.version > worker.version ? { type: "snapshot", version: primary.version, backends: primary.backends } : last).view;
    expect(worker, `${replay}; ${snapshots} snapshot(s) asked for`).toEqual(primary);
    expect(applyUpdate(EMPTY_VIEW, sent[0]!).outcome, "version 2 on an empty view is a gap").toBe("gap");
  });

  it("given code, on loopback: a message to a worker that has just died (it still looks connected) fails with EPIPE, and the primary logs it and goes on: the stop still ends with exit code 0 (1 pts)", async () => {
    const backend = await startBackend("b1");
    try {
      const { code, out } = await stopRightAfterAWorkerDies(backend.port);
      expect(out, "the worker died before the stop was sent").toMatch(/worker 1 \(pid \d+\) stopped \(SIGKILL\)/);
      expect(out, "the failed write is logged, not thrown").toMatch(/worker 1 \(pid \d+\): (write EPIPE|.*ECONNRESET)/);
      expect(out).not.toContain("Unhandled 'error' event");
      expect(code, out).toBe(0);
      expect(out).toContain("stopped: 0");
    } finally {
      await backend.close();
    }
  }, 90_000);

  it("given code, on loopback: a SIGHUP and a SIGUSR1 that arrive while the workers start are acted on once the cluster runs, where Node's defaults ended the primary or opened its debugger's port (1 pts)", async () => {
    const backends = [await startBackend("b1")];
    let cluster: Awaited<ReturnType<typeof startClusterProcess>> | null = null;
    try {
      // At the primary's first line it reads the config and starts its workers, which take seconds to be ready.
      cluster = await startClusterProcess(backends, 1, {}, (child) => {
        child.kill("SIGUSR1");
        child.kill("SIGHUP");
      });
      const c = cluster;
      const reloaded = await c.until(async () => c.output().includes("reload: nothing changed"), 10_000);
      expect(reloaded, `the early SIGHUP reloads once the cluster runs; output: ${c.output()}`).toBe(true);
      expect(c.output(), "SIGUSR1 is the balancer's, not the debugger's").not.toMatch(/Debugger listening/);
      expect(await ask(c.port)).toBe("b1");
      c.child.kill("SIGTERM");
      const code = await exitWithin(c.exited);
      expect(code, c.output()).toBe(0);
    } finally {
      cluster?.group.kill();
      for (const b of backends) await b.close();
    }
  }, 150_000);

  it("given code, on loopback: a worker killed is forked again, starts from a snapshot that has a backend already down, and sends it nothing (1 pts)", async () => {
    const backends = [await startBackend("b1"), await startBackend("b2")];
    let cluster: Awaited<ReturnType<typeof startClusterProcess>> | null = null;
    try {
      cluster = await startClusterProcess(backends, 2);
      const c = cluster;
      backends[1]!.sick = true;
      const down = await c.until(async () => {
        const b = await getJson<{ backends: { name: string; healthy: boolean }[] }>(c.adminPort, "/admin/listeners/web/backends");
        return b.backends.find((x) => x.name === "b2")?.healthy === false;
      }, 15_000);
      expect(down, `the primary marks b2 down within 15 s; output: ${c.output()}`).toBe(true);
      const first = await getJson<WorkersView>(c.adminPort, "/workers");
      const victim = first.workers[0]!.pid;
      process.kill(victim, "SIGKILL");
      const replaced = await c.until(async () => {
        const w = await getJson<WorkersView>(c.adminPort, "/workers");
        return w.workers.length === 2 && !w.workers.some((x) => x.pid === victim) && w.workers.every((x) => x.version === w.version) ? w : null;
      }, 60_000);
      expect(replaced, `a new worker replaces pid ${victim} within 60 s (it compiles its program first); output: ${c.output()}`).toBeTruthy();
      const before = backends[1]!.served;
      const answers: string[] = [];
      for (let i = 0; i < 40; i += 4) answers.push(...(await Promise.all([0, 1, 2, 3].map(() => ask(c.port)))));
      expect(answers.filter((x) => x !== "b1"), "every answer from b1").toEqual([]);
      expect(backends[1]!.served - before, "b2, down, got nothing from the new worker either").toBe(0);
      const w = await c.until(async () => {
        const x = await getJson<WorkersView>(c.adminPort, "/workers");
        return x.workers.every((y) => y.accepted > 0) ? x : null;
      }, 10_000);
      expect(w, "both workers, the new one too, accepted connections").toBeTruthy();
      c.child.kill("SIGTERM");
      const code = await exitWithin(c.exited);
      expect(code, c.output()).toBe(0);
      expect(w!.workers.map((x) => x.pid).filter(isAlive), "no worker left").toEqual([]);
    } finally {
      cluster?.group.kill();
      for (const b of backends) await b.close();
    }
  }, 150_000);
});


describe("given code: what a vanishing listener or a bad request leaves behind (instructor)", () => {
  it("given code: a front that closes resets the clients it handed over that no proxy accepted yet (a proxy at its connection limit), queued across a swap too, where they had hung (1 pts)", () => {
    simulate({ seed: SEED, latency: 1 }, function* (net) {
      const h1 = new HandoffListener({ host: "lb", port: 80 });
      const front = yield* Front.bind(net.host("lb"), { host: "lb", port: 80 }, h1);
      const client = yield* net.host("client").connect({ host: "lb", port: 80 });
      yield* sleep(5); // the front accepted it and queued it on h1, which nobody accepts from
      const h2 = new HandoffListener({ host: "lb", port: 80 });
      yield* front.swap(h2); // your swap (task 3) moves it to h2, where nobody accepts it either
      yield* front.close();
      let outcome: string;
      try {
        outcome = `recv returned ${(yield* client.recv()).length} bytes`;
      } catch (e) {
        outcome = (e as Error).name;
      }
      expect(outcome, "the queued client is told at once").toBe("ConnectionResetError");
    });
  });

  it("given code, on loopback: the balancer outlives the reader of its output: once its stdout is closed, the lines it writes are dropped (EPIPE) and it goes on serving (1 pts)", async () => {
    const backend = await startBackend("b1");
    const dir = mkdtempSync(join(tmpdir(), "lb-output-"));
    const file = join(dir, "lb.json");
    writeFileSync(file, JSON.stringify({ listeners: { web: { protocol: "tcp", listen: "127.0.0.1:0", backends: [{ name: "b1", address: `127.0.0.1:${backend.port}` }] } } }));
    const cli = join(treeUnderTest(), "14-capstone", "cli.ts");
    const group = spawnGroup(process.execPath, ["--import", "tsx", cli, "--config", file], { stdio: ["ignore", "pipe", "pipe"], deadlineMs: 60_000 });
    const child = group.child;
    let out = "";
    let err = "";
    child.stderr!.on("data", (d: Buffer) => (err += d));
    const exited = new Promise<number | string>((ok) => child.once("exit", (code, signal) => ok(code ?? signal ?? "?")));
    try {
      const port = await new Promise<number | null>((ok) => {
        child.stdout!.on("data", (d: Buffer) => {
          out += d;
          const m = /listener web \(tcp\) on 127\.0\.0\.1:(\d+)/.exec(out);
          if (m && /SIGHUP reloads/.test(out)) ok(Number(m[1]));
        });
        void exited.then(() => ok(null));
      });
      expect(port, `the balancer starts; output: ${out}${err}`).not.toBeNull();
      child.stdout!.destroy(); // whoever read its output is gone
      for (let i = 0; i < 3; i++) {
        child.kill("SIGUSR1"); // each makes it write a line ("SIGUSR1: no access log to reopen")
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(await ask(port!), `still serving; stderr: ${err}`).toBe("b1");
      expect(err).not.toMatch(/EPIPE|Unhandled 'error'/);
      child.kill("SIGTERM");
      const code = await exitWithin(exited);
      expect(code, err).toBe(0);
    } finally {
      group.kill();
      rmSync(dir, { recursive: true, force: true });
      await backend.close();
    }
  }, 90_000);

  it("given code: the admin API answers 400 to a path that is not valid percent-encoding (decodeURIComponent threw: a 500 and a stack trace) (1 pts)", () => {
    simulate({ seed: SEED, latency: 1 }, function* (net) {
      yield* echoBackends(net, ["t1"]);
      const config = good(`
listeners:
  a: { protocol: tcp, listen: "lb:1", backends: [{ name: t1, address: "t1:7000" }] }
admin: { listen: "lb:9000", token: a-secret-of-16-chars }
`);
      const lb = yield* startBalancer(config, { network: net.host("lb"), random: mulberry32(SEED) });
      const http = new HttpClient({ network: net.host("client"), timeout: 2000 });
      const headers = { Authorization: "Bearer a-secret-of-16-chars" };
      const bad = yield* http.request({ url: "http://lb:9000/admin/%zz", headers });
      expect(bad.status, bad.text()).toBe(400);
      expect(bad.text()).toContain("percent-encoding");
      const good404 = yield* http.request({ url: "http://lb:9000/admin/no%20such", headers });
      expect(good404.status, "a path that decodes still reaches the routes").toBe(404);
      yield* lb.stop(0);
    });
  });
});
