// Grading tests for lab 12-elastic: the membership and its drains, planning a discovery source's changes, HAProxy's
// and Envoy's slow start, the HPA's replica count, its stabilization and scaling policies — and the given parts on
// top of them: the admin API, discovery from a file and from DNS, the elastic proxy on the simulated network and on
// loopback, and the whole story simulated. Time is the hub's virtual clock except on loopback.
//
// A randomized test prints its seed when it fails. Replay it with, for example:
//   SEED=1234 HUB_TARGET=labs npx vitest run test/12-elastic.test.ts   (on the reference: without HUB_TARGET)
import { spawn as spawnProcess } from "node:child_process";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { sleep } from "@target/02-hub/green";
import { getHub } from "@target/02-hub/hub";
import type { Green } from "@target/02-hub/suspend";
import { spawn } from "@target/03-cancellation/greenthread";
import { mulberry32 } from "@target/05-green-sockets/random";
import { realNetwork } from "@target/05-green-sockets/node-network";
import type { SimNetwork } from "@target/05-green-sockets/sim-network";
import type { Address, Socket } from "@target/05-green-sockets/socket";
import type { Backend } from "@target/08-tcp-proxy/balancer";
import { HttpClient } from "@target/07-http/client";
import { startHttpProxy } from "@target/11-http-proxy/proxy";
import { startAdmin } from "@target/12-elastic/admin";
import { Autoscaler, desiredReplicas } from "@target/12-elastic/autoscaler";
import { DnsWatch, type DnsRecord, type RecordType } from "@target/12-elastic/discovery-dns";
import { FileWatch } from "@target/12-elastic/discovery-file";
import { followMembership } from "@target/12-elastic/http";
import { LiveWeighted } from "@target/12-elastic/live-weighted";
import { Membership } from "@target/12-elastic/membership";
import { startElasticProxy, type ElasticProxy } from "@target/12-elastic/proxy";
import { plan } from "@target/12-elastic/reconcile";
import { rampLoad, simulateFleet } from "@target/12-elastic/sim";
import { EnvoySlowStart, HaproxySlowStart } from "@target/12-elastic/slow-start";
import { LAB11_PROXY, lab11ProxyForwards } from "./support/http-proxy";
import { readAll, real, replayWith, request, SEED, server, simulate } from "./support/net";
import { requireLab } from "./support/prerequisites";
import { LAB10_PROXY, lab10ProxyForwards } from "./support/tcp-proxy";

const replay = `seed ${SEED}; ${replayWith("test/12-elastic.test.ts")(SEED)}`;
const backend = (name: string, port = 8080): Backend => ({ name, address: { host: name, port } });
const LB: Address = { host: "lb", port: 80 };

/** A backend that reads the whole request, waits `ms`, and answers with its name. */
const answersAfter = (name: string, ms = 0) =>
  function* (s: Socket): Green<void> {
    yield* readAll(s);
    if (ms > 0) yield* sleep(ms);
    yield* s.sendall(name);
  };

/** Backends `names` on `net`, each answering with its name after `ms`. */
function* backends(net: SimNetwork, names: string[], ms = 0): Green<Backend[]> {
  const bs = names.map((n) => backend(n));
  for (const b of bs) yield* server(net.host(b.name), b.address, answersAfter(b.name, ms));
  return bs;
}

function* elastic(net: SimNetwork, bs: Backend[], extra: Partial<Parameters<typeof startElasticProxy>[0]> = {}): Green<ElasticProxy> {
  return yield* startElasticProxy({ network: net.host("lb"), listen: LB, backends: bs, random: mulberry32(SEED), ...extra });
}

/** Before a test on the elastic proxy, which is lab 10's startHealthyProxy with a membership in front. */
const needsLab10 = (): void => requireLab("10", LAB10_PROXY, lab10ProxyForwards);

/** A client that asks through the proxy in a thread of its own; its answer ("" when reset) once it is done. */
const ask = (net: SimNetwork, body = "x") =>
  spawn(function* (): Green<string> {
    try {
      return yield* request(net.host("client"), LB, body);
    } catch (e) {
      return (e as Error).name;
    }
  });

/**
 * Three backend processes for the two loopback tests, started once as this file loads, so that they start while the
 * tests before those run (a Node process takes about a tenth of a second of CPU to start, and `npm run watch 12` runs
 * the file again on every save; the two tests started three each). Process i answers raw TCP as "p<i>:<what it
 * read>" on one port, and HTTP (Node's http, keep-alive) as "h<i>:<path>" after 5 ms on another. Children of this
 * file's worker; each also exits when its stdin closes (the worker gone) or after 60 s (the two tests' limits of 15 s
 * each, with room).
 */
