// Grading tests for lab 14-capstone: the config's mistakes with their lines and columns, planning a reload, the
// listener swap and reloads under load (simulated and on loopback), the graceful stop, and the CLI. Time is the
// hub's virtual clock except on loopback and in the CLI's tests, which start `npm run lb` with a bound.
import { describe, expect, it } from "vitest";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LineCounter, parseDocument } from "yaml";
import { runVirtual, sleep } from "@target/02-hub/green";
import { getHub } from "@target/02-hub/hub";
import type { Green } from "@target/02-hub/suspend";
import { spawn } from "@target/03-cancellation/greenthread";
import { withTimeout } from "@target/03-cancellation/timeout";
import { mulberry32 } from "@target/05-green-sockets/random";
import { realNetwork } from "@target/05-green-sockets/node-network";
import type { SimNetwork } from "@target/05-green-sockets/sim-network";
import type { Address, Network, Socket } from "@target/05-green-sockets/socket";
import { HttpClient } from "@target/07-http/client";
import { serveHttp } from "@target/07-http/server";
import { startBalancer, stopAll, type Balancer } from "@target/14-capstone/balancer";
import { parseConfig, type LbConfig } from "@target/14-capstone/config";
import { startDemoBackends } from "@target/14-capstone/demo-backends";
import { Front, HandoffListener } from "@target/14-capstone/front";
import { issuesFrom, positionOf } from "@target/14-capstone/issues";
import { planReload } from "@target/14-capstone/reload-plan";
import { readAll, real, SEED, server, simulate, testsTheReference } from "./support/net";
import { failFastOnStub } from "./support/stubs";
import { startElasticProxy } from "@target/12-elastic/proxy";
import { LAB11_PROXY, lab11ProxyForwards } from "./support/http-proxy";
import { requireLab } from "./support/prerequisites";
import { forwardsFourToB1 } from "./support/tcp-proxy";

import { replayCommand, runDrill, runSeeds, seedLine } from "@target/14-capstone/drill";
import { REAL_LIMITS, REAL_SCENARIO, runRealDrill } from "@target/14-capstone/drill-real";
import { firstTimeIn, percentile, summarize, type DrillEvent } from "@target/14-capstone/drill-report";
import { QUICK_SCENARIO, type Scenario } from "@target/14-capstone/drill-scenario";

import { sleep as hubSleep } from "@target/02-hub/green";
import type { Green as HubGreen } from "@target/02-hub/suspend";
import { spawn as hubSpawn } from "@target/03-cancellation/greenthread";
import { mulberry32 as workersRandom } from "@target/05-green-sockets/random";
import type { Socket as HubSocket } from "@target/05-green-sockets/socket";
import { startElasticProxy as startWorkerProxy } from "@target/12-elastic/proxy";
import { applyUpdate, backendOf, EMPTY_VIEW, follow, type BackendView, type ClusterView, type Update } from "@target/14-capstone/updates";
import { isAlive, spawnGroup } from "../tools/lib/process-group";
import { ask, exitWithin, getJson, startBackend, startClusterProcess, treeUnderTest, type WorkersView } from "./support/cluster";
import { SEED as WORKERS_SEED, simulate as simulateWorkers } from "./support/net";

const TOKEN = "a-token-of-16-chars-or-more";
const AUTH = { Authorization: `Bearer ${TOKEN}` };

/** A config that must be good (the tests' own configs). */
function good(text: string): LbConfig {
  const r = parseConfig(text);
  if (!r.ok) throw new Error(`the test's config has mistakes: ${r.errors.map((e) => `${e.line}:${e.column} ${e.path}: ${e.message}`).join("; ")}`);
  return r.config;
}

/**
 * What a test that starts a balancer relies on of labs 11 and 12: each http listener is lab 11's proxy following a
 * membership, each tcp listener lab 12's elastic proxy. Checked first, so a fault there names its lab.
 */
function needsLabs11And12(): void {
  requireLab("12", "startElasticProxy", () =>
    forwardsFourToB1("its startElasticProxy", function* (net, backends, listen) {
      const ep = yield* startElasticProxy({ network: net.host("lb"), listen, backends, random: mulberry32(SEED) });
      return () => ep.shutdown(0);
    }),
  );
  requireLab("11", LAB11_PROXY, lab11ProxyForwards);
}

/** HTTP backends on the simulated network, host `name` port 8080, each answering "<name> <target>" after `ms`. */
function* httpBackends(net: SimNetwork, names: readonly string[], ms = 10): Green<void> {
  for (const name of names) {
    const l = yield* net.host(name).listen({ host: name, port: 8080 });
    spawn(serveHttp, l, function* (req) {
      yield* req.body.readAll();
      if (ms > 0) yield* sleep(ms);
      return { status: 200, body: `${name} ${req.target}` };
    });
  }
}

/** TCP backends, host `name` port 7000, each echoing every line back with its name in front. */
function* echoBackends(net: SimNetwork, names: readonly string[]): Green<void> {
  for (const name of names) {
    yield* server(net.host(name), { host: name, port: 7000 }, function* (s: Socket) {
      for (let line = yield* s.recvLine(); line.length > 0; line = yield* s.recvLine()) yield* s.sendall(`${name} ${line.toString()}`);
    });
  }
}

/** The simulated balancer's config: an http listener "web" and a tcp listener "raw", an admin API. */
const simYaml = (o: { web?: readonly string[]; raw?: readonly string[]; webPort?: number; strategy?: string; drainTimeout?: number } = {}): string => `
listeners:
  web:
    protocol: http
    listen: "lb:${o.webPort ?? 80}"
    strategy: ${o.strategy ?? "round-robin"}
    backends:
${(o.web ?? ["b1", "b2"]).map((n) => `      - { name: ${n}, address: "${n}:8080" }`).join("\n")}
  raw:
    protocol: tcp
    listen: "lb:81"
    backends:
${(o.raw ?? ["t1"]).map((n) => `      - { name: ${n}, address: "${n}:7000" }`).join("\n")}
admin: { listen: "lb:9000", token: "${TOKEN}" }
drainTimeout: ${o.drainTimeout ?? 5000}
`;

