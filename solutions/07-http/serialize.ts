// Writing HTTP/1.1: request and response heads as bytes, and chunked framing. Built in chapter 07.
//
// Parsing defends against what a peer sends; serializing defends the peer against what our own program puts
// in a head. The header fields were checked as they went into their Headers (headers.ts); what a caller passes
// here beside them, a method, a target or a reason phrase, is checked here.
import { FIELD_VALUE, Headers, TOKEN } from "./headers";

const TARGET = /^[\x21-\x7e]+$/;

/** Common reason phrases; any other status gets an empty reason, which HTTP/1.1 allows. */
export const REASONS: Readonly<Record<number, string>> = {
  100: "Continue", 200: "OK", 201: "Created", 204: "No Content", 301: "Moved Permanently", 302: "Found",
  304: "Not Modified", 400: "Bad Request", 404: "Not Found", 405: "Method Not Allowed", 408: "Request Timeout",
  411: "Length Required", 413: "Content Too Large", 414: "URI Too Long", 431: "Request Header Fields Too Large",
  500: "Internal Server Error", 501: "Not Implemented", 502: "Bad Gateway", 503: "Service Unavailable",
  504: "Gateway Timeout", 505: "HTTP Version Not Supported",
};

// #region serialize-head
function fieldLines(headers: Headers): string {
  let out = "";
  // forEach, not for…of: this runs for every head a server or proxy writes, and makes nothing per field. Nothing is
  // checked per field either: a Headers holds only fields that are fit to be written.
  headers.forEach((value, name) => {
    out += `${name}: ${value}\r\n`;
  });
  return out + "\r\n";
}

/** `METHOD target HTTP/1.1`, the fields and the empty line, as bytes ready to send. */
export function formatRequestHead(method: string, target: string, headers: Headers): Buffer {
  if (!TOKEN.test(method)) throw new TypeError(`invalid method ${JSON.stringify(method)}`);
  if (!TARGET.test(target)) throw new TypeError(`invalid request target ${JSON.stringify(target)}`);
  return Buffer.from(`${method} ${target} HTTP/1.1\r\n${fieldLines(headers)}`, "latin1");
}

/** `HTTP/1.1 status reason`, the fields and the empty line, as bytes ready to send. */
export function formatResponseHead(status: number, headers: Headers, reason = REASONS[status] ?? ""): Buffer {
  return Buffer.from(responseHeadText(status, headers, reason), "latin1");
}

/**
 * The same head as text, for a caller that puts head and body in one buffer. Every character is checked to be
 * one byte in latin1, so the text's length is its length in bytes.
 */
export function responseHeadText(status: number, headers: Headers, reason = REASONS[status] ?? ""): string {
  if (!Number.isInteger(status) || status < 100 || status > 999) throw new RangeError(`invalid status ${status}`);
  if (!FIELD_VALUE.test(reason)) throw new TypeError(`invalid reason phrase ${JSON.stringify(reason)}`);
  return `HTTP/1.1 ${status} ${reason}\r\n${fieldLines(headers)}`;
}
// #endregion

// #region chunks
/** One chunk of a chunked body: size line, data, CRLF. An empty `data` would end the body, so it gives nothing. */
export function encodeChunk(data: Uint8Array): Buffer {
  if (data.length === 0) return Buffer.alloc(0);
  return Buffer.concat([Buffer.from(`${data.length.toString(16)}\r\n`, "latin1"), data, CRLF]);
}

/** The last chunk, with optional trailer fields, ending a chunked body. */
export function lastChunk(trailers: Headers = new Headers()): Buffer {
  return Buffer.from(`0\r\n${trailers.size ? fieldLines(trailers) : "\r\n"}`, "latin1");
}
// #endregion

const CRLF = Buffer.from("\r\n", "latin1");