const BACKEND = `const n=require("node:net"),h=require("node:http"),i=process.argv[1];const t=n.createServer({allowHalfOpen:true},(c)=>{const p=[];c.on("data",(d)=>p.push(d));c.on("end",()=>setTimeout(()=>c.end("p"+i+":"+Buffer.concat(p)),5));c.on("error",()=>{})});const w=h.createServer((q,r)=>{setTimeout(()=>r.end("h"+i+":"+q.url),5)});t.listen(0,"127.0.0.1",()=>w.listen(0,"127.0.0.1",()=>console.log(JSON.stringify({tcp:t.address().port,http:w.address().port}))));process.stdin.on("end",()=>process.exit(0)).resume();setTimeout(()=>process.exit(0),60000)`;
const backendProcesses = [1, 2, 3].map((i) => spawnProcess(process.execPath, ["-e", BACKEND, String(i)], { stdio: ["pipe", "pipe", "inherit"] }));
const loopbackPorts = Promise.all(backendProcesses.map((p) => new Promise<{ tcp: number; http: number }>((ok, fail) => {
  p.stdout!.once("data", (d: Buffer) => ok(JSON.parse(d.toString()) as { tcp: number; http: number }));
  p.once("exit", () => fail(new Error("a backend process exited before listening")));
})));
loopbackPorts.catch(() => undefined); // reported by the tests that await it, not as an unhandled rejection
afterAll(() => {
  for (const p of backendProcesses) if (p.exitCode === null && p.signalCode === null) p.kill("SIGKILL");
});

