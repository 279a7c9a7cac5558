// Loopback helpers of chapter 14's `--workers N` tests: backends in this process whose health check can be made to
// fail, the balancer's CLI started with `--workers N` as a process of its own, one request, a JSON GET, and a primary
// made to write to a worker that has just died.
// Everything is bounded in time; `stopAll` ends what a test started, whatever happened.
import { type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { connect, createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { applyUpdate, EMPTY_VIEW } from "@target/14-capstone/updates";
import { spawnGroup, type ProcessGroup } from "../../tools/lib/process-group";
import { treeUnderTest } from "./in-worker";
import { failFastOnStub } from "./stubs";

export { treeUnderTest };

/** A backend on 127.0.0.1: answers its name to a client that sends and half-closes; answers `GET /health` 200, or 503 while sick. */
export interface TestBackend {
  readonly name: string;
  readonly port: number;
  sick: boolean;
  /** Data connections it answered (health checks not counted). */
  served: number;
  close(): Promise<void>;
}

export async function startBackend(name: string): Promise<TestBackend> {
  const open = new Set<Socket>();
  const b = { name, port: 0, sick: false, served: 0 } as TestBackend;
  const server: Server = createServer({ allowHalfOpen: true }, (c) => {
    open.add(c);
    c.on("close", () => open.delete(c));
    c.on("error", () => {});
    let got = "";
    c.on("data", (d: Buffer) => {
      got += d.toString("latin1");
      if (got.startsWith("GET /health")) {
        c.end(b.sick ? "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n" : "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
      }
    });
    c.on("end", () => {
      if (got.startsWith("GET /health")) return;
      b.served++;
      c.end(name);
    });
  });
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  (b as { port: number }).port = (server.address() as { port: number }).port;
  b.close = () => new Promise<void>((ok) => {
    for (const s of open) s.destroy();
    server.close(() => ok());
  });
  return b;
}

/** One request through the balancer: send, half-close, read everything; "" on error (bounded by `ms`). */
export function ask(port: number, ms = 3000): Promise<string> {
  return new Promise((ok) => {
    const s = connect({ host: "127.0.0.1", port, allowHalfOpen: true });
    let got = "";
    const timer = setTimeout(() => {
      s.destroy();
      ok(got);
    }, ms);
    s.on("connect", () => s.end("hello"));
    s.on("data", (d: Buffer) => (got += d.toString("latin1")));
    s.on("end", () => {
      clearTimeout(timer);
      s.destroy();
      ok(got);
    });
    s.on("error", () => {
      clearTimeout(timer);
      ok(got);
    });
  });
}

export async function getJson<T>(port: number, path: string): Promise<T> {
  const r = await fetch(`http://127.0.0.1:${port}${path}`, { signal: AbortSignal.timeout(3000) });
  return (await r.json()) as T;
}


/** A cluster's workers follow the primary's view with applyUpdate: with it still a stub, no cluster can pass. */
function failFastOnClusterStub(what: string): void {
  failFastOnStub(what, () => applyUpdate(EMPTY_VIEW, { type: "snapshot", version: 1, backends: [] }));
}

/** What a process's `exited` brings within `ms` of a SIGTERM: its exit code, or a sentence saying it still runs. */
export function exitWithin(exited: Promise<number | string>, ms = 10_000): Promise<unknown> {
  return Promise.race([exited, new Promise((r) => setTimeout(() => r(`still running ${ms / 1000} s after SIGTERM`), ms))]);
}

/**
 * Polls `check` every 50 ms until it returns something truthy, for at most `ms`, or until `over()` says waiting is
 * pointless (the process being asked has exited); returns the last value.
 */
export async function until<T>(check: () => Promise<T>, ms: number, over: () => boolean = () => false): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await check().catch(() => undefined as T);
    if (v || over() || Date.now() > end) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
}

export interface ClusterProcess {
  readonly group: ProcessGroup;
  readonly child: ChildProcess;
  /** Everything it printed so far. */
  output(): string;
  /** Where the listener "web" and the admin API listen, from its "listening:" line. */
  readonly port: number;
  readonly adminPort: number;
  /** Resolves with the exit code (or the signal) once it exits. */
  readonly exited: Promise<number | string>;
  /** `until` for questions to this cluster: it stops at once when the cluster has exited, whose output then says why. */
  until<T>(check: () => Promise<T>, ms: number): Promise<T>;
}

/**
 * Starts `npm run lb -- --config FILE --workers n` from the tree under test with one tcp listener "web" in front of `backends`, HTTP checks
 * every 100 ms (rise 1, fall 2, a 2 s timeout: a loaded machine is slow, not down), and an admin API; resolves once it says where it listens (60 s at most: each
 * worker compiles the TypeScript it runs, a few seconds on a quiet machine, far more on a loaded one).
 */
export async function startClusterProcess(
  backends: readonly TestBackend[],
  workers: number,
  env: Record<string, string> = {},
  /** Called once, with the process, at its first line of output: the primary is starting, its workers not ready yet. */
  starting?: (child: ChildProcess) => void,
): Promise<ClusterProcess> {
  failFastOnClusterStub(`--workers ${workers}`);
  const tree = treeUnderTest();
  const dir = mkdtempSync(join(tmpdir(), "lb-workers-"));
  const config = {
    listeners: {
      web: {
        protocol: "tcp",
        listen: "127.0.0.1:0",
        backends: backends.map((b) => ({ name: b.name, address: `127.0.0.1:${b.port}` })),
        health: { kind: "haproxy", inter: 100, rise: 1, fall: 2, timeout: 2000, path: "/health" },
      },
    },
    admin: { listen: "127.0.0.1:0" },
    drainTimeout: 1000,
    stopTimeout: 1000,
  };
  const file = join(dir, "lb.json");
  writeFileSync(file, JSON.stringify(config));
  const group = spawnGroup(process.execPath, ["--import", "tsx", join(tree, "14-capstone", "cli.ts"), "--config", file, "--workers", String(workers)], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, ...env },
    deadlineMs: 150_000,
  });
  const child = group.child;
  let out = "";
  const heard = (d: Buffer): void => {
    if (out === "") starting?.(child);
    out += d;
  };
  child.stdout!.on("data", heard);
  child.stderr!.on("data", heard);
  const exited = new Promise<number | string>((ok) => child.once("exit", (code, signal) => {
    rmSync(dir, { recursive: true, force: true });
    ok(code ?? signal ?? "?");
  }));
  const line = await Promise.race([
    until(async () => /listening: web on 127\.0\.0\.1:(\d+); admin API on 127\.0\.0\.1:(\d+)/.exec(out), 60_000),
    exited.then(() => null),
  ]);
  if (!line) {
    group.kill();
    throw new Error(`--workers ${workers} did not start: ${out.trim().split("\n").slice(-5).join(" | ")}`);
  }
  let gone = false;
  void exited.then(() => (gone = true));
  return {
    group, child, output: () => out, port: Number(line[1]), adminPort: Number(line[2]), exited,
    until: (check, ms) => until(check, ms, () => gone),
  };
}

