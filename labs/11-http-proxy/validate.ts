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
  // TODO(task 6): validateRequest. See README.md.
  throw new Error("not implemented yet — lab 11-http-proxy, task 6: validateRequest");
}
// #endregion
