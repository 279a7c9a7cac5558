// Grading tests for lab 10-health: HAProxy's and Envoy's health check state machines, outlier ejection (runs of
// failures, success rate, ejection time), Envoy's retry budget, backoff with full jitter, and all of it on chapter
// 08's proxy — on the simulated network and on loopback. Time is the hub's virtual clock except on loopback.
//
// A randomized test prints its seed when it fails. Replay it with, for example:
//   SEED=1234 HUB_TARGET=labs npx vitest run test/10-health.test.ts   (on the reference: without HUB_TARGET)
import { spawn as spawnProcess } from "node:child_process";
import { describe, expect, it } from "vitest";
import { sleep } from "@target/02-hub/green";
import { getHub } from "@target/02-hub/hub";
import type { Green } from "@target/02-hub/suspend";
import { spawn } from "@target/03-cancellation/greenthread";
import { mulberry32 } from "@target/05-green-sockets/random";
import { realNetwork } from "@target/05-green-sockets/node-network";
import type { Address, Socket } from "@target/05-green-sockets/socket";
import type { Backend } from "@target/08-tcp-proxy/balancer";
import { fullJitter } from "@target/10-health/backoff";
import { EnvoyBudget } from "@target/10-health/budget";
import type { CheckResult } from "@target/10-health/checker";
import { ejectionTime, mayEject, nextMultiplier } from "@target/10-health/ejection";
import { EnvoyChecker } from "@target/10-health/envoy";
import { HaproxyChecker } from "@target/10-health/haproxy";
import { OutlierDetector } from "@target/10-health/outlier";
import { startHealthyProxy } from "@target/10-health/proxy";
import { successRateOutliers } from "@target/10-health/success-rate";
import { readAll, real, replayWith, request, SEED, server, simulate } from "./support/net";
import { requireLab } from "./support/prerequisites";
import { LAB08_PROXY, lab08ProxyForwards } from "./support/tcp-proxy";

const replay = `seed ${SEED}; ${replayWith("test/10-health.test.ts")(SEED)}`;
const backend = (name: string, port = 8080): Backend => ({ name, address: { host: name, port } });
const backends = (n: number): Backend[] => Array.from({ length: n }, (_, i) => backend(`b${i + 1}`));
const LB: Address = { host: "lb", port: 80 };

const needsLab08 = (): void => requireLab("08", LAB08_PROXY, lab08ProxyForwards);

/** Feeds results to a checker; returns `healthy` after each. */
const feed = (c: { record(r: CheckResult): void; healthy: boolean }, ...rs: CheckResult[]): boolean[] =>
  rs.map((r) => {
    c.record(r);
    return c.healthy;
  });

/** A backend that answers with its name and closes. */
const answers = (name: string) =>
  function* (s: Socket): Green<void> {
    yield* readAll(s);
    yield* s.sendall(name);
  };

describe("task 1: HAProxy's rise/fall machine", () => {
  it("a new server starts UP at health = rise, and one failed check at boot marks it DOWN (1 pts)", () => {
    const c = new HaproxyChecker({ rise: 2, fall: 3 });
    expect(c.healthy).toBe(true);
    expect(c.health).toBe(2);
    c.record("timeout");
    expect(c.healthy).toBe(false);
    expect(c.health, "below rise: straight to 0").toBe(0);
  });

  it("rise passes bring a DOWN server UP, at the top; fall failures bring it DOWN, to 0 (2 pts)", () => {
    const c = new HaproxyChecker({ rise: 2, fall: 3 });
    c.record("network");
    expect(feed(c, "pass", "pass")).toEqual([false, true]);
    expect(c.health, "UP: health jumps to rise + fall - 1").toBe(4);
    expect(feed(c, "network", "pass"), "a pass in the middle of failures brings it back up").toEqual([true, true]);
    expect(c.health).toBe(4);
    expect(feed(c, "status", "timeout", "network")).toEqual([true, true, false]);
    expect(c.health).toBe(0);
    expect(feed(c, "timeout"), "health never goes below 0").toEqual([false]);
    expect(c.health).toBe(0);
    expect(feed(c, "pass", "timeout", "pass", "pass"), "a failure while rising starts the climb again").toEqual([false, false, false, true]);
  });

  it("checks every inter when fully UP, downinter when fully DOWN, fastinter in between (2 pts)", () => {
    const c = new HaproxyChecker({ inter: 2000, fastinter: 500, downinter: 5000, rise: 2, fall: 3 });
    expect(c.interval(), "at boot health = rise: not the top yet").toBe(500);
    c.record("pass");
    expect(c.interval(), "fully UP").toBe(2000);
    c.record("timeout");
    expect(c.interval(), "UP, failing").toBe(500);
    c.record("timeout");
    c.record("timeout");
    expect(c.interval(), "fully DOWN").toBe(5000);
    c.record("pass");
    expect(c.interval(), "DOWN, passing").toBe(500);
    const plain = new HaproxyChecker({ inter: 3000 });
    plain.record("network");
    expect(plain.interval(), "downinter defaults to inter").toBe(3000);
  });

  it("with rise 1 and fall 1 every check decides (1 pts)", () => {
    const c = new HaproxyChecker({ rise: 1, fall: 1 });
    expect(feed(c, "pass", "network", "pass", "timeout", "timeout", "pass")).toEqual([true, false, true, false, false, true]);
  });
});