describe("task 1: membership and draining", () => {
  beforeEach(needsLab10);

  it("a draining member gets no new connections, keeps its open one, and is forgotten when that one ends (1 pts)", () => {
    const { result } = simulate({ seed: SEED, latency: 1 }, function* (net) {
      const bs = yield* backends(net, ["b1", "b2"], 2000);
      const ep = yield* elastic(net, bs, { drainTimeout: 30_000 });
      const held = ask(net); // round robin: b1
      yield* sleep(100);
      ep.membership.drain(bs[0]!);
      const drainingAtOnce = ep.membership.members.get(bs[0]!)?.state;
      const later = [ask(net), ask(net), ask(net)];
      const answers: string[] = [];
      for (const t of later) answers.push(yield* t.wait());
      const heldAnswer = yield* held.wait();
      yield* sleep(10);
      const out = {
        drainingAtOnce,
        answers,
        heldAnswer,
        stillMember: ep.membership.members.has(bs[0]!),
        events: ep.membership.events.filter((e) => e.backend === "b1").map((e) => `${e.action}@${Math.round(e.at / 100) * 100}`),
        stats: ep.proxy.stats.has(bs[0]!),
      };
      yield* ep.shutdown(100);
      return out;
    });
    expect(result.drainingAtOnce, "drain() marks the member draining at once").toBe("draining");
    expect(result.answers, "every client after the drain goes to b2").toEqual(["b2", "b2", "b2"]);
    expect(result.heldAnswer, "the connection open on b1 finished normally").toBe("b1");
    expect(result.stillMember, "forgotten once its last connection ended").toBe(false);
    expect(result.events, "joined, drained at 100 ms, forgotten when the held request ended (~2000 ms)").toEqual(["add@0", "drain@100", "forget@2000"]);
    expect(result.stats, "the proxy forgot its counters too (the forgotten hook)").toBe(false);
  });

  it("at the deadline the connections left are cut and counted; draining twice changes nothing (1 pts)", () => {
    const { result } = simulate({ seed: SEED, latency: 1 }, function* (net) {
      const bs = yield* backends(net, ["b1", "b2"], 60_000);
      const ep = yield* elastic(net, bs, { idleTimeout: null });
      const held = ask(net);
      yield* sleep(100);
      ep.membership.drain(bs[0]!, 1000);
      ep.membership.drain(bs[0]!, 50_000); // already draining: the first deadline stands
      let unknown = "";
      try {
        ep.membership.drain(backend("nobody"));
      } catch (e) {
        unknown = (e as Error).message;
      }
      const answer = yield* held.wait();
      const out = { at: getHub().now(), answer, cut: ep.membership.cut, events: ep.membership.events.map((e) => `${e.action} ${e.backend}`), unknown };
      yield* ep.shutdown(100);
      return out;
    });
    expect(result.at, "cut at the deadline: 100 ms + 1000 ms").toBeLessThan(1200);
    expect(result.answer, "the client's connection was cut: reset, with no answer").toBe("ConnectionResetError");
    expect(result.cut).toBe(1);
    expect(result.events.slice(0, 5)).toEqual(["add b1", "add b2", "drain b1", "cut b1", "forget b1"]);
    expect(result.unknown).toMatch(/is not a member/);
  });

  it("the admin API lists, adds, reweights and drains; bad input is a 400 with the reason and changes nothing (1 pts)", () => {
    const { result } = simulate({ seed: SEED, latency: 1 }, function* (net) {
      const bs = yield* backends(net, ["b1", "b2", "b3"]);
      const ep = yield* elastic(net, bs.slice(0, 2));
      const lines: string[] = [];
      const admin = yield* startAdmin({ network: net.host("lb"), listen: { host: "lb", port: 9000 }, membership: ep.membership, token: "t0ken", log: (l) => lines.push(l) });
      const http = new HttpClient({ network: net.host("ops") });
      const call = function* (method: string, path: string, body?: unknown): Green<{ status: number; json: Record<string, unknown> }> {
        const r = yield* http.request({ method, url: `http://lb:9000${path}`, headers: { Authorization: "Bearer t0ken" }, body: body === undefined ? undefined : JSON.stringify(body) });
        return { status: r.status, json: JSON.parse(r.text()) as Record<string, unknown> };
      };
      const list = yield* call("GET", "/backends");
      const added = yield* call("POST", "/backends", { name: "b3", host: "b3", port: 8080, weight: 2 });
      const dup = yield* call("POST", "/backends", { name: "b3", host: "b9", port: 8080 });
      const badWeight = yield* call("PUT", "/backends/b3/weight", { weight: 1.5 });
      const unknownField = yield* call("POST", "/backends", { name: "b4", host: "b4", port: 8080, colour: "red" });
      const reweighted = yield* call("PUT", "/backends/b3/weight", { weight: 5 });
      const missing = yield* call("POST", "/backends/zz/drain");
      const drained = yield* call("POST", "/backends/b1/drain", { timeout: 1000 });
      const names = [...ep.membership.members.values()].map((m) => `${m.backend.name}:${m.state}:${m.weight}`);
      admin.close();
      yield* ep.shutdown(100);
      return { list, added, dup, badWeight, unknownField, reweighted, missing, drained, names, lines };
    });
    const r = result;
    expect(r.list.status).toBe(200);
    expect((r.list.json.backends as { name: string; state: string; weight: number; connections: number; healthy: boolean }[]).map((b) => [b.name, b.state, b.weight, b.connections, b.healthy])).toEqual([
      ["b1", "active", 1, 0, true],
      ["b2", "active", 1, 0, true],
    ]);
    expect([r.added.status, r.added.json.name, r.added.json.weight]).toEqual([201, "b3", 2]);
    expect(r.dup.status).toBe(400);
    expect(r.dup.json.error).toMatch(/already a member/);
    expect(r.badWeight.status).toBe(400);
    expect(r.badWeight.json.error).toMatch(/whole number from 0 to 256/);
    expect(r.unknownField.status).toBe(400);
    expect(r.unknownField.json.error).toMatch(/unknown field "colour"/);
    expect([r.reweighted.status, r.reweighted.json.weight]).toEqual([200, 5]);
    expect(r.missing.status).toBe(404);
    expect([r.drained.status, r.drained.json.state]).toEqual([202, "draining"]);
    expect(r.names, "nothing changed by the refused requests").toEqual(["b2:active:1", "b3:active:5"]);
    expect(r.lines.length, "every change logged").toBe(3);
  });

  it("the admin API needs its token, and refuses to listen beyond loopback without one (1 pts)", () => {
    const { result } = simulate({ seed: SEED, latency: 1 }, function* (net) {
      const bs = yield* backends(net, ["b1"]);
      const ep = yield* elastic(net, bs);
      let refused = "";
      try {
        yield* startAdmin({ network: net.host("lb"), listen: { host: "10.0.0.1", port: 9000 }, membership: ep.membership });
      } catch (e) {
        refused = (e as Error).message;
      }
      const admin = yield* startAdmin({ network: net.host("lb"), listen: { host: "lb", port: 9000 }, membership: ep.membership, token: "right" });
      const http = new HttpClient({ network: net.host("ops") });
      const none = yield* http.request({ method: "DELETE", url: "http://lb:9000/backends/b1" });
      const wrong = yield* http.request({ method: "DELETE", url: "http://lb:9000/backends/b1", headers: { Authorization: "Bearer wrong" } });
      const members = ep.membership.members.size;
      ep.membership.drain(bs[0]!);
      admin.close();
      yield* ep.shutdown(100);
      return { refused, none: none.status, wrong: wrong.status, members };
    });
    expect(result.refused).toMatch(/refuses to listen on 10\.0\.0\.1 without a token/);
    expect([result.none, result.wrong]).toEqual([401, 401]);
    expect(result.members, "nothing removed").toBe(1);
  });

  it("on loopback, backend processes are added and drained through the admin API under load, and no request fails (1 pts)", async () => {
    const ports = (await loopbackPorts).map((b) => b.tcp);
    const TOTAL = 200;
    const out = await real(function* () {
      const ep = yield* startElasticProxy({ network: realNetwork, listen: { host: "127.0.0.1", port: 0 }, backends: [{ name: "p1", address: { host: "127.0.0.1", port: ports[0]! } }], random: mulberry32(SEED), connectTimeout: 500, drainTimeout: 2000 });
      const admin = yield* startAdmin({ network: realNetwork, membership: ep.membership });
      const http = new HttpClient({ network: realNetwork, timeout: 2000 });
      const url = (path: string) => `http://127.0.0.1:${admin.address.port}${path}`;
      const statuses: number[] = [];
      const adminCall = function* (method: string, path: string, body?: unknown): Green<void> {
        const r = yield* http.request({ method, url: url(path), body: body === undefined ? undefined : JSON.stringify(body) });
        statuses.push(r.status);
      };
      let started = 0;
      const failed: string[] = [];
      const served: Record<string, number> = {};
      const worker = function* () {
        while (started < TOTAL) {
          const k = started++;
          if (k === 40) yield* adminCall("POST", "/backends", { name: "p2", host: "127.0.0.1", port: ports[1] });
          if (k === 80) yield* adminCall("POST", "/backends", { name: "p3", host: "127.0.0.1", port: ports[2] });
          if (k === 120) yield* adminCall("DELETE", "/backends/p1");
          if (k === 160) yield* adminCall("POST", "/backends/p2/drain", { timeout: 2000 });
          let got: string;
          try {
            got = yield* request(realNetwork, ep.proxy.address, `req${k}`, 2000);
          } catch (e) {
            got = (e as Error).name;
          }
          if (!/^p[123]:req\d+$/.test(got) || !got.endsWith(`:req${k}`)) failed.push(`req${k}: ${got || "(nothing)"}`);
          else served[got.slice(0, 2)] = (served[got.slice(0, 2)] ?? 0) + 1;
        }
      };
      const workers = [0, 1, 2, 3].map(() => spawn(worker));
      for (const w of workers) yield* w.wait();
      yield* ep.membership.settled();
      const events = ep.membership.events.map((e) => `${e.at} ${e.action} ${e.backend}: ${e.detail}`);
      const report = { failed, served, statuses, left: ep.membership.active.map((b) => b.name), cut: ep.membership.cut, events, clients: { ...ep.proxy.clients }, counters: { ...ep.counters } };
      admin.close();
      yield* ep.shutdown(500);
      return report;
    }, 12_000);
    console.log(`loopback: ${TOTAL} requests, 4 at a time; served ${JSON.stringify(out.served)}; failed ${out.failed.length}; admin answers ${out.statuses.join(", ")}`);
    expect(out.statuses).toEqual([201, 201, 202, 202]);
    const why = `membership: ${out.events.join("; ")}; clients ${JSON.stringify(out.clients)}; ${JSON.stringify(out.counters)}`;
    expect(out.failed, `no request fails while backends come and go; ${why}`).toEqual([]);
    expect(out.cut, `every drain finished before its deadline; ${why}`).toBe(0);
    expect(out.left).toEqual(["p3"]);
    expect(Object.keys(out.served).sort(), "every process served some").toEqual(["p1", "p2", "p3"]);
  }, 15_000);

  it("on loopback, chapter 11's HTTP proxy follows the membership: keep-alive clients, backends added and drained, no request fails (1 pts)", async () => {
    requireLab("11", LAB11_PROXY, lab11ProxyForwards);
    const ports = (await loopbackPorts).map((b) => b.http);
    const bs: Backend[] = ports.map((port, i) => ({ name: `h${i + 1}`, address: { host: "127.0.0.1", port } }));
    const TOTAL = 200;
    const out = await real(function* () {
      const membership = new Membership({ drainTimeout: 2000 });
      membership.add(bs[0]!, { initial: true });
      const proxy = yield* startHttpProxy({ network: membership.network(realNetwork), listen: { host: "127.0.0.1", port: 0 }, backends: [bs[0]!], random: mulberry32(SEED) });
      followMembership(membership, proxy);
      let started = 0;
      const failed: string[] = [];
      const served: Record<string, number> = {};
      const worker = function* () {
        const http = new HttpClient({ network: realNetwork, timeout: 2000 }); // keeps its connection to the proxy
        while (started < TOTAL) {
          const k = started++;
          if (k === 40) membership.add(bs[1]!);
          if (k === 80) membership.add(bs[2]!);
          if (k === 120) membership.drain(bs[0]!);
          if (k === 160) membership.drain(bs[1]!);
          let got: string;
          try {
            const r = yield* http.get(`http://127.0.0.1:${proxy.address.port}/req${k}`);
            got = r.status === 200 ? r.text() : `status ${r.status}`;
          } catch (e) {
            got = (e as Error).name;
          }
          if (!/^h[123]:\/req\d+$/.test(got) || !got.endsWith(`/req${k}`)) failed.push(`req${k}: ${got}`);
          else served[got.slice(0, 2)] = (served[got.slice(0, 2)] ?? 0) + 1;
        }
      };
      const workers = [0, 1, 2, 3].map(() => spawn(worker));
      for (const w of workers) yield* w.wait();
      const settledBy = getHub().now();
      yield* membership.settled();
      const report = { failed, served, left: membership.active.map((b) => b.name), cut: membership.cut, waited: Math.round(getHub().now() - settledBy) };
      yield* proxy.shutdown(500);
      return report;
    }, 12_000);
    console.log(`loopback HTTP: ${TOTAL} requests, 4 keep-alive clients; served ${JSON.stringify(out.served)}; failed ${out.failed.length}; drains done ${out.waited} ms after the last request`);
    expect(out.failed, "no request fails while backends come and go").toEqual([]);
    expect(out.cut, "a draining backend's keep-alive connections closed after their request: no drain reached its deadline").toBe(0);
    expect(out.left).toEqual(["h3"]);
    expect(Object.keys(out.served).sort(), "every process served some").toEqual(["h1", "h2", "h3"]);
  }, 15_000);
});

