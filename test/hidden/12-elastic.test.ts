// Instructor-only tests for lab 12-elastic: edge cases the public tests leave out. Graded by the instructor's
// grader and the Gradescope autograder; never handed out with the student edition.
import { describe, expect, it } from "vitest";
import { sleep } from "@target/02-hub/green";
import { getHub } from "@target/02-hub/hub";
import type { Green } from "@target/02-hub/suspend";
import { spawn } from "@target/03-cancellation/greenthread";
import { mulberry32 } from "@target/05-green-sockets/random";
import type { Socket } from "@target/05-green-sockets/socket";
import type { Backend } from "@target/08-tcp-proxy/balancer";
import { Autoscaler, desiredReplicas } from "@target/12-elastic/autoscaler";
import { FileWatch } from "@target/12-elastic/discovery-file";
import { Membership } from "@target/12-elastic/membership";
import { startElasticProxy } from "@target/12-elastic/proxy";
import { plan } from "@target/12-elastic/reconcile";
import { EnvoySlowStart, HaproxySlowStart } from "@target/12-elastic/slow-start";
import { readAll, request, server, simulate } from "../support/net";

const SEED = 20261212;
const backend = (name: string): Backend => ({ name, address: { host: name, port: 8080 } });

describe("task 1: membership and draining", () => {
  it("a drain with no connection open forgets the member at once; a drain timeout of 0 cuts at once (1 pts)", () => {
    const { result } = simulate({ seed: SEED, latency: 1 }, function* (net) {
      const [a, b] = [backend("a"), backend("b")];
      yield* server(net.host("b"), b.address, function* (s: Socket): Green<void> {
        yield* readAll(s);
        yield* sleep(60_000);
      });
      const m = new Membership();
      const forgotten: string[] = [];
      m.attach({ joined() {}, leaving() {}, forgotten: (x) => forgotten.push(`${x.name}@${getHub().now()}`) });
      m.add(a);
      m.add(b);
      m.drain(a);
      yield* sleep(0);
      const quiet = { forgotten: [...forgotten], usable: m.usable(a) };
      const sock = yield* m.network(net.host("lb")).connect(b.address);
      yield* sleep(10);
      const drainAt = getHub().now();
      m.drain(b, 0);
      yield* sleep(1);
      sock.close();
      return { quiet, forgotten, cut: m.cut, members: m.members.size, drainAt };
    });
    expect(result.quiet).toEqual({ forgotten: ["a@0"], usable: false });
    expect(result.forgotten, "b cut and forgotten the moment it was drained").toEqual(["a@0", `b@${result.drainAt}`]);
    expect(result.cut).toBe(1);
    expect(result.members).toBe(0);
  });

  it("a connect begun before the drain and finished after it is kept, and the member forgotten when it closes (1 pts)", () => {
    const { result } = simulate({ seed: SEED, latency: 50 }, function* (net) {
      const b = backend("b");
      yield* server(net.host("b"), b.address, function* (s: Socket): Green<void> {
        yield* readAll(s);
        yield* s.sendall("ok");
      });
      const m = new Membership({ drainTimeout: 10_000 });
      m.add(b);
      const client = spawn(function* () {
        const sock = yield* m.network(net.host("lb")).connect(b.address); // 50 ms each way: still connecting at the drain
        yield* sleep(500);
        yield* sleep(0);
        sock.shutdown();
        const got = (yield* readAll(sock)).toString();
        sock.close();
        return got;
      });
      yield* sleep(10);
      m.drain(b);
      const got = yield* client.wait();
      const at = getHub().now();
      yield* m.settled();
      return { got, cut: m.cut, forgotten: m.events.filter((e) => e.action === "forget").map((e) => e.at >= at - 1) };
    });
    expect(result.got, "the connection did its work").toBe("ok");
    expect(result.cut).toBe(0);
    expect(result.forgotten, "forgotten once it closed, not before").toEqual([true]);
  });

  it("the elastic proxy's graceful stop lets a long connection finish within the grace, through the drain path (1 pts)", () => {
    const { result } = simulate({ seed: SEED, latency: 1 }, function* (net) {
      const b = backend("b1");
      yield* server(net.host("b1"), b.address, function* (s: Socket): Green<void> {
        yield* readAll(s);
        yield* sleep(3000);
        yield* s.sendall("done");
      });
      const ep = yield* startElasticProxy({ network: net.host("lb"), listen: { host: "lb", port: 80 }, backends: [b], random: mulberry32(SEED) });
      const client = spawn(function* () {
        return yield* request(net.host("c"), { host: "lb", port: 80 }, "x");
      });
      yield* sleep(100);
      const report = yield* ep.shutdown(10_000);
      const answer = yield* client.wait();
      return { report, answer, events: ep.membership.events.map((e) => e.action) };
    });
    expect(result.answer).toBe("done");
    expect(result.report).toEqual({ finished: 1, cut: 0 });
    expect(result.events).toEqual(["add", "drain", "forget"]);
  });
});

