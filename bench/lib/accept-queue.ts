// The accept queue of a listening socket, watched while a load runs (`npm run bench:queue`, for the proxies of
// chapters 08 and 11): how many clients the kernel has connected that the program has not accepted yet. wrk counts
// only the requests that complete, so a client left in the queue for a whole run is in none of its figures; this
// says how many were. Read with `ss`, whose filter runs in the kernel: it sends back the one listening socket, not a
// table of ten thousand connections to read.
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
}

/**
 * The Recv-Q of the socket listening on `port` in `ss -ltnH` output: for a listening socket, the clients waiting to
 * be accepted. Null when no such socket is listed.
 */
export function parseSs(out: string, port: number): number | null {
  for (const line of out.split("\n")) {
    const [state, recvQ, , local] = line.trim().split(/\s+/);
    if (state === "LISTEN" && local?.endsWith(`:${port}`)) return Number(recvQ);
  }
  return null;
}

/** One reading of the accept queue on `port`; null when nothing listens there. Rejects when `ss` cannot run. */
export function acceptQueue(port: number): Promise<number | null> {
  return new Promise((resolve, reject) => {
    execFile("ss", ["-ltnH", `sport = :${port}`], { timeout: 5000 }, (error, stdout) => {
      if (error) {
        const missing = (error as NodeJS.ErrnoException).code === "ENOENT";
        reject(new Error(missing ? "ss is not installed (Debian: apt-get install iproute2)" : `ss failed: ${error.message}`));
      } else resolve(parseSs(stdout, port));
    });
  });
}

export interface QueueWatch {
  /** Stops sampling (with a last sample, if the time has not run out yet) and says what the watch saw. */
  stop(): Promise<QueueSummary>;
}

/**
 * Samples the accept queue on `port` every `everyMs` for `forMs` (the length of the load's measured run: a program
 * accepts its queue quickly once the load is gone, so later samples would not say how the run ended), or until
 * stopped. A sample that finds no listener reads as 0; a failing `ss` rejects `stop()`.
 */
export function watchAcceptQueue(port: number, forMs: number, everyMs = 100): QueueWatch {
  const started = Date.now();
  let peak = 0;
  let last = 0;
  let samples = 0;
  let emptyAfterMs: number | null = null;
  let failure: unknown = null;
  let stopped = false;
  const sample = async (): Promise<void> => {
    try {
      last = (await acceptQueue(port)) ?? 0;
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
  // One sample at a time: the next is due `everyMs` after the last one ended, so a slow `ss` never piles up.
  const loop = (async () => {
    const more = (): boolean => !stopped && Date.now() - started < forMs;
    while (more()) {
      await sample();
      if (more()) await new Promise((r) => setTimeout(r, Math.min(everyMs, Math.max(0, started + forMs - Date.now()))));
    }
  })();
  return {
    async stop() {
      // Stopped before its time ran out: the load ended now, so a last sample says how it ended.
      const early = Date.now() - started < forMs;
      stopped = true;
      await loop;
      if ((early || samples === 0) && !failure) await sample();
      if (failure) throw failure;
      return { peak, last, emptyAfterMs: peak === 0 ? 0 : emptyAfterMs, samples };
    },
  };
}

/** A watch beside the wrk run it watched, in one line (`npm run bench:queue`). */
export function queueLine(q: QueueSummary, w: WrkResult): string {
  const end =
    q.last > 0 ? `${fmt(q.last)} when the run ended`
    : q.peak === 0 ? "empty throughout"
    : `empty after ${((q.emptyAfterMs ?? 0) / 1000).toFixed(1)} s`;
  const errors = w.errors ? ` | ${w.errors}` : "";
  return `accept queue: peak ${fmt(q.peak)}, ${end} | ${fmt(w.rps)} requests/s, p50 ${fmt(w.p50)} ms, p99 ${fmt(w.p99)} ms${errors}`;
}