/** Closes a balancer without its graceful stop (task 4), so the tests of tasks 1–3 do not depend on it. */
function* closeQuickly(lb: Balancer): Green<void> {
  lb.serveAdmin(null);
  for (const r of lb.running.values()) {
    yield* r.front.close();
    yield* r.generation.drain(0);
  }
}

describe("task 1: config mistakes with their lines and columns", () => {
  it("every mistake at once, sorted, each with its path, line and column; unknown and missing fields in our words (2 pts)", () => {
    const text = [
      "listeners:",
      "  web:",
      "    protocol: htp",
      "    listen: 127.0.0.1:99999",
      "    backends:",
      '      - { name: a, address: "127.0.0.1:9001", wieght: 2 }',
      "      - name: b",
      "        address: nohost",
      "  db:",
      "    protocol: tcp",
      "    backends: []",
      "admin:",
      "  listen: 127.0.0.1:9900",
      "  tokn: x",
      "",
    ].join("\n");
    const r = parseConfig(text);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const where = r.errors.map((e) => `${e.line}:${e.column} ${e.path}`);
    expect(where).toEqual([
      "3:15 listeners.web.protocol",
      "4:13 listeners.web.listen",
      "6:47 listeners.web.backends[0].wieght",
      "8:18 listeners.web.backends[1].address",
      "9:3 listeners.db.listen",
      "14:3 admin.tokn",
    ]);
    expect(r.errors[2]!.message).toBe('unknown field "wieght"');
    expect(r.errors[4]!.message).toBe('missing "listen"');
    expect(r.errors[5]!.message).toBe('unknown field "tokn"');
    expect(r.errors[1]!.message).toContain('an address is "host:port"');
  });

  it("positionOf: a value, a key, a missing field (its parent's key), a path into a scalar; issuesFrom sorts and splits (2 pts)", () => {
    const text = "a:\n  b: 1\n  c:\n    - x\n    - { d: 2 }\n";
    const lines = new LineCounter();
    const doc = parseDocument(text, { lineCounter: lines });
    const at = (path: (string | number)[], key?: "key"): string => {
      const { line, col } = lines.linePos(positionOf(doc, path, key));
      return `${line}:${col}`;
    };
    expect(at(["a", "b"]), "the value of a.b").toBe("2:6");
    expect(at(["a", "b"], "key"), "the key of a.b").toBe("2:3");
    expect(at(["a", "c", 1, "d"]), "a.c[1].d").toBe("5:12");
    expect(at(["a", "zz"]), "a missing field: where its parent is named").toBe("1:1");
    expect(at(["a", "c", 1, "e"]), "missing in a list item: the item").toBe("5:7");
    expect(at(["a", "b", "name"]), "a path into a scalar: the scalar").toBe("2:6");
    expect(at(["a", "c", 5]), "a list index past the list's end: the list's start").toBe("4:5");
    expect(at(["a", "c", 5], "key"), "the same with at: \"key\": the last key it went through, c").toBe("3:3");
    expect(at([]), "the root").toBe("1:1");
    const issues = issuesFrom(
      [
        { code: "too_big", path: ["a", "c", 1, "d"], message: "too big" },
        // A field that is there with the wrong type (its input is given, and not undefined) is not a missing one.
        { code: "invalid_type", path: ["a", "b"], message: "Invalid input: expected string, received number", input: 1 },
        { code: "unrecognized_keys", path: ["a"], keys: ["c", "b"], message: "Unrecognized keys" },
        { code: "invalid_type", path: ["a", "q"], message: "Invalid input", input: undefined },
      ],
      doc,
      lines,
    );
    expect(issues, "sorted by line, then column (a.b's key at 2:3 before its value at 2:6)").toEqual([
      { path: "a.q", line: 1, column: 1, message: 'missing "q"' },
      { path: "a.b", line: 2, column: 3, message: 'unknown field "b"' },
      { path: "a.b", line: 2, column: 6, message: "Invalid input: expected string, received number" },
      { path: "a.c", line: 3, column: 3, message: 'unknown field "c"' },
      { path: "a.c[1].d", line: 5, column: 12, message: "too big" },
    ]);
  });

  it("`npm run lb -- --check` prints each mistake as file:line:column: path: message and exits 1 (1 pts)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "lb-check-"));
    try {
      const file = join(dir, "bad.yaml");
      const text = "listeners:\n  web:\n    protocol: tcp\n    listen: 127.0.0.1:0\n    backends: [{ name: a, address: 'h:1', weight: 300 }]\n";
      writeFileSync(file, text);
      failFastOnStub("`npm run lb -- --check`", () => parseConfig(text));
      const { code, stdout, stderr } = await runCli(["--check", "--config", file], null);
      expect(code, `stdout: ${stdout}\nstderr: ${stderr}`).toBe(1);
      expect(stderr).toContain(`${file}:5:51: listeners.web.backends[0].weight: `);
      expect(stderr).toContain(`${file}: 1 mistake(s)`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

describe("task 2: planning a reload", () => {
  const base = good(`
listeners:
  a: { protocol: tcp, listen: "h:1", backends: [{ name: x, address: "x:1" }] }
  b: { protocol: tcp, listen: "h:2", backends: [{ name: x, address: "x:1" }] }
  c: { protocol: http, listen: "h:3", backends: [{ name: x, address: "x:1" }] }
  d: { protocol: http, listen: "h:4", backends: [{ name: x, address: "x:1" }] }
  e: { protocol: tcp, listen: "h:5", backends: [{ name: x, address: "x:1" }] }
admin: { listen: "127.0.0.1:9000" }
`);

  it("each listener: start, stop, rebind (listen changed), replace (settings changed), reconcile (backends only) or keep (2 pts)", () => {
    const next = good(`
listeners:
  f: { protocol: tcp, listen: "h:6", backends: [{ name: x, address: "x:1" }] }
  d: { protocol: http, listen: "h:4", strategy: least-connections, backends: [{ name: y, address: "y:1" }] }
  c: { protocol: http, listen: "h:33", backends: [{ name: y, address: "y:1" }] }
  b: { protocol: tcp, listen: "h:2", backends: [{ name: x, address: "x:1", weight: 3 }] }
  a: { protocol: tcp, listen: "h:1", backends: [{ name: x, address: "x:1" }] }
admin: { listen: "127.0.0.1:9000" }
`);
    expect(planReload(base, next)).toEqual({ start: ["f"], stop: ["e"], rebind: ["c"], replace: ["d"], reconcile: ["b"], keep: ["a"], admin: "keep" });
    expect(planReload(base, base)).toEqual({ start: [], stop: [], rebind: [], replace: [], reconcile: [], keep: ["a", "b", "c", "d", "e"], admin: "keep" });
    const reordered = good(`
listeners:
  e: { protocol: tcp, listen: "h:5", backends: [{ name: x, address: "x:1" }] }
  a: { protocol: tcp, listen: "h:1", backends: [{ name: x, address: "x:1" }] }
admin: { listen: "127.0.0.1:9000" }
`);
    expect(planReload(base, reordered).keep, "each list in next's order, not sorted").toEqual(["e", "a"]);
  });

  it("a new drainTimeout replaces every listener; the admin API is started, stopped, or rebound when its address or token changes (2 pts)", () => {
    const longer = good(`
listeners:
  a: { protocol: tcp, listen: "h:1", backends: [{ name: x, address: "x:1" }] }
  b: { protocol: tcp, listen: "h:22", backends: [{ name: x, address: "x:1" }] }
drainTimeout: 1000
`);
    expect(planReload(base, longer)).toEqual({ start: [], stop: ["c", "d", "e"], rebind: ["b"], replace: ["a"], reconcile: [], keep: [], admin: "stop" });
    expect(planReload(longer, base).admin).toBe("start");
    const token = good(`
listeners:
  a: { protocol: tcp, listen: "h:1", backends: [{ name: x, address: "x:1" }] }
admin: { listen: "127.0.0.1:9000", token: "${TOKEN}" }
`);
    const moved = good(`
listeners:
  a: { protocol: tcp, listen: "h:1", backends: [{ name: x, address: "x:1" }] }
admin: { listen: "127.0.0.1:9001" }
`);
    const plain = good(`
listeners:
  a: { protocol: tcp, listen: "h:1", backends: [{ name: x, address: "x:1" }] }
admin: { listen: "127.0.0.1:9000" }
`);
    expect(planReload(plain, token).admin).toBe("rebind");
    expect(planReload(plain, moved).admin).toBe("rebind");
    expect(planReload(plain, plain).admin).toBe("keep");
  });
});

describe("task 3: the listener swap", () => {
  it("new connections go to the new listener, queued ones move to it, the old one is closed; a move closes the old port after the new one listens (2 pts)", () => {
    simulate({ seed: SEED, latency: 1 }, function* (net) {
      const lb = net.host("lb");
      const h1 = new HandoffListener({ host: "lb", port: 80 });
      const front = yield* Front.bind(lb, { host: "lb", port: 80 }, h1);
      const c1 = yield* net.host("client").connect({ host: "lb", port: 80 });
      const s1 = yield* h1.accept();
      const c2 = yield* net.host("client").connect({ host: "lb", port: 80 }); // queued on h1: nobody accepts it there
      yield* sleep(5);
      const h2 = new HandoffListener({ host: "lb", port: 80 });
      expect(yield* front.swap(h2), "the swap returns the listener before it").toBe(h1);
      expect(h1.closed, "the old listener is closed").toBe(true);
      expect(front.hands).toBe(h2);
      // c2, moved over. Bounded: a swap that drops the queue would leave this accept waiting for ever.
      const s2 = yield* withTimeout(1000, () => h2.accept(), { timeoutValue: null });
      expect(s2, "the connection queued on the old listener and not accepted there is accepted from the new one (deliver what closeAndTake() gave back)").not.toBe(null);
      if (s2 === null) return;
      yield* c2.sendall("two\n");
      expect((yield* s2.recvLine()).toString()).toBe("two\n");
      const h3 = new HandoffListener({ host: "lb", port: 80 });
      const moved = yield* lb.listen({ host: "lb", port: 82 });
      yield* front.swap(h3, moved);
      expect(front.address.port, "the front listens on the new port").toBe(82);
      expect(h3.address.port, "the new listener knows its address").toBe(82);
      let refused = "";
      try {
        yield* net.host("client").connect({ host: "lb", port: 80 });
      } catch (e) {
        refused = (e as Error).name;
      }
      expect(refused, "the old port is closed").toBe("ConnectionRefusedError");
      const c3 = yield* net.host("client").connect({ host: "lb", port: 82 });
      const s3 = yield* h3.accept();
      yield* c3.sendall("three\n");
      expect((yield* s3.recvLine()).toString()).toBe("three\n");
      yield* c1.sendall("one, still\n");
      expect((yield* s1.recvLine()).toString(), "a connection accepted before both swaps still works").toBe("one, still\n");
      yield* front.close();
    });
  });

  it("reloads on the simulated network under load (backends, strategy, port): no request fails, a long TCP connection survives (2 pts)", () => {
    needsLabs11And12();
    const { result } = simulate({ seed: SEED, latency: 1 }, function* (net) {
      yield* httpBackends(net, ["b1", "b2", "b3"], 10);
      yield* echoBackends(net, ["t1", "t2"]);
      const lb = yield* startBalancer(good(simYaml()), { network: net.host("lb"), random: mulberry32(SEED) });
      const failed: string[] = [];
      const served: string[] = [];
      const clients = Array.from({ length: 8 }, (_, i) =>
        spawn(function* () {
          const http = new HttpClient({ network: net.host(`c${i}`), timeout: 2000 });
          for (let k = 0; k < 25; k++) {
            const a = lb.listeners.get("web")!;
            try {
              const r = yield* http.get(`http://${a.host}:${a.port}/c${i}-${k}`);
              if (r.status !== 200 || !r.text().endsWith(` /c${i}-${k}`)) failed.push(`c${i}-${k}: ${r.status} ${r.text()}`);
              else served.push(r.text().split(" ")[0]!);
            } catch (e) {
              failed.push(`c${i}-${k}: ${(e as Error).name}: ${(e as Error).message}`);
            }
          }
        }),
      );
      const tcp = yield* net.host("tc").connect({ host: "lb", port: 81 });
      yield* tcp.sendall("before\n");
      const before = (yield* tcp.recvLine()).toString();
      const plans: unknown[] = [];
      yield* sleep(50);
      plans.push((yield* lb.reload(good(simYaml({ web: ["b2", "b3"], raw: ["t1", "t2"] })))).plan);
      yield* sleep(50);
      plans.push((yield* lb.reload(good(simYaml({ web: ["b2", "b3"], raw: ["t1", "t2"], strategy: "least-connections" })))).plan);
      yield* sleep(50);
      const moved = yield* lb.reload(good(simYaml({ web: ["b2", "b3"], raw: ["t1", "t2"], strategy: "least-connections", webPort: 82 })));
      plans.push(moved.plan);
      for (const c of clients) yield* c.wait();
      yield* tcp.sendall("after\n");
      const after = (yield* tcp.recvLine()).toString();
      const late = served.slice(-40);
      const port = lb.listeners.get("web")!.port;
      yield* closeQuickly(lb);
      return { failed, plans, before, after, late, port, changes: moved.changes };
    });
    expect(result.failed, "no request fails through three reloads").toEqual([]);
    expect(result.plans).toEqual([
      { start: [], stop: [], rebind: [], replace: [], reconcile: ["web", "raw"], keep: [], admin: "keep" },
      { start: [], stop: [], rebind: [], replace: ["web"], reconcile: [], keep: ["raw"], admin: "keep" },
      { start: [], stop: [], rebind: ["web"], replace: [], reconcile: [], keep: ["raw"], admin: "keep" },
    ]);
    expect(result.before).toBe("t1 before\n");
    expect(result.after, "the TCP connection opened before the reloads is still there, to the same backend").toBe("t1 after\n");
    expect(result.port).toBe(82);
    expect(result.late, "b1 left the config: the last requests went to b2 and b3").not.toContain("b1");
  });

  it("on loopback: 200 requests from 8 keep-alive clients through POST /admin/reload twice (backends, then the port) count zero errors (1 pts)", async () => {
    needsLabs11And12();
    const out = await real(function* () {
      const demo = yield* startDemoBackends(realNetwork, ["fast", "fast", "fast"]);
      const spare = yield* realNetwork.listen({ host: "127.0.0.1", port: 0 }); // a free port for the move
      const newPort = spare.address.port;
      spare.close();
      const yaml = (names: readonly string[], port: number): string => `
listeners:
  web:
    protocol: http
    listen: "127.0.0.1:${port}"
    backends:
${demo.backends.filter((b) => names.includes(b.name)).map((b) => `      - { name: ${b.name}, address: "127.0.0.1:${b.address.port}" }`).join("\n")}
admin: { listen: "127.0.0.1:0" }
drainTimeout: 3000
`;
      const lb = yield* startBalancer(good(yaml(["fast-1", "fast-2"], 0)), { network: realNetwork });
      const admin = new HttpClient({ network: realNetwork, timeout: 3000 });
      const TOTAL = 200;
      let started = 0;
      const failed: string[] = [];
      const reloads: number[] = [];
      const worker = function* () {
        const http = new HttpClient({ network: realNetwork, timeout: 3000 });
        while (started < TOTAL) {
          const k = started++;
          if (k === 60 || k === 120) {
            const body = k === 60 ? yaml(["fast-2", "fast-3"], 0) : yaml(["fast-2", "fast-3"], newPort);
            const r = yield* admin.request({ method: "POST", url: `http://127.0.0.1:${lb.admin!.port}/admin/reload`, body });
            reloads.push(r.status);
          }
          const a = lb.listeners.get("web")!;
          try {
            const r = yield* http.get(`http://127.0.0.1:${a.port}/r${k}`);
            if (r.status !== 200 || !r.text().includes(`GET /r${k}`)) failed.push(`r${k}: ${r.status} ${r.text()}`);
          } catch (e) {
            failed.push(`r${k}: ${(e as Error).name}: ${(e as Error).message}`);
          }
        }
      };
      const workers = Array.from({ length: 8 }, () => spawn(worker));
      for (const w of workers) yield* w.wait();
      const port = lb.listeners.get("web")!.port;
      yield* closeQuickly(lb);
      demo.close();
      return { failed, reloads, port, newPort };
    }, 20_000);
    expect(out.reloads, "both reloads applied").toEqual([200, 200]);
    expect(out.failed, "no request failed").toEqual([]);
    expect(out.port, "the listener moved").toBe(out.newPort);
  }, 30_000);
});

describe("task 4: the graceful stop", () => {
  it("stops accepting at once, lets what is open finish, and reports it (2 pts)", () => {
    needsLabs11And12();
    const { result } = simulate({ seed: SEED, latency: 1 }, function* (net) {
      yield* httpBackends(net, ["b1", "b2"], 300);
      yield* echoBackends(net, ["t1"]);
      const lb = yield* startBalancer(good(simYaml()), { network: net.host("lb"), random: mulberry32(SEED) });
      const http = new HttpClient({ network: net.host("client") });
      const inFlight = spawn(function* (): Green<string> {
        const r = yield* http.request({ method: "GET", url: "http://lb:80/slow", headers: { Connection: "close" } });
        return `${r.status} ${r.text()}`;
      });
      const tcp = yield* net.host("tc").connect({ host: "lb", port: 81 });
      yield* sleep(50);
      const stopping = spawn(function* () {
        return yield* lb.stop(1000);
      });
      yield* sleep(10);
      const refused: string[] = [];
      for (const port of [80, 81, 9000]) {
        try {
          (yield* net.host("late").connect({ host: "lb", port })).close();
          refused.push(`${port}: accepted`);
        } catch (e) {
          refused.push(`${port}: ${(e as Error).name}`);
        }
      }
      yield* tcp.sendall("bye\n");
      const echoed = (yield* tcp.recvLine()).toString();
      tcp.close();
      const report = yield* stopping.wait();
      return { refused, answer: yield* inFlight.wait(), echoed, report, events: lb.events.filter((e) => e.startsWith("stop")) };
    });
    expect(result.refused, "no new connection once the stop began").toEqual(["80: ConnectionRefusedError", "81: ConnectionRefusedError", "9000: ConnectionRefusedError"]);
    expect(result.answer, "the request in flight got its answer").toBe("200 b1 /slow");
    expect(result.echoed, "the open TCP connection went on").toBe("t1 bye\n");
    expect(result.report).toEqual({ finished: 2, cut: 0 });
    expect(result.events).toEqual(["stopping: no new connections; draining for up to 1000 ms", "stopped: 2 connection(s) finished, 0 cut"]);
  });

  it("past the deadline what is left is cut, and the stop returns (1 pts)", () => {
    needsLabs11And12();
    const { result, time } = simulate({ seed: SEED, latency: 1 }, function* (net) {
      yield* httpBackends(net, ["b1", "b2"], 60_000);
      yield* echoBackends(net, ["t1"]);
      const lb = yield* startBalancer(good(simYaml()), { network: net.host("lb"), random: mulberry32(SEED) });
      const stuck = spawn(function* (): Green<string> {
        try {
          const s = yield* net.host("client").connect({ host: "lb", port: 80 });
          yield* s.sendall("GET /stuck HTTP/1.1\r\nHost: lb\r\n\r\n");
          return (yield* readAll(s)).toString() || "(closed, no answer)";
        } catch (e) {
          return (e as Error).name;
        }
      });
      yield* sleep(50);
      const report = yield* lb.stop(1000);
      const stoppedAt = getHub().now();
      return { report, client: yield* stuck.wait(), stoppedAt };
    });
    expect(result.report).toEqual({ finished: 0, cut: 1 });
    expect(result.client.startsWith("HTTP/1.1 200"), `the client got: ${result.client}`).toBe(false);
    expect(result.stoppedAt, "the stop returned at its deadline (virtual time), not when the backend would have answered").toBeLessThan(1100);
    expect(time).toBeLessThan(60_000);
  });

  it("`npm run lb -- --config` stops gracefully on SIGTERM and exits 0 (1 pts)", async () => {
    needsLabs11And12();
    const dir = mkdtempSync(join(tmpdir(), "lb-term-"));
    try {
      const file = join(dir, "lb.yaml");
      writeFileSync(file, "listeners:\n  web:\n    protocol: tcp\n    listen: 127.0.0.1:0\n    backends: [{ name: a, address: '127.0.0.1:9' }]\nstopTimeout: 1000\n");
      // The stop of a balancer that runs nothing: what the process does on SIGTERM, on the lab's hub.
      const idle = { running: new Map(), draining: [], serveAdmin() {}, log() {}, cutRetired() {} } as unknown as Balancer;
      failFastOnStub("`npm run lb -- --config` on SIGTERM", () => runVirtual(() => stopAll(idle, 0)));
      const { code, stdout } = await runCli(["--config", file], /pid (\d+):/);
      expect(stdout).toContain("SIGTERM: stopping gracefully");
      expect(stdout).toContain("stopped: 0 connection(s) finished, 0 cut");
      expect(code, stdout).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

/**
 * Runs the command line of the code under test (`cli.ts` of $HUB_TARGET, or of solutions/: what `npm run lb` runs)
 * as `npm run lb -- …args` starts it, Node with tsx's loader (not its heap flag, which these checks do not need), in a
 * process group of its own (tools/lib/process-group), for at most 45 s. With `pidLine`, sends SIGTERM to the pid the
 * balancer prints once that line shows. Whatever it started ends with it.
 */
function runCli(args: readonly string[], pidLine: RegExp | null): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const cli = join(treeUnderTest(), "14-capstone", "cli.ts");
  const { child } = spawnGroup(process.execPath, ["--import", "tsx", cli, ...args], { stdio: ["ignore", "pipe", "pipe"], deadlineMs: 45_000 });
  return new Promise((done) => {
    let stdout = "";
    let stderr = "";
    let signalled = false;
    child.stdout!.on("data", (d: Buffer) => {
      stdout += d.toString();
      const m = pidLine?.exec(stdout);
      if (m && !signalled) {
        signalled = true;
        process.kill(Number(m[1]), "SIGTERM");
      }
    });
    child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("close", (code) => done({ code, stdout, stderr }));
  });
}

describe("task 5: the chaos drill's report", () => {
  /** A request that started at `start`, took `ms`, answered or lost. */
  const req = (start: number, ms: number, ok = true): DrillEvent => ({ kind: "request", start, end: start + ms, ok });
  const state = (t: number, backend: string, usable: boolean): DrillEvent => ({ kind: "state", t, backend, usable });
  /** A small scenario to compute reports of by hand: two backends, a kill and a partition. */
  const tiny: Scenario = {
    seed: 1,
    backends: ["b1", "b2"],
    duration: 3000,
    rate: 10,
    service: { min: 1, mean: 1 },
    clientTimeout: 1000,
    faults: [
      { kind: "kill", backend: "b1", at: 1000, for: 1000 },
      { kind: "partition", backend: "b2", at: 2000, for: 500 },
    ],
  };

  it("percentile is the nearest rank: the smallest value that p% of the values are at most (1 pts)", () => {
    const hundred = Array.from({ length: 100 }, (_, i) => 100 - i); // 100, 99, …, 1: unsorted on purpose
    expect(percentile(hundred, 99), "p99 of 1..100").toBe(99);
    expect(percentile(hundred, 50), "p50 of 1..100").toBe(50);
    expect(percentile([5, 1, 3], 99), "p99 of three values is the largest").toBe(5);
    expect(percentile([5, 1, 3], 34), "ceil(0.34 × 3) = 2nd smallest").toBe(3);
    expect(percentile(hundred, 7), "p7 of 1..100: rank ⌈7 × 100 / 100⌉ = 7 (7 / 100 × 100 is 7.000000000000001 in floating point)").toBe(7);
    expect(percentile([], 99), "no values: null").toBeNull();
    expect(hundred[0], "percentile must not sort its argument in place").toBe(100);
  });

  it("firstTimeIn reads the balancer's state changes: the state at `from`, else the first change to it before `to` (1 pts)", () => {
    const log = [state(100, "b1", false), state(400, "b1", true), state(500, "b2", false), state(900, "b1", false)];
    expect(firstTimeIn(log, "b1", false, 50, 1000, true), "usable at 50, out at 100").toBe(100);
    expect(firstTimeIn(log, "b1", false, 200, 1000, true), "already out at 200").toBe(200);
    expect(firstTimeIn(log, "b1", true, 100, 1000, true), "out at 100 (a change at `from` counts), back at 400").toBe(400);
    expect(firstTimeIn(log, "b1", false, 400, 800, true), "back at 400 and not out again before 800").toBeNull();
    expect(firstTimeIn(log, "b1", false, 400, 900, true), "out at 900 is not before 900: `to` is not in the window").toBeNull();
    expect(firstTimeIn(log, "b2", true, 0, 1000, true), "b2 is usable from the start").toBe(0);
    expect(firstTimeIn(log, "b3", true, 0, 1000, false), "a backend never seen, not usable at first, never usable").toBeNull();
  });

  it("summarize: a row per window with its requests, lost, p99, and the times to take out and to use again (1 pts)", () => {
    const log: DrillEvent[] = [
      req(10, 20), req(500, 30), // steady: [0, 1000)
      req(1000, 40), req(1200, 300, false), req(1900, 50), // kill b1: [1000, 2000)
      state(1090, "b1", false),
      req(2100, 1000, false), req(2400, 60), // partition b2: [2000, 2500)
      state(2250, "b2", false),
      state(2800, "b2", true),
      req(2900, 10),
    ];
    const r = summarize(tiny, true, log);
    expect([r.sent, r.ok, r.lost], "sent, ok, lost").toEqual([8, 6, 2]);
    expect(r.windows.map((w) => w.name), "a steady row, then one per fault").toEqual(["steady", "kill b1", "partition b2"]);
    expect(r.windows[0], "steady").toEqual({ name: "steady", from: 0, to: 1000, requests: 2, lost: 0, p99: 30, outAfter: null, backAfter: null });
    expect(r.windows[1], "a kill is taken out, never back").toEqual({ name: "kill b1", from: 1000, to: 2000, requests: 3, lost: 1, p99: 300, outAfter: 90, backAfter: null });
    expect(r.windows[2], "the partition: out 250 ms after it began, back 300 ms after it healed").toEqual({ name: "partition b2", from: 2000, to: 2500, requests: 2, lost: 1, p99: 1000, outAfter: 250, backAfter: 300 });
    expect(r.p99, "the whole run's p99").toBe(1000);
    const fractions = summarize(tiny, true, [req(10, 20.04), req(1000, 33.36), state(1090.06, "b1", false)]);
    expect([fractions.windows[0]!.p99, fractions.windows[1]!.p99, fractions.windows[1]!.outAfter], "p99s and times rounded to 0.1 ms").toEqual([20, 33.4, 90.1]);
  });

  it("the drill (given) of seed 14 loses no request with retries on, loses some with retries off, and takes each failing backend out (1 pts)", () => {
    needsLabs11And12();
    const on = runDrill(QUICK_SCENARIO, { retries: true });
    const off = runDrill(QUICK_SCENARIO, { retries: false });
    // The same run by hand: the course's drill on the reference, the learner's (npm run lab 14 drill) on a lab.
    const replay = `seed 14; replay with: ${replayCommand(14, { quick: true, command: testsTheReference() ? undefined : "npm run lab 14 drill --" })}`;
    expect(on.report.sent, replay).toBeGreaterThan(500);
    expect(on.problems, replay).toEqual([]);
    expect(off.problems, "without retries the verdict fails: requests are lost").toEqual([`${off.report.lost} of ${off.report.sent} requests lost`]);
    expect(on.report.lost, replay).toBe(0);
    expect(off.report.lost, `${replay}: without retries, a kill, a flap and a partition cost requests`).toBeGreaterThan(0);
    expect(off.report.sent, "the same seed sends the same requests").toBe(on.report.sent);
    const partition = on.report.windows.find((w) => w.name === "partition b4")!;
    expect(partition.outAfter, replay).not.toBeNull();
    expect(partition.backAfter, replay).not.toBeNull();
  }, 30_000); // about a second of CPU; more on a machine busy with other work

  it("a seed replays exactly (the same report, byte for byte); five seeds pass, and a failing run names its seed (1 pts)", () => {
    needsLabs11And12();
    const a = runDrill({ ...QUICK_SCENARIO, seed: 3 });
    const b = runDrill({ ...QUICK_SCENARIO, seed: 3 });
    expect(JSON.stringify(b.report), "seed 3 run twice").toBe(JSON.stringify(a.report));
    expect(JSON.stringify(b.events), "seed 3 run twice: the same event log").toBe(JSON.stringify(a.events));
    const results = runSeeds(QUICK_SCENARIO, [1, 2, 3, 4, 5]);
    for (const r of results) expect(r.problems, seedLine(r, { quick: true })).toEqual([]);
    expect(seedLine(results[0]!), "a seed that passed").toBe(`seed 1: passed (${results[0]!.report.sent} requests, 0 lost)`);
    // A window too short to see the kill's backend taken out: the drill fails, and says which seed to replay.
    const short: Scenario = { ...QUICK_SCENARIO, duration: 3000, faults: [{ kind: "kill", backend: "b1", at: 2000, for: 1 }] };
    const [failed] = runSeeds(short, [7]);
    expect(failed!.problems, "a 1 ms window").toEqual(["kill b1: never taken out"]);
    expect(seedLine(failed!)).toBe("seed 7: FAILED: kill b1: never taken out\n  replay: npm run drill -- --seed 7");
    expect(seedLine(failed!, { quick: true, retries: false }), "the replay names the scenario and the retries").toBe(
      "seed 7: FAILED: kill b1: never taken out\n  replay: npm run drill -- --quick --no-retries --seed 7",
    );
    expect(seedLine(failed!, { command: "npm run lab 14 drill --" }), "run as `npm run lab 14 drill`, the replay runs the lab's drill again").toBe(
      "seed 7: FAILED: kill b1: never taken out\n  replay: npm run lab 14 drill -- --seed 7",
    );
  }, 30_000);

  it("on loopback (given), the short drill stops by itself within its bounds and loses no request (1 pts)", async () => {
    needsLabs11And12();
    const report = await runRealDrill(REAL_SCENARIO, { retries: true });
    expect(report.sent, "requests sent").toBeGreaterThan(50);
    expect(report.sent, "bounded").toBeLessThanOrEqual(REAL_LIMITS.requests);
    expect(report.lost, "lost on loopback").toBe(0);
    expect(report.windows.find((w) => w.name === "kill b1")!.outAfter, "the killed backend was taken out").not.toBeNull();
    await expect(runRealDrill({ ...REAL_SCENARIO, faults: [{ kind: "partition", backend: "b2", at: 100, for: 100 }] })).rejects.toThrow("a loopback drill cannot partition");
  }, 15_000);
});

const bv = (name: string, over: Partial<BackendView> = {}): BackendView => ({ listener: "web", name, host: name, port: 8080, weight: 1, healthy: true, ...over });
const names = (v: ClusterView): string[] => v.backends.map((b) => `${b.listener}/${b.name}${b.healthy ? "" : " down"} w${b.weight}`);

describe("task 6: applyUpdate", () => {
  it("applies the change whose version is one more than the view's; a repeat or an older one is stale and changes nothing (1 pts)", () => {
    const v1: ClusterView = { version: 1, backends: [bv("b1"), bv("b2")] };
    const down: Update = { type: "upsert", version: 2, backend: bv("b2", { healthy: false }) };
    const a = applyUpdate(v1, down);
    expect(a.outcome).toBe("applied");
    expect(a.view.version).toBe(2);
    expect(names(a.view)).toEqual(["web/b1 w1", "web/b2 down w1"]);
    const again = applyUpdate(a.view, down);
    expect(again.outcome, "the same message twice").toBe("stale");
    expect(again.view).toEqual(a.view);
    const older = applyUpdate(a.view, { type: "upsert", version: 1, backend: bv("b3") });
    expect(older.outcome, "a message older than the view").toBe("stale");
    expect(names(older.view)).toEqual(["web/b1 w1", "web/b2 down w1"]);
  });

  it("an upsert replaces the backend of that listener and name in place, or adds it at the end; a remove takes it out (1 pts)", () => {
    let v: ClusterView = { version: 4, backends: [bv("b1"), bv("b2"), bv("b1", { listener: "api" })] };
    v = applyUpdate(v, { type: "upsert", version: 5, backend: bv("b2", { weight: 7 }) }).view;
    expect(names(v), "b2 reweighted in place").toEqual(["web/b1 w1", "web/b2 w7", "api/b1 w1"]);
    v = applyUpdate(v, { type: "upsert", version: 6, backend: bv("b3") }).view;
    expect(names(v), "b3 added at the end").toEqual(["web/b1 w1", "web/b2 w7", "api/b1 w1", "web/b3 w1"]);
    v = applyUpdate(v, { type: "remove", version: 7, listener: "web", name: "b1" }).view;
    expect(names(v), "web/b1 removed, api/b1 kept: a backend is its listener and its name").toEqual(["web/b2 w7", "api/b1 w1", "web/b3 w1"]);
    const r = applyUpdate(v, { type: "remove", version: 8, listener: "web", name: "nobody" });
    expect(r.outcome, "a remove of a backend the view lacks is still applied").toBe("applied");
    expect(r.view.version).toBe(8);
    expect(names(r.view)).toEqual(names(v));
  });

  it("a gap leaves the view as it is; a newer snapshot replaces it whole, one not newer is stale; the view given is never changed (1 pts)", () => {
    const v3: ClusterView = Object.freeze({ version: 3, backends: Object.freeze([bv("b1"), bv("b2")]) }) as ClusterView;
    const gap = applyUpdate(v3, { type: "upsert", version: 5, backend: bv("b9") });
    expect(gap.outcome).toBe("gap");
    expect(gap.view).toEqual(v3);
    const message: Update = { type: "snapshot", version: 9, backends: [bv("b7")] };
    const snap = applyUpdate(v3, message);
    expect(snap.outcome).toBe("applied");
    expect(snap.view).toEqual({ version: 9, backends: [bv("b7")] });
    expect(snap.view.backends, "a copy of the snapshot's list, not the message's own array").not.toBe(message.type === "snapshot" ? message.backends : null);
    expect(applyUpdate(v3, { type: "snapshot", version: 3, backends: [] }).outcome, "a snapshot at the view's own version").toBe("stale");
    expect(applyUpdate(EMPTY_VIEW, { type: "snapshot", version: 1, backends: [bv("b1")] }).view.backends).toHaveLength(1);
    expect(names(v3), "the view passed in is untouched").toEqual(["web/b1 w1", "web/b2 w1"]);
  });

  it("on the simulated network, a worker's proxy following the updates sends nothing to a backend marked down, and again once it is up (1 pts)", () => {
    needsLabs11And12();
    const { result } = simulateWorkers({ seed: WORKERS_SEED, latency: 1 }, function* (net) {
      for (const name of ["b1", "b2"]) {
        const l = yield* net.host(name).listen({ host: name, port: 8080 });
        hubSpawn(function* () {
          for (;;) {
            const s: HubSocket = yield* l.accept();
            hubSpawn(function* (): HubGreen<void> {
              for (let b = yield* s.recv(); b.length > 0; b = yield* s.recv());
              yield* s.sendall(name);
              s.close();
            });
          }
        });
      }
      let view: ClusterView = { version: 1, backends: [bv("b1"), bv("b2")] };
      const ep = yield* startWorkerProxy({ network: net.host("lb"), listen: { host: "lb", port: 80 }, backends: view.backends.map(backendOf), random: workersRandom(WORKERS_SEED) });
      const round = function* (n: number): HubGreen<string> {
        const got: string[] = [];
        for (let i = 0; i < n; i++) {
          const c = yield* net.host("client").connect({ host: "lb", port: 80 });
          c.shutdown();
          let s = "";
          for (let b = yield* c.recv(); b.length > 0; b = yield* c.recv()) s += b.toString();
          c.close();
          got.push(s);
        }
        return got.join(" ");
      };
      const receive = (u: Update): string => {
        const r = applyUpdate(view, u);
        view = r.view;
        follow(ep.membership, "web", view);
        return r.outcome;
      };
      const out: string[] = [];
      out.push(`before: ${yield* round(4)}`);
      out.push(`down: ${receive({ type: "upsert", version: 2, backend: bv("b2", { healthy: false }) })}: ${yield* round(4)}`);
      out.push(`a stale "up": ${receive({ type: "upsert", version: 2, backend: bv("b2") })}: ${yield* round(4)}`);
      out.push(`up: ${receive({ type: "upsert", version: 3, backend: bv("b2") })}: ${yield* round(4)}`);
      yield* hubSleep(10);
      yield* ep.shutdown(100);
      return out;
    });
    expect(result, "a backend marked down is reweighted to 0 through your lab 12 plan (a wanted weight of 0 is kept, not taken as a missing 1)").toEqual([
      "before: b1 b2 b1 b2",
      "down: applied: b1 b1 b1 b1",
      'a stale "up": stale: b1 b1 b1 b1',
      "up: applied: b1 b2 b1 b2",
    ]);
  });

  it("given code, on loopback: --workers 2 serves 200 requests with both workers, a backend the primary's checks mark down gets nothing from any worker, SIGTERM drains and exits 0 with no process left (2 pts)", async () => {
    needsLabs11And12();
    const backends = [await startBackend("b1"), await startBackend("b2")];
    let cluster: Awaited<ReturnType<typeof startClusterProcess>> | null = null;
    try {
      cluster = await startClusterProcess(backends, 2);
      const c = cluster;
      const served: Record<string, number> = {};
      for (let i = 0; i < 200; i += 4) {
        for (const got of await Promise.all([0, 1, 2, 3].map(() => ask(c.port)))) served[got || "(nothing)"] = (served[got || "(nothing)"] ?? 0) + 1;
      }
      expect(served, "every request is answered by b1 or b2").toEqual({ b1: expect.any(Number), b2: expect.any(Number) });
      const seen = await c.until(async () => {
        const w = await getJson<WorkersView>(c.adminPort, "/workers");
        return w.workers.reduce((n, x) => n + x.accepted, 0) >= 200 ? w : null;
      }, 10_000);
      expect(seen, `the workers report 200 connections within 10 s; output: ${c.output()}`).toBeTruthy();
      const pids = seen!.workers.map((w) => w.pid);
      expect(new Set(pids).size, "two worker processes").toBe(2);
      for (const w of seen!.workers) expect(w.accepted, `worker ${w.id} (pid ${w.pid}) accepted connections`).toBeGreaterThan(0);

      const versionBefore = (await getJson<WorkersView>(c.adminPort, "/workers")).version; // b2 is still up in it
      backends[1]!.sick = true;
      const down = await c.until(async () => {
        // The admin API is read first: once it says b2 is down, a version of the view read after it that every
        // worker has applied includes the change (read the other way round, the workers could be level with a
        // version from before it).
        const b = await getJson<{ backends: { name: string; healthy: boolean }[] }>(c.adminPort, "/admin/listeners/web/backends");
        const marked = b.backends.find((x) => x.name === "b2")?.healthy === false;
        if (!marked) return null;
        const w = await getJson<WorkersView>(c.adminPort, "/workers");
        return w.version > versionBefore && w.workers.every((x) => x.version === w.version) ? w : null;
      }, 15_000);
      expect(down, `the primary marks b2 down and every worker applies it within 15 s; output: ${c.output()}`).toBeTruthy();
      const before = backends[1]!.served;
      const after: string[] = [];
      for (let i = 0; i < 40; i += 4) after.push(...(await Promise.all([0, 1, 2, 3].map(() => ask(c.port)))));
      expect(after.filter((x) => x !== "b1"), "after b2 is down every answer comes from b1").toEqual([]);
      expect(backends[1]!.served - before, "b2 got no connection from any worker").toBe(0);

      c.child.kill("SIGTERM");
      const code = await exitWithin(c.exited);
      expect(code, c.output()).toBe(0);
      expect(pids.filter(isAlive), "no worker outlives the primary").toEqual([]);
    } finally {
      cluster?.group.kill();
      for (const b of backends) await b.close();
    }
  }, 120_000);
});

