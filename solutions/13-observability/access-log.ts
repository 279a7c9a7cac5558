// Access records as log lines: JSON lines for programs, and HAProxy's httplog/tcplog text for people and for the
// tools that read HAProxy's logs. Built in chapter 13 (lab task 4).
//
// A record's times are on the hub's clock; a line needs a date. The logger takes an `epoch`, the wall-clock time
// at hub time 0, so a line's date is `epoch + accepted`: on the virtual clock a fixed epoch makes every line the
// same at every run.
import { getHub } from "../02-hub/hub";
import type { AccessRecord } from "../11-http-proxy/access-record";

// #region haproxy-date
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/**
 * HAProxy's date in its logs, `06/Feb/2009:12:14:14.655`, in UTC, from milliseconds since 1970 (a fraction of a
 * millisecond is dropped).
 */
export function haproxyDate(ms: number): string {
  // BEGIN SOLUTION 4 haproxyDate
  const d = new Date(Math.floor(ms));
  const two = (n: number): string => String(n).padStart(2, "0");
  const date = `${two(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}`;
  const time = `${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())}.${String(d.getUTCMilliseconds()).padStart(3, "0")}`;
  return `${date}:${time}`;
  // END SOLUTION
}
// #endregion

// #region timers
/**
 * HAProxy's timers of a record, whole milliseconds, -1 for a phase never reached (either end of it null).
 * HTTP: `[Tq, Tw, Tc, Tr, Tt]` — head read, backend picked, connected, response head, done (HAProxy 1.4's httplog).
 * TCP: `[Tw, Tc, Tt]` — picked, connected, done (tcplog).
 */
export function timers(r: AccessRecord): number[] {
  // BEGIN SOLUTION 4 timers
  const span = (from: number | null, to: number | null): number => (from === null || to === null ? -1 : Math.round(to - from));
  const total = span(r.accepted, r.done);
  if (r.mode === "tcp") return [span(r.accepted, r.picked), span(r.picked, r.connected), total];
  return [span(r.accepted, r.received), span(r.received, r.picked), span(r.picked, r.connected), span(r.connected, r.firstByte), total];
  // END SOLUTION
}
// #endregion

// #region escape
/** HAProxy's escaping of a logged string (its section 8.6): every byte outside 32–126, and `#` and `"`, as `#XX`. */
export function escapeLogText(s: string): string {
  let out = "";
  for (const byte of Buffer.from(s, "utf8")) {
    out += byte < 32 || byte > 126 || byte === 0x23 || byte === 0x22 ? `#${byte.toString(16).toUpperCase().padStart(2, "0")}` : String.fromCharCode(byte);
  }
  return out;
}
// #endregion

// #region format-text
/**
 * The record as one line of HAProxy's text log, without the syslog header:
 *   HTTP: `client:port [date] frontend pool/server Tq/Tw/Tc/Tr/Tt status bytes termination retries "METHOD path VERSION"`
 *   TCP:  `client:port [date] frontend frontend/server Tw/Tc/Tt bytes termination retries`
 * `<NOSRV>` when no server was picked, -1 for no status, `"<BADREQ>"` for a request whose head was never read.
 */
export function formatText(r: AccessRecord, epoch: number): string {
  // BEGIN SOLUTION 4 formatText
  const head = `${r.client.host}:${r.client.port} [${haproxyDate(epoch + r.accepted)}] ${r.frontend} ${r.pool ?? r.frontend}/${r.backend ?? "<NOSRV>"}`;
  const tail = `${timers(r).join("/")}`;
  if (r.mode === "tcp") return `${head} ${tail} ${r.bytesOut} ${r.termination} ${r.retries}`;
  const request = r.method === undefined ? "<BADREQ>" : escapeLogText(`${r.method} ${r.path ?? ""} ${r.version ?? "HTTP/1.1"}`);
  return `${head} ${tail} ${r.status ?? -1} ${r.bytesOut} ${r.termination} ${r.retries} "${request}"`;
  // END SOLUTION
}
// #endregion

// #region format-json
/** The keys of a JSON line, in order: `time` (ISO 8601, UTC), then the record's fields. */
export const JSON_KEYS = [
  "time", "mode", "client", "frontend", "pool", "backend", "status", "method", "path", "version", "termination",
  "retries", "bytesIn", "bytesOut", "accepted", "received", "picked", "connected", "firstByte", "done",
] as const;

/**
 * The record as one JSON object on one line: the keys of JSON_KEYS in that order, `time` the wall-clock date of
 * `accepted`; an optional field the record lacks is left out, a null stays null. `JSON.parse` gives back the record
 * and `time`.
 */
export function formatJson(r: AccessRecord, epoch: number): string {
  // BEGIN SOLUTION 4 formatJson
  const all: Record<string, unknown> = { ...r, time: new Date(Math.floor(epoch + r.accepted)).toISOString() };
  const out: Record<string, unknown> = {};
  for (const k of JSON_KEYS) if (all[k] !== undefined) out[k] = all[k];
  return JSON.stringify(out);
  // END SOLUTION
}
// #endregion

// #region access-logger
export type LogFormat = "json" | "text";

export interface AccessLogOptions {
  /** @default "json" */
  readonly format?: LogFormat;
  /** The wall-clock time (ms since 1970) at hub time 0. @default now minus the hub's clock */
  readonly epoch?: number;
  /**
   * HAProxy's `option dontlog-normal`: leave out records of normal connections — termination "--", no retry and,
   * for HTTP, a status below 500. @default false
   */
  readonly dontLogNormal?: boolean;
}

/** Where lines go: chapter 13's LogWriter, or anything with its `write`. */
export interface LineSink {
  write(line: string): boolean;
}

/** A record is normal (HAProxy's dontlog-normal): ended normally, no retry, not a 5xx. */
export const isNormal = (r: AccessRecord): boolean => r.termination === "--" && r.retries === 0 && (r.status === null || r.status < 500);

/** The hook for the proxies (`onRecord`): formats each record and hands the line to `sink`, never waiting. */
export function accessLogger(sink: LineSink, options: AccessLogOptions = {}): (r: AccessRecord) => void {
  const epoch = options.epoch ?? Date.now() - getHub().now();
  const format = options.format ?? "json";
  if (format !== "json" && format !== "text") throw new Error(`unknown log format "${String(format)}": use "json" or "text"`);
  const quiet = options.dontLogNormal ?? false;
  return (r) => {
    if (quiet && isNormal(r)) return;
    sink.write(format === "json" ? formatJson(r, epoch) : formatText(r, epoch));
  };
}
// #endregion
