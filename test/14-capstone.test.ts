// Grading tests for lab 14-capstone. TODO header (owner: core).
import { describe, expect, it } from "vitest";
// --- imports: core (tasks 1–4)

// --- imports: drill (task 5)

// --- imports: workers (task 6)
import { sleep as hubSleep } from "@target/02-hub/green";
import type { Green as HubGreen } from "@target/02-hub/suspend";
import { spawn as hubSpawn } from "@target/03-cancellation/greenthread";
import { mulberry32 as workersRandom } from "@target/05-green-sockets/random";
import type { Socket as HubSocket } from "@target/05-green-sockets/socket";
import { startElasticProxy as startWorkerProxy } from "@target/12-elastic/proxy";
import { applyUpdate, backendOf, EMPTY_VIEW, follow, type BackendView, type ClusterView, type Update } from "@target/14-capstone/updates";
import { isAlive } from "../tools/lib/process-group";
import { ask, getJson, startBackend, startClusterProcess, until, type WorkersView } from "./support/cluster";
import { SEED as WORKERS_SEED, simulate as simulateWorkers } from "./support/net";

// --- end imports

// --- tests: core (tasks 1–4)

// --- tests: drill (task 5)

// --- tests: workers (task 6)
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
    const snap = applyUpdate(v3, { type: "snapshot", version: 9, backends: [bv("b7")] });
    expect(snap.outcome).toBe("applied");
    expect(snap.view).toEqual({ version: 9, backends: [bv("b7")] });
    expect(applyUpdate(v3, { type: "snapshot", version: 3, backends: [] }).outcome, "a snapshot at the view's own version").toBe("stale");
    expect(applyUpdate(EMPTY_VIEW, { type: "snapshot", version: 1, backends: [bv("b1")] }).view.backends).toHaveLength(1);
    expect(names(v3), "the view passed in is untouched").toEqual(["web/b1 w1", "web/b2 w1"]);
  });

  it("on the simulated network, a worker's proxy following the updates sends nothing to a backend marked down, and again once it is up (1 pts)", () => {
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
    expect(result).toEqual([
      "before: b1 b2 b1 b2",
      "down: applied: b1 b1 b1 b1",
      'a stale "up": stale: b1 b1 b1 b1',
      "up: applied: b1 b2 b1 b2",
    ]);
  });

  it("given code, on loopback: --workers 2 serves 200 requests with both workers, a backend the primary's checks mark down gets nothing from any worker, SIGTERM drains and exits 0 with no process left (2 pts)", async () => {
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
      const seen = await until(async () => {
        const w = await getJson<WorkersView>(c.adminPort, "/workers");
        return w.workers.reduce((n, x) => n + x.accepted, 0) >= 200 ? w : null;
      }, 5000);
      expect(seen, `the workers report 200 connections within 5 s; output: ${c.output()}`).toBeTruthy();
      const pids = seen!.workers.map((w) => w.pid);
      expect(new Set(pids).size, "two worker processes").toBe(2);
      for (const w of seen!.workers) expect(w.accepted, `worker ${w.id} (pid ${w.pid}) accepted connections`).toBeGreaterThan(0);

      backends[1]!.sick = true;
      const down = await until(async () => {
        const w = await getJson<WorkersView>(c.adminPort, "/workers");
        const b = await getJson<{ backends: { name: string; healthy: boolean }[] }>(c.adminPort, "/admin/listeners/web/backends");
        const marked = b.backends.find((x) => x.name === "b2")?.healthy === false;
        return marked && w.workers.every((x) => x.version === w.version) ? w : null;
      }, 5000);
      expect(down, `the primary marks b2 down and every worker applies it within 5 s; output: ${c.output()}`).toBeTruthy();
      const before = backends[1]!.served;
      const after: string[] = [];
      for (let i = 0; i < 40; i += 4) after.push(...(await Promise.all([0, 1, 2, 3].map(() => ask(c.port)))));
      expect(after.filter((x) => x !== "b1"), "after b2 is down every answer comes from b1").toEqual([]);
      expect(backends[1]!.served - before, "b2 got no connection from any worker").toBe(0);

      c.child.kill("SIGTERM");
      const code = await Promise.race([c.exited, new Promise((r) => setTimeout(() => r("still running 10 s after SIGTERM"), 10_000))]);
      expect(code, c.output()).toBe(0);
      expect(pids.filter(isAlive), "no worker outlives the primary").toEqual([]);
    } finally {
      cluster?.group.kill();
      for (const b of backends) await b.close();
    }
  }, 40_000);
});

// --- end tests