export interface WorkersView {
  readonly version: number;
  readonly workers: { readonly id: number; readonly pid: number; readonly accepted: number; readonly active: number; readonly version: number }[];
}

/**
 * Runs test/support/cluster-stop-after-death.ts on the tree under test: a cluster of one worker in front of `backendPort`,
 * the worker killed and the cluster stopped before the primary can know (its stop message meets a closed channel).
 * Resolves with the program's exit code (or signal) and everything it printed; 60 s at most.
 */
export async function stopRightAfterAWorkerDies(backendPort: number): Promise<{ code: number | string; out: string }> {
  failFastOnClusterStub("--workers 1");
  const program = resolve("test", "support", "cluster-stop-after-death.ts");
  const group = spawnGroup(process.execPath, ["--import", "tsx", program, treeUnderTest(), String(backendPort)], { stdio: ["ignore", "pipe", "pipe"], deadlineMs: 60_000 });
  let out = "";
  group.child.stdout!.on("data", (d: Buffer) => (out += d));
  group.child.stderr!.on("data", (d: Buffer) => (out += d));
  const code = await new Promise<number | string>((ok) => group.child.once("close", (c, signal) => ok(c ?? signal ?? "?")));
  group.kill(); // the worker, if the primary died before it could stop it
  return { code, out };
}
