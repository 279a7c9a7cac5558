// The grammar of one line of HTTP/1.1: request line, status line, field line, chunk-size line. Chapter 07.
//
// Each function gets the bytes of one line, CRLF already removed, as (buffer, start, end), and either returns
// what the line says or throws an HttpError. They check bytes against small lookup tables: a rule such as
// "a field name is a token" is one table read per byte, with no strings made until the line is known good.
import { HttpError } from "./errors";
import { COMMON_NAMES } from "./headers";

export type HttpVersion = "HTTP/1.0" | "HTTP/1.1";

export interface RequestLine {
  readonly method: string;
  readonly target: string;
  readonly version: HttpVersion;
}

export interface StatusLine {
  readonly version: HttpVersion;
  readonly status: number;
  readonly reason: string;
}

const SP = 0x20;
const HTAB = 0x09;
const COLON = 0x3a;
const SEMICOLON = 0x3b;

// #region tables
const TOKEN = 1; // tchar (RFC 9110 §5.6.2): letters, digits and !#$%&'*+-.^_`|~
const VALUE = 2; // field-vchar, SP or HTAB (RFC 9110 §5.5): anything visible, obs-text included, no controls
const TARGET = 4; // a request-target byte: visible ASCII (RFC 9112 §3.2); no spaces, controls or raw 8-bit

const CLASS = new Uint8Array(256);
for (let c = 0x21; c <= 0x7e; c++) CLASS[c] |= VALUE | TARGET;
for (let c = 0x80; c <= 0xff; c++) CLASS[c] |= VALUE;
CLASS[SP] |= VALUE;
CLASS[HTAB] |= VALUE;
for (const c of "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ") {
  CLASS[c.charCodeAt(0)] |= TOKEN;
}

/** The first index in [from, end) whose byte is not in `cls`, or `end`. */
function scan(buf: Uint8Array, from: number, end: number, cls: number): number {
  while (from < end && CLASS[buf[from]] & cls) from++;
  return from;
}
// #endregion

const text = (buf: Buffer, start: number, end: number): string => buf.toString("latin1", start, end);

// #region known-words
/** True when [start, end) holds exactly the bytes of `word`. */
function isWord(buf: Buffer, start: number, end: number, word: string): boolean {
  if (end - start !== word.length) return false;
  for (let i = 0; i < word.length; i++) if (buf[start + i] !== word.charCodeAt(i)) return false;
  return true;
}

/**
 * The text of [start, end): one of `words` when it holds that word's bytes, else a new string. Most of a head is
 * words from short lists (a version, a method, the common field names): comparing bytes and handing back the string
 * made at start-up makes nothing per message, and a lookup by that string is quicker too (its hash is kept).
 */
function wordOrText(buf: Buffer, start: number, end: number, words: readonly string[]): string {
  for (const w of words) if (isWord(buf, start, end, w)) return w;
  return text(buf, start, end);
}

/** The methods nearly every request uses. */
const COMMON_METHODS: readonly string[] = ["GET", "POST", "HEAD", "PUT", "DELETE", "OPTIONS", "PATCH"];
// #endregion

/** Reads "HTTP/1.1" or "HTTP/1.0" at [start, start+8); another HTTP/x.y is a 505, anything else a 400. */
function parseVersion(buf: Buffer, start: number, end: number): HttpVersion {
  if (isWord(buf, start, end, "HTTP/1.1")) return "HTTP/1.1";
  if (isWord(buf, start, end, "HTTP/1.0")) return "HTTP/1.0";
  const v = text(buf, start, end);
  if (/^HTTP\/\d\.\d$/.test(v)) throw new HttpError(505, `HTTP version ${v.slice(5)} is not supported`);
  throw new HttpError(400, `bad HTTP version ${JSON.stringify(v)}`);
}

// #region request-line
/** `method SP request-target SP HTTP-version` (RFC 9112 §3), with exactly one space between the parts. */
export function parseRequestLine(buf: Buffer, start: number, end: number): RequestLine {
  // TODO(task 1): parseRequestLine. See README.md.
  throw new Error("not implemented yet — lab 07-http, task 1: parseRequestLine");
}
// #endregion

/** `HTTP-version SP 3DIGIT SP [reason]` (RFC 9112 §4); a missing space before an empty reason is tolerated. */
export function parseStatusLine(buf: Buffer, start: number, end: number): StatusLine {
  const version = parseVersion(buf, start, Math.min(start + 8, end));
  const s = start + 8;
  if (buf[s] !== SP || end < s + 4) throw new HttpError(502, "bad status line");
  let status = 0;
  for (let i = s + 1; i < s + 4; i++) {
    const d = buf[i] - 0x30;
    if (d < 0 || d > 9) throw new HttpError(502, "bad status line: the status code must be three digits");
    status = status * 10 + d;
  }
  if (status < 100) throw new HttpError(502, `bad status code ${status}`);
  if (end > s + 4 && (buf[s + 4] !== SP || scan(buf, s + 5, end, VALUE) !== end)) {
    throw new HttpError(502, "bad status line: the reason phrase has a control character");
  }
  return { version, status, reason: end > s + 4 ? text(buf, s + 5, end) : "" };
}

// #region field-line
/**
 * `field-name ":" OWS field-value OWS` (RFC 9112 §5). Returns [name, value], the value trimmed of the
 * optional whitespace around it.
 */
export function parseFieldLine(buf: Buffer, start: number, end: number): [string, string] {
  // TODO(task 1): parseFieldLine. See README.md.
  throw new Error("not implemented yet — lab 07-http, task 1: parseFieldLine");
}
// #endregion

/**
 * `1*HEXDIG [chunk-ext]` (RFC 9112 §7.1): returns the chunk size. Extensions are checked for stray control
 * characters and otherwise ignored. Sizes with more than 12 hex digits are refused as too large (413), so the
 * arithmetic stays exact.
 */
export function parseChunkSize(buf: Buffer, start: number, end: number): number {
  let size = 0;
  let i = start;
  for (; i < end; i++) {
    const c = buf[i] | 0x20; // lower-case a letter; digits are unchanged
    const d = c >= 0x30 && c <= 0x39 ? c - 0x30 : c >= 0x61 && c <= 0x66 ? c - 0x61 + 10 : -1;
    if (d < 0) break;
    if (i - start === 12) throw new HttpError(413, "chunk size too large");
    size = size * 16 + d;
  }
  if (i === start) throw new HttpError(400, "bad chunk size: expected hex digits");
  // Simplification: a production parser would check the extension grammar (token, "=", token or quoted-string).
  let e = i;
  while (e < end && (buf[e] === SP || buf[e] === HTAB)) e++;
  if (i < end && (e === end || buf[e] !== SEMICOLON || scan(buf, e, end, VALUE) !== end)) {
    throw new HttpError(400, "bad chunk size line: only a ';' extension may follow the size");
  }
  return size;
}