describe("task 2: planning a discovery source's changes", () => {
  const cur = (name: string, weight = 1, draining = false, host = name) => ({ backend: { name, address: { host, port: 80 } }, weight, draining });
  const want = (name: string, weight?: number, host = name) => ({ name, host, port: 80, weight });

  it("adds what is new, drains what is gone, reweights what changed, in input order (2 pts)", () => {
    const p = plan([cur("a"), cur("b", 2), cur("c"), cur("d")], [want("e"), want("b", 3), want("a"), want("d", 1), want("f", 2)]);
    expect(p.add.map((w) => w.name)).toEqual(["e", "f"]);
    expect(p.drain.map((b) => b.name)).toEqual(["c"]);
    expect(p.reweight.map((r) => `${r.backend.name}=${r.weight}`)).toEqual(["b=3"]);
    expect(plan([cur("a", 1)], [want("a")]), "a missing weight is 1: nothing to do").toEqual({ add: [], drain: [], reweight: [] });
    // Chapter 14 marks a backend down by wanting it at weight 0: 0 is a weight, not a missing one.
    expect(plan([cur("a", 1)], [want("a", 0)]).reweight.map((r) => `${r.backend.name}=${r.weight}`), "a wanted weight of 0 is kept (?? not ||)").toEqual(["a=0"]);
  });

  it("a moved address is drained first; a name still draining is added once it is gone (1 pts)", () => {
    const p = plan([cur("a", 1, false, "10.0.0.1"), cur("b", 1, true)], [want("a", 1, "10.0.0.2"), want("b")]);
    expect(p.drain.map((b) => b.name), "a moved: drain the old one").toEqual(["a"]);
    expect(p.add, "a and b: their names are still taken").toEqual([]);
    expect(plan([], [want("a", 1, "10.0.0.2"), want("b")]).add.map((w) => w.name), "once gone, they are added").toEqual(["a", "b"]);
  });

  it("a watched file: JSON or YAML; a broken edit keeps the last good set and reports its line (1 pts)", () => {
    needsLab10();
    const { result } = simulate({ seed: SEED, latency: 1 }, function* (net) {
      yield* backends(net, ["b1", "b2", "b3"]);
      const ep = yield* elastic(net, []);
      const files: Record<string, string> = {
        "backends.yaml": "backends:\n  - name: b1\n    host: b1\n    port: 8080\n  - name: b2\n    host: b2\n    port: 8080\n    weight: 3\n",
      };
      const lines: string[] = [];
      const w = new FileWatch(ep.membership, "backends.yaml", { interval: 1000, read: (p) => files[p]!, log: (l) => lines.push(l) });
      w.start();
      const names = () => ep.membership.active.map((b) => `${b.name}/${ep.membership.members.get(b)!.weight}`).join(" ");
      yield* sleep(500);
      const first = names();
      files["backends.yaml"] = "backends:\n  - name: b1\n    host: b1\n    port: 80: 80\n";
      yield* sleep(1000);
      const broken = { names: names(), line: w.error?.line ?? null };
      files["backends.yaml"] = "backends:\n  - name: b1\n    host: b1\n    port: 8080\n  - name: b3\n    host: b3\n    port: 99999\n";
      yield* sleep(1000);
      const invalid = { names: names(), line: w.error?.line ?? null, message: w.error?.message ?? "" };
      files["backends.yaml"] = "backends:\n  - name: b1\n    host: b1\n    port: 8080\n  - name: b3\n    host: b3\n    port: 8080\n";
      yield* sleep(1000);
      const fixed = { names: names(), error: w.error };
      const j = new FileWatch(ep.membership, "other.json", { read: () => '{ "backends": [\n  { "name": "j1", "host": "b2", "port": 8080 },\n] }', source: "json" });
      j.check();
      yield* w.stop();
      yield* ep.shutdown(100);
      return { first, broken, invalid, fixed, json: j.error?.line ?? null, lines };
    });
    expect(result.first).toBe("b1/1 b2/3");
    expect(result.broken, "a syntax error on line 4: nothing changed").toEqual({ names: "b1/1 b2/3", line: 4 });
    expect(result.invalid.names, "a bad port: nothing changed").toBe("b1/1 b2/3");
    expect(result.invalid.line, "the entry of the bad port starts on line 5").toBe(5);
    expect(result.invalid.message).toMatch(/port/);
    expect(result.fixed).toEqual({ names: "b1/1 b3/1", error: null });
    expect(result.json, "strict JSON: the trailing comma's line").toBe(3);
  });

  it("DNS: A records refreshed at their TTL, SRV's lowest priority, a failed lookup keeps the set (1 pts)", () => {
    needsLab10();
    const { result } = simulate({ seed: SEED, latency: 1 }, function* (net) {
      const ep = yield* elastic(net, []);
      const asked: string[] = [];
      let answer: DnsRecord[] | Error = [{ host: "10.0.0.1", ttl: 30 }, { host: "10.0.0.2", ttl: 20 }];
      const resolver = {
        *resolve(name: string, type: RecordType): Green<DnsRecord[]> {
          asked.push(`${getHub().now() / 1000}s ${type} ${name}`);
          if (answer instanceof Error) throw answer;
          return answer;
        },
      };
      const d = new DnsWatch(ep.membership, { name: "web.internal", port: 8080, resolver });
      d.start();
      yield* sleep(1);
      const first = ep.membership.active.map((b) => b.name).join(" ");
      answer = [{ host: "10.0.0.2", ttl: 60 }, { host: "10.0.0.3", ttl: 60 }];
      yield* sleep(20_000);
      const second = ep.membership.active.map((b) => b.name).join(" ");
      answer = new Error("ESERVFAIL");
      yield* sleep(66_000);
      const afterFailure = ep.membership.active.map((b) => b.name).join(" ");
      yield* d.stop();
      const srv = new DnsWatch(ep.membership, { name: "_web._tcp.internal", type: "SRV", resolver, source: "srv" });
      answer = [
        { host: "s1.internal.", port: 81, priority: 10, weight: 5, ttl: null },
        { host: "s2.internal.", port: 82, priority: 10, weight: 0, ttl: null },
        { host: "backup.internal.", port: 83, priority: 20, weight: 1, ttl: null },
      ];
      const wait = yield* srv.refresh();
      const srvSet = [...ep.membership.members.values()].filter((m) => m.source === "srv").map((m) => `${m.backend.name}/${m.weight}`).join(" ");
      yield* ep.shutdown(100);
      return { asked, first, second, afterFailure, wait, srvSet };
    });
    expect(result.first).toBe("10.0.0.1:8080 10.0.0.2:8080");
    expect(result.asked.slice(0, 2), "asked again after the smallest TTL, 20 s").toEqual(["0s A web.internal", "20s A web.internal"]);
    expect(result.second).toBe("10.0.0.2:8080 10.0.0.3:8080");
    expect(result.asked.slice(2, 4), "the failed lookup at 80 s is retried 5 s later").toEqual(["80s A web.internal", "85s A web.internal"]);
    expect(result.afterFailure, "a failed lookup changes nothing").toBe("10.0.0.2:8080 10.0.0.3:8080");
    expect(result.srvSet, "priority 10 only; weight 0 becomes 1").toBe("s1.internal:81/5 s2.internal:82/1");
    expect(result.wait, "no TTL from Node's SRV answers: the default 30 s").toBe(30_000);
  });
});