describe("task 2: Envoy's threshold machine", () => {
  it("a new host starts unhealthy, and its first passing check makes it healthy (1 pts)", () => {
    const c = new EnvoyChecker({ healthyThreshold: 3 });
    expect(c.healthy).toBe(false);
    expect(feed(c, "pass")).toEqual([true]);
    const late = new EnvoyChecker({ healthyThreshold: 3 });
    expect(feed(late, "timeout", "pass", "pass", "pass"), "the first check failed: the threshold applies").toEqual([false, false, false, true]);
  });

  it("a non-2xx answer makes a healthy host unhealthy at once (2 pts)", () => {
    const c = new EnvoyChecker({ unhealthyThreshold: 3 });
    c.record("pass");
    expect(feed(c, "status")).toEqual([false]);
  });

  it("timeouts and network errors count toward unhealthy_threshold; a pass resets the count (2 pts)", () => {
    const c = new EnvoyChecker({ unhealthyThreshold: 3, healthyThreshold: 2 });
    c.record("pass");
    expect(feed(c, "timeout", "network", "pass", "timeout", "timeout", "network")).toEqual([true, true, true, true, true, false]);
    expect(feed(c, "pass", "timeout", "pass", "pass"), "healthy_threshold passes in a row").toEqual([false, false, false, true]);
  });

  it("checks every interval, or unhealthy_interval while unhealthy, plus up to jitter percent (1 pts)", () => {
    const c = new EnvoyChecker({ interval: 1000, unhealthyInterval: 4000, jitterPercent: 10 }, { random: mulberry32(SEED) });
    const down = Array.from({ length: 50 }, () => c.nextDelay());
    c.record("pass");
    const up = Array.from({ length: 50 }, () => c.nextDelay());
    for (const d of down) expect(d >= 4000 && d < 4400, `${d}; ${replay}`).toBe(true);
    for (const d of up) expect(d >= 1000 && d < 1100, `${d}; ${replay}`).toBe(true);
    expect(new Set(up).size, "the jitter varies").toBeGreaterThan(5);
  });
});

