// Chapter 14 demo: `npm run lab 14`. TODO header (owner: core).
import { done, step } from "../00-common/demo";
// --- imports: core (tasks 1–4)

// --- imports: drill (task 5)

// --- imports: workers (task 6)
import { runVirtual } from "../02-hub/green";
import type { Green } from "../02-hub/suspend";
import { spawn as spawnThread } from "../03-cancellation/greenthread";
import { mulberry32 } from "../05-green-sockets/random";
import { SimNetwork } from "../05-green-sockets/sim-network";
import { startElasticProxy } from "../12-elastic/proxy";
import { applyUpdate, backendOf, follow, type BackendView, type ClusterView, type Update } from "./updates";

// --- end imports

// --- steps: core (tasks 1–4)

// --- steps: drill (task 5)

// --- steps: workers (task 6)
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

// --- end steps
done();
