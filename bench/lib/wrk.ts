// wrk, the HTTP load generator the io and lb suites drive (chapters 07–08 benchmarks): one run against a loopback
// port, the parser of what it prints (requests/s, the 50th and 99th latency percentiles, errors), and whether it is
// installed and which version, which every result that used it records.
import { spawnSync } from "node:child_process";
import { start } from "./proc";

/** How to install wrk, told when a suite needs it and it is missing. */
export const WRK_INSTALL = "apt-get update && apt-get install -y wrk";

/**
 * What `wrk -v` prints (its version, then its usage), or null when wrk is not installed here. It exits with status 1
 * even then, so only a failure to start it says it is missing (proc.ts's probe() would call it missing always).
 */
export function wrkBanner(): string | null {
  const r = spawnSync("wrk", ["-v"], { encoding: "utf8" });
  return r.error ? null : (r.stdout ?? "");
}

/** wrk's version as a result records it: the first line of its banner without the build details ("wrk 4.1.0"). */
export function wrkVersionOf(banner: string): string {
  return (banner.trim().split("\n")[0] ?? "").split(" [")[0]!;
}

export interface WrkResult {
  /** Requests per second over the run. */
  readonly rps: number;
  /** Latency percentiles in milliseconds (NaN when wrk printed none). */
  readonly p50: number;
  readonly p99: number;
  readonly requests: number;
  /** wrk's "Socket errors" and "Non-2xx or 3xx responses" lines, joined; empty when it had none. */
  readonly errors: string;
}

/** A wrk duration (`812.00us`, `1.25ms`, `2.00s`, `1.00m`) in milliseconds; NaN for anything else. */
export function wrkMs(s: string): number {
  const m = s.match(/^([\d.]+)(us|ms|s|m)$/);
  if (!m) return NaN;
  return Number(m[1]) * ({ us: 0.001, ms: 1, s: 1000, m: 60_000 } as const)[m[2] as "us" | "ms" | "s" | "m"];
}

const lastLines = (out: string, n: number): string => out.trim().split("\n").slice(-n).join(" | ");

/**
 * Reads wrk's report (run with `--latency`); throws, with wrk's last lines, when it holds no figures. A run that got
 * no response at all ("0 requests in 5.00s") is a figure, 0 requests/s, without latencies: a server too slow to
 * answer within the run is measured as such, not dropped.
 */
export function parseWrk(out: string): WrkResult {
  const rps = Number(out.match(/Requests\/sec:\s+([\d.]+)/)?.[1]);
  const requests = Number(out.match(/(\d+) requests in/)?.[1]);
  if (!Number.isFinite(rps) || !Number.isFinite(requests)) throw new Error(`wrk printed no figures: ${lastLines(out, 3)}`);
  const errors = [
    requests === 0 ? "no response in the whole run" : undefined,
    out.match(/Socket errors:.*$/m)?.[0],
    out.match(/Non-2xx or 3xx responses:.*$/m)?.[0],
  ].filter(Boolean).join("; ");
  if (requests === 0) return { rps: 0, requests, p50: NaN, p99: NaN, errors };
  return { rps, requests, p50: wrkMs(out.match(/^\s+50%\s+(\S+)/m)?.[1] ?? ""), p99: wrkMs(out.match(/^\s+99%\s+(\S+)/m)?.[1] ?? ""), errors };
}

/** One wrk run: one thread, `conns` connections for `seconds` against 127.0.0.1:`port`; killed 30 s past its end. */
export function wrk(conns: number, seconds: number, port: number): Promise<WrkResult> {
  return run(conns, seconds, port).then(parseWrk);
}

/**
 * The warm-up before a measured run: the same wrk for `seconds`, its figures unread. On a busy machine 5,000
 * connections may not all be open within one second, and a warm-up that counted no request has still done its job
 * (the server has accepted, allocated and compiled); only wrk itself failing is an error.
 */
export async function warmUp(conns: number, seconds: number, port: number): Promise<void> {
  await run(conns, seconds, port);
}

function run(conns: number, seconds: number, port: number): Promise<string> {
  const argv = ["wrk", "-t1", `-c${conns}`, `-d${seconds}s`, "--timeout", "5s", "--latency", `http://127.0.0.1:${port}/`];
  return new Promise((resolve, reject) => {
    const p = start(argv, {}, (seconds + 30) * 1000);
    let out = "";
    p.stdout!.on("data", (d: Buffer) => (out += d));
    p.stderr!.on("data", (d: Buffer) => (out += d));
    p.on("exit", (code, signal) => {
      if (code !== 0) return reject(new Error(`wrk ${signal ? `killed by ${signal}` : `exit ${code}`}: ${lastLines(out, 4)}`));
      resolve(out);
    });
  });
}