describe("task 3: runs of failures and the success rate", () => {
  it("five 5xx in a row eject a host; a success in between resets the run (2 pts)", () => {
    const [a, b] = backends(2);
    const d = new OutlierDetector([a, b], {}, { now: () => 1000, random: () => 0.5 });
    for (const s of [500, 503, 502, 200, 500, 500, 500, 500]) d.record(a, s);
    expect(d.isEjected(a), "only four in a row since the 200").toBe(false);
    d.record(a, 504);
    expect(d.isEjected(a), "five 5xx in a row since the 200").toBe(true);
    expect(d.events.map((e) => `${e.action} ${e.backend.name} ${e.reason}`)).toEqual(["eject b1 consecutive-5xx"]);
    expect(d.isEjected(b)).toBe(false);
    // The tallies the interval's success rate reads: every response counted, every 5xx a failure.
    const h = d.hosts.get(a)!;
    expect({ total: h.total, failed: h.failed }, "b1's tallies after nine responses, eight of them 5xx").toEqual({ total: 9, failed: 8 });
  });

  it("gateway failures (502, 503, 504) in a row eject when that detector is enforced (1 pts)", () => {
    const [a, b] = backends(2);
    const d = new OutlierDetector([a, b], { consecutive5xx: 100, consecutiveGatewayFailure: 3, enforcing: { consecutiveGatewayFailure: 100 } }, { now: () => 0, random: () => 0.5 });
    for (const s of [502, 500, 503, 504]) d.record(a, s);
    expect(d.isEjected(a), "a 500 is a 5xx but not a gateway failure: it breaks the run").toBe(false);
    d.record(a, 502);
    expect(d.isEjected(a), "three gateway failures in a row since the 500").toBe(true);
    expect(d.events[0]?.reason).toBe("consecutive-gateway-failure");
    const d2 = new OutlierDetector([a, b], { consecutive5xx: 100, consecutiveGatewayFailure: 3, enforcing: { consecutiveGatewayFailure: 100 } }, { now: () => 0, random: () => 0.5 });
    for (const s of [502, 503, 200, 504, 502]) d2.record(a, s);
    expect(d2.isEjected(a), "a success (the 200) sets the gateway run to 0 as well as the 5xx one").toBe(false);
    d2.record(a, 503);
    expect(d2.isEjected(a), "three gateway failures in a row since the 200").toBe(true);
  });

  it("success rate: below mean − 1.9 × population stdev is an outlier (2 pts)", () => {
    const t = (ok: number, total = 200) => ({ total, failed: total - ok });
    // rates 100, 100, 100, 100, 100, 50: mean 91.67, population stdev 18.63, threshold 56.27
    expect(successRateOutliers([t(200), t(200), t(200), t(200), t(200), t(100)])).toEqual([5]);
    // rates 100 × 4 and 60: mean 92, stdev 16 (population), threshold 61.6: 60 is out; with n − 1 it would not be
    expect(successRateOutliers([t(100, 100), t(100, 100), t(100, 100), t(100, 100), t(60, 100)])).toEqual([4]);
    expect(successRateOutliers([t(100, 100), t(100, 100), t(100, 100), t(100, 100), t(60, 100)], { stdevFactor: 2 }), "factor 2: threshold 60").toEqual([]);
  });

  it("success rate needs request_volume requests on each host counted, and minimum_hosts such hosts (1 pts)", () => {
    const t = (ok: number, total: number) => ({ total, failed: total - ok });
    const good = [t(100, 100), t(100, 100), t(100, 100), t(100, 100)];
    // rates 100 × 4 and 0: mean 80, stdev 40, threshold 4
    expect(successRateOutliers([...good, t(0, 100)])).toEqual([4]);
    expect(successRateOutliers([...good, t(0, 99)]), "the bad host has 99 requests: not counted").toEqual([]);
    expect(successRateOutliers([...good, t(0, 100)], { minimumHosts: 6 }), "five hosts < minimum 6").toEqual([]);
    expect(successRateOutliers([...good, t(0, 20)], { requestVolume: 20 })).toEqual([4]);
    expect(successRateOutliers([t(0, 99), ...good, t(0, 100)]), "an index into the tallies given, the host not counted included").toEqual([5]);
  });
});