describe("task 3: HAProxy's slowstart", () => {
  it("the weight grows in steps of 1/16 over whole seconds: w = (16 × s + slowstart) / slowstart (2 pts)", () => {
    const ss = new HaproxySlowStart(10_000);
    const sixteenths = [0, 999, 1000, 2000, 5000, 5999, 9000, 9999, 10_000, 60_000].map((ms) => ss.weightFactor(ms) * 16);
    expect(sixteenths).toEqual([1, 1, 2, 4, 9, 9, 15, 15, 16, 16]);
    const odd = new HaproxySlowStart(2500);
    expect(odd.seconds, "HAProxy keeps whole seconds, rounded up").toBe(3);
    expect([0, 1000, 2000, 3000].map((ms) => odd.weightFactor(ms) * 16)).toEqual([1, 6, 11, 16]);
  });

  it("maxconn grows from 1 to the cap: max(1, ⌊max × ⌊100 × s / slowstart⌋ / 100⌋) (1 pts)", () => {
    const ss = new HaproxySlowStart(10_000);
    expect([0, 1000, 3500, 9000, 10_000].map((ms) => ss.maxConnections(ms, 100))).toEqual([1, 10, 30, 90, 100]);
    expect([0, 3000, 5000, 9000].map((ms) => ss.maxConnections(ms, 4)), "small caps round down, never below 1").toEqual([1, 1, 2, 3]);
  });

  it("on the proxy, a backend added with HAProxy's slowstart gets its share by the curve; one there from the start does not slow-start (2 pts)", () => {
    const { result } = simulate({ seed: SEED, latency: 1 }, function* (net) {
      const bs = yield* backends(net, ["b1", "b2"]);
      const m = new Membership({ slowStart: { kind: "haproxy", slowstart: 8000 } });
      m.add(bs[0]!, { initial: true });
      const s = new LiveWeighted([bs[0]!], (b) => m.weightNow(b));
      m.attach({ joined: (b) => s.add(b), leaving: (b) => s.remove(b), forgotten() {} });
      m.add(bs[1]!);
      const shares: number[] = [];
      for (let sec = 0; sec < 10; sec++) {
        let n = 0;
        for (let i = 0; i < 170; i++) if (s.pick((b) => m.usable(b)) === bs[1]) n++;
        shares.push(n);
        yield* sleep(1000);
      }
      return { shares, firstWarm: m.warming(bs[0]!), weights: [m.weightNow(bs[0]!), m.weightNow(bs[1]!)] };
    });
    // w/16 of a weight against 1: b2's share of 170 picks is 170 × w / (16 + w), w = 1, 3, 5, … 15, then 16.
    const expected = [1, 3, 5, 7, 9, 11, 13, 15, 16, 16].map((w) => (170 * w) / (16 + w));
    result.shares.forEach((n, i) => expect(Math.abs(n - expected[i]!), `second ${i}: ${n} picks, expected ${expected[i]!.toFixed(1)}`).toBeLessThanOrEqual(1));
    expect(result.firstWarm).toBe(false);
    expect(result.weights).toEqual([1, 1]);
  });
});

