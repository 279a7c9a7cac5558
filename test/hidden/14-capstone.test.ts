// Instructor-only tests for lab 14-capstone: edge cases the public tests leave out. Graded by the instructor's
// grader and the Gradescope autograder; never handed out with the student edition.
import { describe, expect, it } from "vitest";
// --- imports: core (tasks 1–4)

// --- imports: drill (task 5)

// --- imports: workers (task 6)
import { mulberry32 as workersRandom } from "@target/05-green-sockets/random";
import { applyUpdate, EMPTY_VIEW, type BackendView, type ClusterView, type Update } from "@target/14-capstone/updates";
import { isAlive } from "../../tools/lib/process-group";
import { ask, getJson, startBackend, startClusterProcess, until, type WorkersView } from "../support/cluster";
import { replayWith, SEED as WORKERS_SEED } from "../support/net";

// --- end imports

// --- tests: core (tasks 1–4)

// --- tests: drill (task 5)

// --- tests: workers (task 6)
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

  it("given code, on loopback: a worker killed is forked again, starts from a snapshot that has a backend already down, and sends it nothing (1 pts)", async () => {
    const backends = [await startBackend("b1"), await startBackend("b2")];
    let cluster: Awaited<ReturnType<typeof startClusterProcess>> | null = null;
    try {
      cluster = await startClusterProcess(backends, 2);
      const c = cluster;
      backends[1]!.sick = true;
      const down = await until(async () => {
        const b = await getJson<{ backends: { name: string; healthy: boolean }[] }>(c.adminPort, "/admin/listeners/web/backends");
        return b.backends.find((x) => x.name === "b2")?.healthy === false;
      }, 5000);
      expect(down, `the primary marks b2 down within 5 s; output: ${c.output()}`).toBe(true);
      const first = await getJson<WorkersView>(c.adminPort, "/workers");
      const victim = first.workers[0]!.pid;
      process.kill(victim, "SIGKILL");
      const replaced = await until(async () => {
        const w = await getJson<WorkersView>(c.adminPort, "/workers");
        return w.workers.length === 2 && !w.workers.some((x) => x.pid === victim) && w.workers.every((x) => x.version === w.version) ? w : null;
      }, 20_000);
      expect(replaced, `a new worker replaces pid ${victim} within 20 s; output: ${c.output()}`).toBeTruthy();
      const before = backends[1]!.served;
      const answers: string[] = [];
      for (let i = 0; i < 40; i += 4) answers.push(...(await Promise.all([0, 1, 2, 3].map(() => ask(c.port)))));
      expect(answers.filter((x) => x !== "b1"), "every answer from b1").toEqual([]);
      expect(backends[1]!.served - before, "b2, down, got nothing from the new worker either").toBe(0);
      const w = await until(async () => {
        const x = await getJson<WorkersView>(c.adminPort, "/workers");
        return x.workers.every((y) => y.accepted > 0) ? x : null;
      }, 5000);
      expect(w, "both workers, the new one too, accepted connections").toBeTruthy();
      c.child.kill("SIGTERM");
      const code = await Promise.race([c.exited, new Promise((r) => setTimeout(() => r("still running 10 s after SIGTERM"), 10_000))]);
      expect(code, c.output()).toBe(0);
      expect(w!.workers.map((x) => x.pid).filter(isAlive), "no worker left").toEqual([]);
    } finally {
      cluster?.group.kill();
      for (const b of backends) await b.close();
    }
  }, 60_000);
});

// --- end tests