describe("task 4: the ejection time", () => {
  it("base × multiplier, capped at max(base, max) (1 pts)", () => {
    expect([1, 2, 3, 10, 11, 20].map((m) => ejectionTime(30_000, 300_000, m))).toEqual([30_000, 60_000, 90_000, 300_000, 300_000, 300_000]);
    expect(ejectionTime(30_000, 10_000, 3), "max below base: base").toBe(30_000);
  });

  it("the multiplier grows by one per ejection while base × multiplier < max + base (1 pts)", () => {
    const seen: number[] = [];
    for (let m = 0, i = 0; i < 13; i++) seen.push((m = nextMultiplier(30_000, 300_000, m)));
    expect(seen).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 11, 11]);
  });

  it("max_ejection_percent, but at least one host may always be ejected (1 pts)", () => {
    expect(mayEject(0, 3, 10), "none ejected yet: always").toBe(true);
    expect(mayEject(1, 3, 10), "mayEject(1, 3, 10): (1 + 1) / 3 = 67% > 10%").toBe(false);
    expect(mayEject(1, 10, 20), "(1 + 1) / 10 = 20% ≤ 20%").toBe(true);
    expect(mayEject(2, 10, 20), "mayEject(2, 10, 20): (2 + 1) / 10 = 30% > 20%").toBe(false);
  });

  it("on interval ticks an ejected host returns after its time, and its multiplier decays while healthy (1 pts)", () => {
    let now = 0;
    const hosts = backends(10);
    const d = new OutlierDetector(hosts, { interval: 10_000, baseEjectionTime: 30_000, maxEjectionPercent: 10 }, { now: () => now, random: () => 0.5 });
    const fail5 = (b: Backend) => {
      for (let i = 0; i < 5; i++) d.record(b, 503);
    };
    fail5(hosts[0]);
    fail5(hosts[1]);
    expect([d.isEjected(hosts[0]), d.isEjected(hosts[1])], "10% of 10 hosts: one").toEqual([true, false]);
    const ticks: string[] = [];
    for (now = 10_000; now <= 40_000; now += 10_000) {
      d.tick();
      ticks.push(`${now / 1000}s ${d.isEjected(hosts[0]) ? "out" : "in"} x${d.hosts.get(hosts[0])!.multiplier}`);
    }
    expect(ticks).toEqual(["10s out x1", "20s out x1", "30s in x1", "40s in x0"]);
    fail5(hosts[0]);
    expect(d.ejectedFor(hosts[0]), "ejected again after decaying: base × 1").toBe(30_000);
  });
});

describe("task 5: Envoy's retry budget", () => {
  it("retries in flight ≤ max(20% of active requests, 3) (2 pts)", () => {
    const b = new EnvoyBudget();
    for (let i = 0; i < 10; i++) b.requestStarted();
    expect(b.max(), "20% of 10 = 2 < 3").toBe(3);
    const allowed = Array.from({ length: 5 }, () => b.tryRetry());
    expect(allowed).toEqual([true, true, true, false, false]);
    b.retryEnded();
    expect(b.tryRetry(), "one ended: room for one").toBe(true);
  });

  it("the budget grows with the traffic, and a refused retry is not counted (2 pts)", () => {
    const b = new EnvoyBudget({ budgetPercent: 25, minRetryConcurrency: 1 });
    for (let i = 0; i < 100; i++) b.requestStarted();
    expect(b.max()).toBe(25);
    let ok = 0;
    for (let i = 0; i < 40; i++) if (b.tryRetry()) ok++;
    expect(ok).toBe(25);
    expect(b.retries).toBe(25);
    for (let i = 0; i < 84; i++) b.requestEnded();
    expect(b.max(), "25% of 16 active = 4").toBe(4);
    b.requestEnded();
    expect(b.max(), "25% of 15 = 3.75: a whole number of retries, rounded down").toBe(3);
    for (let i = 0; i < 14; i++) b.requestEnded();
    expect(b.max(), "one active request: the minimum").toBe(1);
  });
});