describe("task 4: Envoy's slow start", () => {
  it("weight × max(min_weight_percent, time_factor^(1/aggression)), time_factor = max(1 ms, elapsed) / window (2 pts)", () => {
    const linear = new EnvoySlowStart(10_000);
    expect([2500, 5000, 9000].map((ms) => linear.weightFactor(ms))).toEqual([0.25, 0.5, 0.9]);
    expect([0, 1, 500, 999].map((ms) => linear.weightFactor(ms)), "min_weight_percent 10: at least 0.1").toEqual([0.1, 0.1, 0.1, 0.1]);
    const fast = new EnvoySlowStart(10_000, { aggression: 2 });
    expect(fast.weightFactor(2500), "√0.25").toBeCloseTo(0.5, 12);
    expect(fast.weightFactor(6400), "√0.64").toBeCloseTo(0.8, 12);
    const low = new EnvoySlowStart(10_000, { minWeightPercent: 1 });
    expect(low.weightFactor(0), "1 ms of 10 s is 0.0001 of the window, below min_weight_percent: max(0.01, 0.0001)").toBeCloseTo(0.01, 12);
    expect(low.weightFactor(300)).toBeCloseTo(0.03, 12);
  });

  it("full weight from the window on; Envoy's slow start leaves connection caps alone (1 pts)", () => {
    const ss = new EnvoySlowStart(30_000, { aggression: 4 });
    expect([30_000, 30_001, 1e9].map((ms) => ss.weightFactor(ms))).toEqual([1, 1, 1]);
    expect(ss.maxConnections(0, 7)).toBe(7);
    expect(() => new EnvoySlowStart(1000, { aggression: 0 })).toThrow(/aggression must be above 0/);
  });

  it("on the proxy, the admin API shows a new backend's effective weight ramping by Envoy's curve (1 pts)", () => {
    needsLab10();
    const { result } = simulate({ seed: SEED, latency: 1 }, function* (net) {
      const bs = yield* backends(net, ["b1", "b2"]);
      const ep = yield* elastic(net, [bs[0]!], { slowStart: { kind: "envoy", window: 20_000, aggression: 2 } });
      ep.membership.add(bs[1]!, { weight: 10 });
      // A simulated host named 127.0.0.1: loopback, so the admin API needs no token.
      const admin = yield* startAdmin({ network: net.host("127.0.0.1"), listen: { host: "127.0.0.1", port: 9000 }, membership: ep.membership });
      const http = new HttpClient({ network: net.host("ops") });
      const seen: [number, boolean][] = [];
      for (const at of [5000, 15_000, 25_000]) {
        yield* sleep(at - getHub().now());
        const r = yield* http.get("http://127.0.0.1:9000/backends/b2");
        const v = JSON.parse(r.text()) as { effectiveWeight: number; warming: boolean };
        seen.push([v.effectiveWeight, v.warming]);
      }
      admin.close();
      yield* ep.shutdown(100);
      return seen;
    });
    // 10 × √(5/20) = 5, 10 × √(15/20) = 8.660, then 10
    // (each look is a few ms after the second: the request's own trip on the simulated network)
    expect(result.map(([w]) => w)).toEqual([expect.closeTo(5, 2), expect.closeTo(8.66, 2), 10]);
    expect(result.map(([, warming]) => warming)).toEqual([true, true, false]);
  });
});

