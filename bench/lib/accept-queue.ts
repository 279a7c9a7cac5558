// The accept queue of a listening socket, watched while a load runs (the proxy suites' engine, bench/lib/proxy-bench.ts,
// and `npm run bench:queue`, for the proxies of chapters 08, 11 and 14): how many clients the kernel has connected
// that the program has not accepted yet, and so how many it had accepted when the run ended. wrk counts only the
// requests that complete, so a client left in the queue for a whole run is in none of its figures; this says how many
// were. Read with `ss`, whose filter runs in the kernel: it sends back the sockets asked for, not a table of every
// connection on the machine to read.
import { execFile } from "node:child_process";
import { fmt } from "./report";
import type { WrkResult } from "./wrk";

/** What a watch saw. `emptyAfterMs` is null when the queue never emptied after its peak. */
export interface QueueSummary {
  /** The longest the queue was. */
  readonly peak: number;
  /** Its length at the last sample: at the end of the watched time, or when the watch was stopped before it. */
  readonly last: number;
  /** From the start of the watch, when the queue was first seen empty after its peak (0 if it never held a client). */
  readonly emptyAfterMs: number | null;
  readonly samples: number;
  /**
   * The clients the program had accepted at the last sample: its connections on the port, less those still queued.
   * A client whose handshake the kernel dropped (the queue was full) is in neither, so this, not the queue, says how
   * many of wrk's clients were served.
   */
  readonly accepted: number;
}

/**
 * The Recv-Q of the sockets listening on `port` in `ss -ltnH` output, added up (programs that listen with SO_REUSEPORT
 * have one each): for a listening socket, the clients waiting to be accepted. Null when no such socket is listed.
 */
export function parseSs(out: string, port: number): number | null {
  let queued: number | null = null;
  for (const line of out.split("\n")) {
    const [state, recvQ, , local] = line.trim().split(/\s+/);
    if (state === "LISTEN" && local?.endsWith(`:${port}`)) queued = (queued ?? 0) + Number(recvQ);
  }
  return queued;
}

/**
 * `ss -Htn <args>`'s output: TCP sockets, no header, numeric ports; `args` may add flags (`-l` listening sockets,
 * `-p` their processes) before a filter. Rejects when `ss` cannot run.
 */
export function ss(args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile("ss", ["-Htn", ...args], { timeout: 5000, maxBuffer: 64 << 20 }, (error, stdout) => {
      if (error) {
        const missing = (error as NodeJS.ErrnoException).code === "ENOENT";
        reject(new Error(missing ? "ss is not installed (Debian: apt-get install iproute2)" : `ss failed: ${error.message}`));
      } else resolve(stdout);
    });
  });
}

/** One reading of the accept queue on `port`; null when nothing listens there. Rejects when `ss` cannot run. */
export async function acceptQueue(port: number): Promise<number | null> {
  return parseSs(await ss(["-l", `sport = :${port}`]), port);
}

/**
 * The established connections whose local port is `port`: a server's accepted clients and, as the kernel completes
 * their handshakes before the program accepts them, its queued ones (a client's own end has another local port).
 */
export const connectionsOn = (port: number): Promise<number> => countConnections(["state", "established", `sport = :${port}`]);

/** How many TCP connections `ss` lists for a filter of states and an expression (`["state", "established", "…"]`). */
export async function countConnections(filter: readonly string[]): Promise<number> {
  const out = await ss(filter);
  return out.split("\n").filter((l) => l.trim() !== "").length;
}

export interface QueueWatch {
  /** Stops sampling (with a last sample, if the time has not run out yet) and says what the watch saw. */
  stop(): Promise<QueueSummary>;
}

/**
 * Samples the accept queue on `port` every `everyMs` for `forMs` (the length of the load's measured run: a program
 * accepts its queue quickly once the load is gone, so later samples would not say how the run ended), or until
 * stopped; the last sample also counts the clients accepted. A sample that finds no listener reads as 0; a failing
 * `ss` rejects `stop()`.
 */
export function watchAcceptQueue(port: number, forMs: number, everyMs = 100): QueueWatch {
  const started = Date.now();
  let peak = 0;
  let last = 0;
  let samples = 0;
  let emptyAfterMs: number | null = null;
  let accepted = 0;
  let failure: unknown = null;
  let stopped = false;
  // The connections are counted at the last sample only: on a loaded port that is a listing of thousands of sockets.
  const sample = async (final: boolean): Promise<void> => {
    try {
      const connections = final ? await connectionsOn(port) : 0;
      last = (await acceptQueue(port)) ?? 0;
      if (final) accepted = Math.max(0, connections - last);
    } catch (e) {
      failure ??= e;
      return;
    }
    samples++;
    if (last > peak) {
      peak = last;
      emptyAfterMs = null;
    } else if (last === 0 && peak > 0 && emptyAfterMs === null) emptyAfterMs = Date.now() - started;
  };
  // One sample at a time: the next is due `everyMs` after the last one ended, so a slow `ss` never piles up. The
  // last is taken when the time runs out, or within `everyMs` before.
  let finalTaken = false;
  const loop = (async () => {
    while (!stopped) {
      const final = started + forMs - Date.now() <= everyMs;
      await sample(final);
      if (final) return void (finalTaken = true);
      await new Promise((r) => setTimeout(r, Math.min(everyMs, Math.max(0, started + forMs - Date.now()))));
    }
  })();
  return {
    async stop() {
      // Stopped before its time ran out: the load ended now, so a last sample says how it ended.
      stopped = true;
      await loop;
      if (!finalTaken && !failure) await sample(true);
      if (failure) throw failure;
      return { peak, last, emptyAfterMs: peak === 0 ? 0 : emptyAfterMs, samples, accepted };
    },
  };
}

/**
 * A watch of `port` for a wrk run of `seconds` about to start, its last sample (the one that counts the clients
 * accepted) half a second before wrk's time runs out: wrk is still connected then, its clients not yet closing.
 */
export const watchWrkRun = (port: number, seconds: number, everyMs = 250): QueueWatch =>
  watchAcceptQueue(port, Math.max(seconds * 1000 - 500, 0), everyMs);

/** A watch beside the wrk run it watched, in one line (`npm run bench:queue`). */
export function queueLine(q: QueueSummary, w: WrkResult): string {
  const end =
    q.last > 0 ? `${fmt(q.last)} when the run ended`
    : q.peak === 0 ? "empty throughout"
    : `empty after ${((q.emptyAfterMs ?? 0) / 1000).toFixed(1)} s`;
  const errors = w.errors ? ` | ${w.errors}` : "";
  return `accept queue: peak ${fmt(q.peak)}, ${end}; ${fmt(q.accepted)} clients accepted | ${fmt(w.rps)} requests/s, p50 ${fmt(w.p50)} ms, p99 ${fmt(w.p99)} ms${errors}`;
}