describe("task 2: planning a discovery source's changes", () => {
  it("a weight back to the default is a reweight; a name that is new is added, one no longer wanted drained (1 pts)", () => {
    const cur = { backend: backend("a"), weight: 4, draining: false };
    expect(plan([cur], [{ name: "a", host: "a", port: 8080 }]).reweight.map((r) => r.weight)).toEqual([1]);
    expect(plan([], [{ name: "x", host: "x", port: 1 }]).add).toHaveLength(1);
    expect(plan([cur], []).drain.map((b) => b.name)).toEqual(["a"]);
  });

  it("a YAML edit with an unknown field is refused with its line, and the set stays (1 pts)", () => {
    const { result } = simulate({ seed: SEED, latency: 1 }, function* () {
      const m = new Membership();
      let text = "- name: a\n  host: a\n  port: 80\n";
      const w = new FileWatch(m, "set.yml", { read: () => text });
      w.check();
      text = "- name: a\n  host: a\n  port: 80\n- name: b\n  host: b\n  port: 80\n  wieght: 2\n";
      w.check();
      return { names: m.active.map((b) => b.name), line: w.error?.line ?? null, message: w.error?.message ?? "" };
    });
    expect(result.names).toEqual(["a"]);
    expect(result.line).toBe(4);
    expect(result.message).toMatch(/unknown field "wieght"/);
  });
});

describe("task 3: HAProxy's slowstart", () => {
  it("a one-second slowstart: the minimal step for the first second, then full (1 pts)", () => {
    const ss = new HaproxySlowStart(1);
    expect(ss.seconds).toBe(1);
    expect([0, 999, 1000].map((ms) => ss.weightFactor(ms) * 16)).toEqual([1, 1, 16]);
    expect([0, 999, 1000].map((ms) => ss.maxConnections(ms, 1000))).toEqual([1, 1, 1000]);
  });
});

describe("task 4: Envoy's slow start", () => {
  it("aggression below 1 ramps slowly at first; min_weight_percent 50 floors it (1 pts)", () => {
    const slow = new EnvoySlowStart(10_000, { aggression: 0.5, minWeightPercent: 0 });
    expect(slow.weightFactor(5000)).toBeCloseTo(0.25, 12);
    expect(slow.weightFactor(9000)).toBeCloseTo(0.81, 12);
    expect(new EnvoySlowStart(10_000, { minWeightPercent: 50 }).weightFactor(2000)).toBeCloseTo(0.5, 12);
  });
});

describe("task 5: the HPA's replica count", () => {
  it("no load asks for zero, which min replicas raises; a tolerance of 0 reacts to any change (1 pts)", () => {
    expect(desiredReplicas(5, 0, 50)).toBe(0);
    expect(desiredReplicas(5, 51, 50, 0)).toBe(6);
    const hpa = new Autoscaler({ minReplicas: 3, maxReplicas: 10, target: 50, scaleDown: { stabilizationWindow: 0 } });
    expect(hpa.decide(0, 5, 0)).toBe(3);
  });
});

describe("task 6: stabilization, scaling policies, and the whole story", () => {
  it("selectPolicy Min takes the policy allowing the least; a scale-up window holds a rise back (1 pts)", () => {
    const hpa = new Autoscaler({ maxReplicas: 100, target: 10, scaleUp: { selectPolicy: "Min" } });
    expect(hpa.scaleUpLimit(0, 10), "min(10 × 2, 10 + 4)").toBe(14);
    const held = new Autoscaler({ maxReplicas: 100, target: 10, scaleUp: { stabilizationWindow: 60_000 } });
    expect(held.stabilize(0, 2, 2)).toBe(2);
    expect(held.stabilize(15_000, 2, 8), "the lowest recommendation of the last minute is 2").toBe(2);
    expect(held.stabilize(61_000, 2, 8)).toBe(8);
  });

  it("a scale-down policy of 1 pod a minute steps down one at a time (1 pts)", () => {
    const hpa = new Autoscaler({ maxReplicas: 20, target: 50, scaleDown: { stabilizationWindow: 0, policies: [{ type: "Pods", value: 1, period: 60_000 }] } });
    let n = 6;
    const seen: number[] = [];
    for (let t = 0; t <= 180_000; t += 30_000) seen.push((n = hpa.decide(t, n, 10 / n)));
    expect(seen).toEqual([5, 5, 4, 4, 3, 3, 2]);
  });
});
