// The requests a proxy refuses to forward: what chapter 07's parser leaves for a proxy to check. Chapter 11.
//
// By the time a head reaches this file, chapter 07's parser has refused every framing a front end and a back end
// could read two ways (RFC 9112 §6.3: Content-Length with Transfer-Encoding, two or a list of Content-Lengths,
// a Transfer-Encoding that does not end in chunked; bad chunk sizes, obs-fold, bare CR or LF, NUL and other
// controls, oversized lines and heads). What is left is what only matters when the request is passed on: where it
// goes (the target and Host a backend will route on), and what the proxy promises on the backend's behalf.
import { HttpError } from "../07-http/errors";
import type { RequestHead } from "../07-http/messages";

// #region validate-types
/** Where a request goes, once validated: the target in origin form and the authority (host and port) it names. */
export interface RequestTarget {
  /** "/path?query", or "*" for a server-wide OPTIONS. */
  readonly path: string;
  /** "example.com:8080" as the client named it (Host, or the authority of an absolute-form target); "" without. */
  readonly authority: string;
}

export interface ValidationRules {
  /**
   * Refuse a chunked request body with 411 Length Required (RFC 9110 §15.5.12), for backends that cannot read one
   * (nginx did so before 1.3.9). @default false
   */
  readonly lengthRequired?: boolean;
}

/** host [":" port]: a reg-name or IPv4 address (RFC 3986 §3.2.2), or an IPv6 literal in brackets. */
const AUTHORITY = /^(?:[A-Za-z0-9\-._~!$&'()*+,;=%]+|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?$/;
// #endregion

// #region validate
/**
 * Checks a request head the parser accepted before a byte of it reaches a backend, and says where it goes. Throws
 * HttpError: 501 for CONNECT, 400 for a target or a Host a backend could read differently, 417 for an expectation
 * other than 100-continue, 411 for a chunked body when `lengthRequired`.
 */
export function validateRequest(head: RequestHead, rules: ValidationRules = {}): RequestTarget {
  // BEGIN SOLUTION 6 validateRequest
  if (head.method === "CONNECT") throw new HttpError(501, "CONNECT is not supported: this proxy forwards HTTP requests, not tunnels");
  const host = head.headers.get("host") ?? "";
  let path = head.target;
  let authority = host;
  if (path.startsWith("/")) {
    // origin-form (RFC 9112 §3.2.1): the usual case.
  } else if (path === "*") {
    if (head.method !== "OPTIONS") throw new HttpError(400, "the asterisk target is for OPTIONS only (RFC 9112 §3.2.4)");
  } else {
    // absolute-form (§3.2.2): the target's authority wins over Host, and the backend gets the origin form.
    const m = /^https?:\/\/([^/?#]*)([^#]*)$/i.exec(path);
    if (m === null) throw new HttpError(400, `bad request target ${JSON.stringify(path)}`);
    authority = m[1];
    path = m[2].startsWith("/") ? m[2] : `/${m[2]}`;
  }
  // Something like "a.com/x" or "a.com b.com" in Host would route one way here and another way in a backend.
  if (authority !== "" && !AUTHORITY.test(authority)) throw new HttpError(400, `bad Host ${JSON.stringify(authority)}`);
  const expect = head.headers.get("expect");
  // RFC 9110 §10.1.1: 100-continue is the only expectation; an HTTP/1.0 request's Expect is ignored.
  if (expect !== undefined && head.version === "HTTP/1.1" && expect.toLowerCase() !== "100-continue") {
    throw new HttpError(417, `unsupported expectation ${JSON.stringify(expect)}`);
  }
  if (rules.lengthRequired && head.framing.kind === "chunked") {
    throw new HttpError(411, "a request body needs a Content-Length here, not chunked framing");
  }
  return { path, authority };
  // END SOLUTION
}
// #endregion
