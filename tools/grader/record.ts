// The test runner's own record of a graded run, as the grader reads it. The vitest reporter writes it from
// vitest's main process — which lab code, running in a worker process, cannot reach by a path — into a pipe
// the grader opened (never a file), one line per event, each line numbered and sealed with an HMAC whose key
// the grader handed the reporter on stdin. A line the lab slipped into the pipe (through /proc/PID/fd, say)
// has no valid seal; a line taken out leaves a gap in the numbers. See INSTRUCTORS.md, "Forged results".
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { writeSync } from "node:fs";

/** What the runner's main process saw, in order. */
export type RecordEvent =
  | { event: "start" }
  | { event: "result"; name: string; file: string; state: string; message: string; diff: string; ms: number }
  | { event: "module"; file: string; errors: string[] }
  | { event: "end"; unhandled: string[]; reason: string };

/** The environment variable that says which file descriptor the record goes to (the key comes on stdin). */
export const RECORD_FD = "HUB_GRADE_RECORD_FD";

export const newKey = (): string => randomBytes(32).toString("hex");

const seal = (key: string, body: string): string => createHmac("sha256", key).update(body).digest("hex");

/** One sealed line: `<hmac> <json with its sequence number>`. */
export function sealLine(key: string, seq: number, e: RecordEvent): string {
  const body = JSON.stringify({ seq, ...e });
  return `${seal(key, body)} ${body}\n`;
}

/** Writes all of `text` to a file descriptor that may be non-blocking (a pipe the grader reads as it goes). */
export function writeAll(fd: number, text: string): void {
  const buf = Buffer.from(text);
  let off = 0;
  while (off < buf.length) {
    try {
      off += writeSync(fd, buf, off);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EAGAIN") throw e;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 2); // the reader is behind: wait a moment
    }
  }
}

export interface OpenedRecord {
  readonly events: readonly RecordEvent[];
  /** Why the record cannot be trusted: lines with no valid seal, numbers out of order. Empty when sound. */
  readonly problems: readonly string[];
}

/** Checks every line's seal and number; keeps the events of the lines that pass. */
export function openRecord(key: string, text: string): OpenedRecord {
  const events: RecordEvent[] = [];
  const problems: string[] = [];
  let expect = 0;
  const lines = text.split("\n");
  // A last line without its newline was cut short when the runner was killed mid-write: not a forgery.
  if (lines[lines.length - 1] !== "") lines.pop();
  for (const line of lines.filter(Boolean)) {
    const space = line.indexOf(" ");
    const mac = line.slice(0, space);
    const body = line.slice(space + 1);
    const good = Buffer.from(seal(key, body), "hex");
    const given = Buffer.from(/^[0-9a-f]{64}$/.test(mac) ? mac : "", "hex");
    if (space < 0 || given.length !== good.length || !timingSafeEqual(given, good)) {
      problems.push(`a line the test runner did not write: ${line.slice(0, 120)}`);
      continue;
    }
    const { seq, ...e } = JSON.parse(body) as RecordEvent & { seq: number };
    if (seq !== expect) problems.push(`line ${expect} of the test runner's record is missing or out of order (found ${seq})`);
    expect = seq + 1;
    events.push(e as RecordEvent);
  }
  return { events, problems };
}

/** The mark of setup.ts's check that assertions were tampered with, as it appears in the runner's record. */
export const ASSERTIONS_CHANGED = "the test framework's assertions were changed while the tests ran";

/** What the worker writes to $HUB_GRADE_EVENTS (setup.ts): forgeable, so it only names a test that hung. */
export type WorkerEvent =
  /**
   * A test has started, with its own time limit and the before hooks still to run (hang-watch.ts reads it); then its
   * own function has started ("body"), and ended with `hooks` after hooks and handlers still to run ("after").
   */
  | { event: "ready"; name: string; timeoutMs?: number; hooks?: number }
  | { event: "body"; name: string }
  | { event: "after"; name: string; hooks: number }
  | { event: "result"; name: string; file: string; state: string; message: string; ms: number };
