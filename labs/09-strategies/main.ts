// Chapter 09 demo: `npm run lab 09`. Each lab task's strategy at work, the simulator reproducing the supermarket
// model, and chapter 08's proxy choosing backends with a strategy named in its options. Everything runs on the
// virtual clock with fixed seeds, so the output is the same on every run.
import { done, step } from "../00-common/demo";
import { runVirtual, sleep } from "../02-hub/green";
import type { Green } from "../02-hub/suspend";
import { spawn } from "../03-cancellation/greenthread";
import { mulberry32 } from "../05-green-sockets/random";
import { SimNetwork } from "../05-green-sockets/sim-network";
import type { Address, Network, Socket } from "../05-green-sockets/socket";
import type { Backend } from "../08-tcp-proxy/balancer";
import { startBalancedProxy } from "./balanced";
import { Maglev } from "./maglev";
import { PowerOfChoices } from "./p2c";
import { RingHash } from "./ring-hash";
import { simulate } from "./sim";
import { SmoothWeighted } from "./smooth-wrr";
import type { StrategyName } from "./strategies";
import { hash32, type Peer } from "./strategy";

const log = (line: string): void => console.log(`   ${line}`);
const peer = (name: string, weight?: number): Peer => ({ name, address: { host: name, port: 8080 }, weight });
const peers = (n: number): Peer[] => Array.from({ length: n }, (_, i) => peer(`b${i + 1}`));
const all = (): boolean => true;
const SEED = 9;

await step("Task 1: smooth weighted round robin, weights a=5 b=1 c=1", () => {
  const a = peer("a", 5);
  const s = new SmoothWeighted([a, peer("b", 1), peer("c", 1)]);
  log(`14 picks: ${Array.from({ length: 14 }, () => s.pick(all)!.name).join(" ")}`);
  s.failed(a);
  const after = Array.from({ length: 7 }, () => {
    const name = s.pick(all)!.name;
    return `${name}(${s.peek(a)!.effective})`;
  });
  log(`a failed once (maxFails 1: its effective weight drops to 0, then recovers by one per pick).`);
  log(`The next 7 picks, each with a's effective weight after it: ${after.join(" ")}`);
});

await step("Task 2: the power of two choices, b1 with 6 requests in flight (choiceCount 2, seed 9)", () => {
  const bs = peers(4);
  const s = new PowerOfChoices(bs, { random: mulberry32(SEED) });
  for (let i = 0; i < 6; i++) s.started(bs[0]);
  const count = new Map<string, number>();
  for (let i = 0; i < 1600; i++) {
    const b = s.pick(all)!;
    count.set(b.name, (count.get(b.name) ?? 0) + 1);
  }
  log(`1,600 picks: ${bs.map((b) => `${b.name} ${count.get(b.name) ?? 0}`).join(", ")}  (b1 only when both samples are b1: 1/16 = 100)`);
});

await step("Task 3: ring hash, 10,000 client keys over 5 backends (100 points each), then b3 goes", () => {
  const bs = peers(5);
  const s = new RingHash(bs);
  const keys = Array.from({ length: 10_000 }, (_, k) => hash32(`client-${k}`));
  const before = keys.map((k) => s.pick(all, k)!);
  log(`keys per backend: ${bs.map((b) => `${b.name} ${before.filter((x) => x === b).length}`).join(", ")}`);
  s.remove(bs[2]);
  const after = keys.map((k) => s.pick(all, k)!);
  const moved = keys.filter((_, i) => after[i] !== before[i]).length;
  log(`after b3 left: ${moved} keys moved, all of them b3's: ${keys.every((_, i) => after[i] === before[i] || before[i] === bs[2])}`);
});

await step("Task 4: a Maglev table of M = 65537 entries for 10 backends, then b7 goes", () => {
  const bs = peers(10);
  const s = new Maglev(bs);
  const t = s.table;
  log(`entries per backend: ${bs.map((b) => t.filter((x) => x === b).length).join(" ")}  (⌊M/N⌋ = 6553, ⌈M/N⌉ = 6554)`);
  s.remove(bs[6]);
  const t2 = s.table;
  let own = 0;
  let others = 0;
  for (let j = 0; j < s.M; j++) if (t[j] === bs[6]) own++;
  else if (t2[j] !== t[j]) others++;
  log(`after b7 left: its ${own} entries moved, and ${others} others (${((100 * others) / s.M).toFixed(2)}% of the table)`);
});

await step("Task 5: the supermarket model, λ = 0.9, 100 servers, join the shortest of d queues (seed 9)", () => {
  log("d   simulated mean time in system   n → ∞ limit");
  for (const d of [1, 2, 3]) {
    const limit = d === 1 ? 10 : [1, 2, 3, 4, 5, 6].reduce((s, i) => s + Math.pow(0.9, (Math.pow(d, i) - d) / (d - 1)), 0);
    const r = simulate({ seed: SEED, servers: 100, load: 0.9, strategy: { name: "p2c", choiceCount: d }, duration: 600, warmup: 100 });
    log(`${d}   ${r.mean.toFixed(3).padStart(29)}   ${limit.toFixed(3).padStart(11)}`);
  }
  log("(queues start empty here and the warm-up is short, so d = 1 is still below its limit: see the chapter)");
});

/** Reads until the end of the stream. */
function* readAll(s: Socket): Green<Buffer> {
  const parts: Buffer[] = [];
  for (let b = yield* s.recv(); b.length > 0; b = yield* s.recv()) parts.push(b);
  return Buffer.concat(parts);
}

/** A backend on the simulated network that answers each request after `delay` ms. */
function* answering(net: SimNetwork, b: Backend, delay: number): Green<void> {
  const l = yield* net.host(b.name).listen(b.address);
  spawn(function* acceptor() {
    for (;;) {
      const s = yield* l.accept();
      spawn(function* answer() {
        yield* readAll(s);
        yield* sleep(delay);
        yield* s.sendall(b.name);
        s.close();
      });
    }
  });
}

function* ask(network: Network, to: Address): Green<void> {
  const s = yield* network.connect(to);
  yield* s.sendall("hello");
  s.shutdown();
  yield* readAll(s);
  s.close();
}

await step("Tasks 1–4 on chapter 08's proxy: 60 clients, one every 5 ms; b1 answers in 300 ms, the others in 20 ms", () => {
  const LB: Address = { host: "lb", port: 80 };
  for (const name of ["round-robin", "smooth-weighted", "p2c", "peak-ewma", "maglev"] as StrategyName[]) {
    const { result } = runVirtual(function* () {
      const net = new SimNetwork({ seed: SEED, latency: 1 });
      const bs = peers(4);
      for (const b of bs) yield* answering(net, b, b.name === "b1" ? 300 : 20);
      const { proxy } = yield* startBalancedProxy({ network: net.host("lb"), listen: LB, backends: bs, strategy: name, random: mulberry32(SEED) });
      const clients = [];
      for (let i = 0; i < 60; i++) {
        clients.push(spawn(ask, net.host(`client${i}`), LB));
        yield* sleep(5);
      }
      for (const c of clients) yield* c.wait();
      return [...proxy.stats].map(([b, s]) => `${b.name} ${s.total}`).join(", ");
    });
    log(`strategy: "${name}"`.padEnd(28) + `connections: ${result}`);
  }
});

done();
