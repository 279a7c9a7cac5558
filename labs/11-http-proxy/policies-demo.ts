// The demo steps of lab tasks 3 and 4 (routing, sticky sessions, rate limiting), for chapter 11's demo (main.ts) to
// run in task order. Built in chapter 11. Fixed seeds and plain numbers for time, so the output never changes.
import { mulberry32 } from "../05-green-sockets/random";
import { Headers } from "../07-http/headers";
import type { Backend } from "../08-tcp-proxy/balancer";
import { RoundRobin } from "../09-strategies/simple";
import { KeyedLimiter } from "./keyed";
import { LimitReq, type Decision } from "./rate-limit";
import { RouteTable } from "./routes";
import { HashAffinity, StickyCookie } from "./sticky";
import { TokenBucket } from "./token-bucket";

type Log = (line: string) => void;
const headers = (...pairs: [string, string][]): Headers => new Headers(pairs);

const show = (d: Decision): string => (d.kind === "pass" ? "pass" : d.kind === "delay" ? `delay ${d.ms} ms` : `reject (Retry-After ${d.retryAfterSeconds})`);

/** The options the steps use, for the demo's titles. */
export const ROUTING_TITLE = "Task 3: a routing table (seed 11), a 90/10 canary, HAProxy's cookie SERVERID insert indirect nocache, hashing on X-User";
export const RATE_TITLE = "Task 4: limit_req rate=10r/s burst=5 (nodelay, delay=2), a token bucket of 6 at 10/s, a zone of 2 keys";

export function routingDemo(log: Log): void {
  const table = new RouteTable(
    [
      { name: "api", host: "api.example.com", pathPrefix: "/api", pools: "api" },
      { name: "canary", host: "*.example.com", headers: [{ name: "x-canary", present: true }], pools: [{ pool: "web-v2" }] },
      { name: "web", host: "*.example.com", pools: [{ pool: "web-v1", weight: 90 }, { pool: "web-v2", weight: 10 }] },
    ],
    { random: mulberry32(11) },
  );
  for (const line of String(table).split("\n")) log(line);
  const requests: [string, string, [string, string][]][] = [
    ["API.example.com:8080", "/api/users", []],
    ["api.example.com", "/apiary", []],
    ["www.example.com", "/", [["X-Canary", "1"]]],
    ["example.com", "/", []],
  ];
  for (const [host, path, headers] of requests) {
    const m = table.match({ host, path, headers: new Headers(headers) });
    const sent = headers.map(([k, v]) => ` ${k}: ${v}`).join("");
    log(`${host}${path}${sent} → ${m ? `${m.route.name}, pool ${m.pool}` : "no route (404)"}`);
  }
  const split = new Map<string, number>();
  for (let i = 0; i < 1000; i++) {
    const p = table.match({ host: "www.example.com", path: "/", headers: new Headers() })!.pool;
    split.set(p, (split.get(p) ?? 0) + 1);
  }
  log(`1000 requests to www.example.com: ${[...split].map(([p, n]) => `${p} ${n}`).join(", ")}`);

  const servers: Backend[] = ["s1", "s2", "s3"].map((name) => ({ name, address: { host: name, port: 80 } }));
  const rr = new RoundRobin(servers);
  const up = new Set(servers);
  const sticky = new StickyCookie();
  const visit = (cookie: string | null): string => {
    const d = sticky.choose(cookie ? headers(["Cookie", cookie]) : headers(), servers, (b) => up.has(b), () => rr.pick((b) => up.has(b)));
    const fwd = d.forward.get("cookie") ?? "(none)";
    const added = d.addToResponse.map(([k, v]) => `${k}: ${v}`).join("; ") || "(nothing)";
    return `cookie ${cookie ?? "(none)"} → ${d.backend?.name} [${d.cookie}], forwarded Cookie ${fwd}, response adds ${added}`;
  };
  log(visit(null));
  log(visit("SERVERID=s1; sid=42"));
  up.delete(servers[0]);
  log(`s1 goes down: ${visit("SERVERID=s1; sid=42")}`);

  const byUser = new HashAffinity(servers, new RoundRobin(servers), { on: { header: "x-user" }, boundedLoad: 0.25 });
  const users = ["ann", "bob", "cy", "dee", "ann", "bob"].map((u) => `${u}→${byUser.pick({ headers: headers(["X-User", u]), client: "c" })?.name}`);
  log(`hash on X-User: ${users.join(" ")}; no header → ${byUser.pick({ headers: new Headers(), client: "c" })?.name} (round robin)`);
}

export function rateLimitDemo(log: Log): void {
  const burst = Array.from({ length: 7 }, () => 0);
  for (const config of [{ nodelay: true }, {}, { delay: 2 }]) {
    const l = new LimitReq({ rate: 10, burst: 5, ...config });
    const name = "nodelay" in config ? "nodelay" : "delay" in config ? "delay=2" : "(delay)";
    log(`limit_req ${name.padEnd(8)} 7 at t=0: ${burst.map((t) => show(l.decide(t))).join(", ")}`);
    if (name === "nodelay") log(`             then at t=100: ${show(l.decide(100))}, ${show(l.decide(100))}`);
  }
  const b = new TokenBucket({ capacity: 6, rate: 10 });
  log(`token bucket 6 at 10/s, 7 at t=0: ${burst.map((t) => show(b.decide(t))).join(", ")}; at t=100: ${show(b.decide(100))}`);
  const zone = new KeyedLimiter(() => new LimitReq({ rate: 1 }), { maxKeys: 2, status: 429 });
  const seen = [["10.0.0.1", 0], ["10.0.0.2", 0], ["10.0.0.1", 0], ["10.0.0.3", 1], ["10.0.0.2", 2]] as const;
  log(`a zone of 2 keys, 1 r/s, status ${zone.status}: ${seen.map(([k, t]) => `${k}@${t} ${zone.decide(k, t).kind}`).join(", ")}`);
}