describe("task 5: the HPA's replica count", () => {
  it("ceil(current × ratio), the ratio metric ÷ target taken first as Kubernetes does (2 pts)", () => {
    expect(desiredReplicas(3, 80, 50)).toBe(5);
    expect(desiredReplicas(10, 20, 50)).toBe(4);
    expect(desiredReplicas(4, 120, 50)).toBe(10);
    expect(desiredReplicas(1, 1000, 50)).toBe(20);
    // 62 ÷ 30 = 2.0666…, which in floating point times 15 is a hair above 31: Kubernetes asks for 32. Multiplying
    // first (15 × 62 ÷ 30 = 31 exactly) gives 31.
    expect(desiredReplicas(15, 62, 30), "15 at 62 with target 30: ⌈15 × (62 ÷ 30)⌉, the ratio first").toBe(32);
  });

  it("within the tolerance of 1 nothing changes; the autoscaler keeps to min and max replicas (2 pts)", () => {
    expect(desiredReplicas(3, 54, 50), "ratio 1.08").toBe(3);
    expect(desiredReplicas(10, 45, 50), "ratio 0.9: |1 − 0.9| ≤ 0.1").toBe(10);
    expect(desiredReplicas(3, 56, 50), "ratio 1.12").toBe(4);
    expect(desiredReplicas(3, 54, 50, 0.05), "a tolerance of 0.05").toBe(4);
    const hpa = new Autoscaler({ minReplicas: 2, maxReplicas: 6, target: 50, scaleDown: { stabilizationWindow: 0 } });
    expect(hpa.decide(0, 4, 500), "40 wanted, max 6").toBe(6);
    expect(hpa.decide(15_000, 6, 1), "1 wanted, min 2").toBe(2);
  });
});