describe("task 6: backoff with full jitter, and all of it on chapter 08's proxy", () => {
  it("retry n waits a whole number of ms drawn from [0, min(cap, base × 2^n)) (1 pts)", () => {
    expect(fullJitter(0, 25, 250, () => 0.999)).toBe(24);
    expect(fullJitter(2, 25, 250, () => 0.5)).toBe(50);
    expect(fullJitter(9, 25, 250, () => 0.999), "capped").toBe(249);
    expect(fullJitter(3, 25, 250, () => 0)).toBe(0);
    const random = mulberry32(SEED);
    const draws = Array.from({ length: 2000 }, () => fullJitter(3, 10, 1000, random));
    expect(Math.max(...draws), replay).toBeLessThan(80);
    const mean = draws.reduce((s, x) => s + x, 0) / draws.length;
    expect(mean, `uniform: mean near 40; ${replay}`).toBeGreaterThan(36);
    expect(mean, replay).toBeLessThan(43);
  });

  it("a backend down: connect failures are retried on another backend, then it is ejected (1 pts)", () => {
    needsLab08();
    const { result } = simulate({ seed: SEED, latency: 1 }, function* (net) {
      const bs = backends(3);
      for (const b of [bs[0], bs[2]]) yield* server(net.host(b.name), b.address, answers(b.name));
      const hp = yield* startHealthyProxy({ network: net.host("lb"), listen: LB, backends: bs, random: mulberry32(SEED), retry: { maxRetries: 2 } });
      const got: string[] = [];
      for (let i = 0; i < 30; i++) got.push(yield* request(net.host("c"), LB, "hi"));
      const out = { got: new Set(got), failed: got.filter((g) => g === "").length, ejected: hp.outlier!.isEjected(bs[1]), retries: hp.counters.retries, events: hp.outlier!.events.map((e) => e.reason) };
      yield* hp.stop();
      return out;
    });
    // Through your lab 08 proxy on your lab 05 sockets: a lost client with those labs passing is this lab's retry.
    expect(result.failed, "no client lost (a request that got no answer: its connect failure was not retried)").toBe(0);
    expect([...result.got].sort(), "answered by the two live backends only").toEqual(["b1", "b3"]);
    expect(result.retries, "one retry per failed connect to b2, until it is ejected").toBe(5);
    expect(result.ejected).toBe(true);
    expect(result.events).toEqual(["consecutive-5xx"]);
  });

  it("active checks take a dead backend out and put it back; the breaker resets overflow at once (1 pts)", () => {
    needsLab08();
    const { result } = simulate({ seed: SEED, latency: 1 }, function* (net) {
      const bs = backends(2);
      const l2 = yield* net.host("b2").listen(bs[1].address);
      l2.close(); // b2 is down at first
      yield* server(net.host("b1"), bs[0].address, answers("b1"));
      const hp = yield* startHealthyProxy({
        network: net.host("lb"),
        listen: LB,
        backends: bs,
        random: mulberry32(SEED),
        health: { kind: "haproxy", inter: 1000, rise: 2, fall: 2 },
        outlier: null,
        breaker: { maxConnections: 2 },
      });
      yield* sleep(3000);
      const atThree = bs.map((b) => hp.usable(b));
      yield* server(net.host("b2"), bs[1].address, answers("b2"));
      yield* sleep(3000);
      const atSix = bs.map((b) => hp.usable(b));
      // Two clients hold their connections open: the third is over max_connections and is reset at once.
      const holders = [0, 1].map(() =>
        spawn(function* () {
          const s = yield* net.host("c").connect(LB);
          yield* sleep(500);
          yield* s.sendall("x");
          s.shutdown();
          yield* readAll(s);
          s.close();
        }),
      );
      yield* sleep(50);
      let third = "";
      const t0 = getHub().now();
      try {
        third = yield* request(net.host("c"), LB, "x");
      } catch (e) {
        third = `${(e as Error).name} after ${getHub().now() - t0} ms`;
      }
      for (const t of holders) yield* t.wait();
      const out = { atThree, atSix, third, overflows: hp.breaker.overflows.connections, transitions: hp.monitor!.transitions.map((t) => `${t.backend.name} ${t.healthy ? "UP" : "DOWN"}`) };
      yield* hp.stop();
      return out;
    });
    expect(result.atThree, "b2 refused its first check: DOWN").toEqual([true, false]);
    expect(result.atSix, "two passing checks later: UP").toEqual([true, true]);
    expect(result.transitions).toEqual(["b2 DOWN", "b2 UP"]);
    expect(result.third).toMatch(/^ConnectionResetError after [0-9] ms$/);
    expect(result.overflows).toBe(1);
  });

  it("on loopback, a backend process killed under load through the proxy with retries loses no request started after it died (1 pts)", async () => {
    needsLab08();
    // Three backend processes that answer "<name>:<what they read>". Children of this test: one is killed by it, the
    // rest at the end; each also exits when its stdin closes (this process gone) or after 30 s, whatever happens.
    const script = `const n=require("node:net");const s=n.createServer({allowHalfOpen:true},(c)=>{const p=[];c.on("data",(d)=>p.push(d));c.on("end",()=>c.end(process.argv[1]+":"+Buffer.concat(p)));c.on("error",()=>{})});s.listen(0,"127.0.0.1",()=>console.log(s.address().port));process.stdin.on("end",()=>process.exit(0)).resume();setTimeout(()=>process.exit(0),30000)`;
    const procs = ["p1", "p2", "p3"].map((name) => spawnProcess(process.execPath, ["-e", script, name], { stdio: ["pipe", "pipe", "inherit"] }));
    try {
      const ports = await Promise.all(procs.map((p) => new Promise<number>((ok, fail) => {
        p.stdout!.once("data", (d: Buffer) => ok(Number(d.toString().trim())));
        p.once("exit", () => fail(new Error("a backend process exited before listening")));
      })));
      const bs: Backend[] = ports.map((port, i) => ({ name: `p${i + 1}`, address: { host: "127.0.0.1", port } }));
      const TOTAL = 150;
      const CLIENTS = 4;
      const out = await real(function* () {
        // Until p2 is ejected (its fifth connect failure in a row), a client whose first pick is p2 needs a retry, and
        // each retry is held through its backoff (up to 25 ms) and its connect. All four clients can be retrying at
        // once, one more than Envoy's caps allow by default (the breaker's max_retries 3; the budget's
        // min_retry_concurrency 3, as 20% of four active requests is 0): the fourth retry would be refused and its
        // client reset (an overflow, as Envoy answers it). Both caps are sized to the four clients here, so that what
        // is tested is that no connect failure costs a client, not what the caps do (other tests hold those).
        const hp = yield* startHealthyProxy({
          network: realNetwork,
          listen: { host: "127.0.0.1", port: 0 },
          backends: bs,
          random: mulberry32(SEED),
          retry: { maxRetries: 2, budget: { kind: "envoy", minRetryConcurrency: CLIENTS } },
          breaker: { maxRetries: CLIENTS },
          connectTimeout: 500,
        });
        let started = 0;
        let phase: "before" | "dying" | "after" = "before"; // the kill is sent, then the process is seen dead
        let killedAt = -1; // the number of requests started when it was seen dead
        const failed = { before: [] as string[], dying: [] as string[], after: [] as string[] };
        const worker = function* () {
          while (started < TOTAL) {
            const k = started++;
            const when = phase;
            let got: string;
            try {
              got = yield* request(realNetwork, hp.proxy.address, `req${k}`, 1000);
            } catch (e) {
              got = (e as Error).name;
            }
            if (!/^p[123]:req\d+$/.test(got) || !got.endsWith(`:req${k}`)) failed[when].push(`req${k}: ${got || "(nothing)"}`);
            if (k === 40) {
              procs[1].kill("SIGKILL");
              phase = "dying";
              while (procs[1].exitCode === null && procs[1].signalCode === null) yield* sleep(1);
              // Once its exit is seen, p2's sockets are closed (the kernel closes them before it reports the exit):
              // every connect to it is refused from here on, and retried on p1 or p3.
              phase = "after";
              killedAt = started;
            }
          }
        };
        const workers = Array.from({ length: CLIENTS }, () => spawn(worker));
        for (const w of workers) yield* w.wait();
        const report = { killedAt, failed, retries: hp.counters.retries, refused: hp.breaker.overflows.retries + hp.counters.budgetDenied, ejected: hp.outlier!.isEjected(bs[1]) };
        yield* hp.stop();
        hp.proxy.listener.close();
        return report;
      }, 10_000);
      const { before, dying, after } = out.failed;
      console.log(`loopback: ${TOTAL} requests, p2 seen dead after ${out.killedAt} had started; failed: ${before.length} in flight at the kill, ${dying.length} while it died, ${after.length} after; ${out.retries} retries; p2 ejected: ${out.ejected}`);
      expect(out.killedAt).toBeGreaterThan(0);
      expect(after, "every request started after p2 died is answered: its connect failures were retried (by this lab's retry, through your lab 08 proxy)").toEqual([]);
      expect(before.length, "only the requests of the other three clients, in flight when p2 was killed, may fail").toBeLessThanOrEqual(CLIENTS - 1);
      expect(out.retries).toBeGreaterThan(0);
      expect(out.refused, "no retry was refused: the caps admit one per client").toBe(0);
      expect(out.ejected, "five connect failures in a row eject p2").toBe(true);
    } finally {
      for (const p of procs) if (p.exitCode === null && p.signalCode === null) p.kill("SIGKILL");
    }
  }, 15_000);
});