describe("task 6: stabilization, scaling policies, and the whole story", () => {
  it("a scale down waits for the highest recommendation of the last 300 s (2 pts)", () => {
    const hpa = new Autoscaler({ maxReplicas: 20, target: 50 });
    const seen: number[] = [];
    let n = 8;
    // 400 requests/s for 30 s, then 100: the recommendation drops to 2 at 30 s, but 8 stays until 300 s have passed.
    for (let t = 0; t <= 360_000; t += 15_000) {
      n = hpa.decide(t, n, (t < 30_000 ? 400 : 100) / n);
      seen.push(n);
    }
    expect(seen.slice(0, 3), "at 30 s the metric asks for 2; the window holds 8").toEqual([8, 8, 8]);
    expect(seen.indexOf(2), "the first scale down at 315 s: the 8 recommended at 15 s has left the window").toBe(21);
    expect(seen.slice(21)).toEqual([2, 2, 2, 2]);
    expect(hpa.stabilize(400_000, 2, 5), "scale up: no window by default, at once").toBe(5);
  });

  it("a scale up is capped by 100% or 4 pods per 15 s, whichever allows more (2 pts)", () => {
    const hpa = new Autoscaler({ maxReplicas: 100, target: 10 });
    expect(hpa.scaleUpLimit(0, 2), "2 + 4 > 2 × 2").toBe(6);
    expect(hpa.scaleUpLimit(0, 10), "10 × 2 > 10 + 4").toBe(20);
    const steps: number[] = [];
    let n = 2;
    for (let t = 0; t <= 45_000; t += 5000) steps.push((n = hpa.decide(t, n, 1000 / n)));
    expect(steps, "5 s apart: the policies count the changes of the last 15 s").toEqual([6, 6, 6, 12, 12, 12, 24, 24, 24, 48]);
    const slow = new Autoscaler({ maxReplicas: 100, target: 10, scaleUp: { policies: [{ type: "Pods", value: 1, period: 60_000 }] } });
    expect([0, 30_000, 60_000].map((t) => (n = t === 0 ? slow.decide(t, 2, 1000) : slow.decide(t, n, 1000 / n))), "one pod a minute").toEqual([3, 3, 4]);
  });

  it("the story, scaled down: load rises and falls, backends are added, slow-started, drained, and no request fails (2 pts)", () => {
    needsLab10();
    const r = simulateFleet({
      seed: SEED,
      duration: 420_000,
      load: rampLoad(4, 40),
      serviceTime: 20,
      coldPenalty: 2,
      warmup: 30_000,
      boot: 5000,
      hpa: { minReplicas: 2, maxReplicas: 12, target: 5, scaleDown: { stabilizationWindow: 60_000 } },
      slowStart: { kind: "haproxy", slowstart: 30_000 },
      sampleEvery: 30_000,
    });
    const active = r.samples.map((s) => s.active);
    const msg = `backends every 30 s: ${active.join(" ")}; ${replay}`;
    expect(r.failed, `no request failed; ${msg}`).toBe(0);
    expect(r.cut, msg).toBe(0);
    expect(r.requests, msg).toBeGreaterThan(7000);
    expect(Math.max(...active), `scaled up to the load: 40 requests/s at 5 each; ${msg}`).toBeGreaterThanOrEqual(8);
    expect(active[0], msg).toBe(2);
    expect(active[active.length - 1], `and back to the minimum; ${msg}`).toBe(2);
    expect(r.samples.some((s) => s.warming > 0), msg).toBe(true);
    expect(r.events.filter((e) => / drain b\d+/.test(e)).length, msg).toBeGreaterThanOrEqual(6);
  }, 15_000);
});
