// The heads a proxy writes: the request a backend gets, the response a client gets, and the proxy's own refusals.
// Chapter 11.
//
// A proxy is two HTTP connections, not one: the framing of each side is decided on that side. A chunked request may
// go on chunked; a response whose end is the backend's close goes to an HTTP/1.1 client chunked, so the client's
// connection survives it. So the framing fields are always dropped with the other hop-by-hop fields (forwarding.ts,
// RFC 9110 §7.6.1) and written again here for the hop they describe.
import type { Green } from "../02-hub/suspend";
import type { Socket } from "../05-green-sockets/socket";
import { Headers } from "../07-http/headers";
import type { RequestHead, ResponseHead } from "../07-http/messages";
import { formatRequestHead, formatResponseHead, REASONS } from "../07-http/serialize";
import { linger } from "../07-http/server";

// #region request-head
/** What the backend gets of a request: origin-form target, end-to-end fields, framing for this hop. */
export function backendRequestHead(head: RequestHead, path: string, headers: Headers, upgrade: string | undefined): Buffer {
  // The proxy answers Expect: 100-continue itself (as nginx does), so the backend is not asked to.
  headers.delete("expect");
  if (head.framing.kind === "chunked") headers.set("Transfer-Encoding", "chunked");
  if (upgrade !== undefined) {
    headers.set("Connection", "Upgrade");
    headers.set("Upgrade", upgrade);
  }
  return formatRequestHead(head.method, path, headers);
}
// #endregion

// #region response-head
/** How a response's body goes on to the client. */
export interface ClientFraming {
  /** Re-encoded as chunks (an HTTP/1.1 client, a body whose length is not known in advance). */
  readonly chunked: boolean;
  /** The client connection closes after this response. */
  readonly close: boolean;
}

/** The framing for the client's hop: chunked for a 1.1 client when the length is unknown, else close-delimited. */
export function clientFraming(req: RequestHead, res: ResponseHead, keepAlive: boolean): ClientFraming {
  const unknown = res.framing.kind === "chunked" || res.framing.kind === "close";
  const chunked = unknown && req.version === "HTTP/1.1";
  return { chunked, close: !keepAlive || (unknown && !chunked) };
}

/** The response head for the client. `headers` are the backend's, forwarded already (forwardResponse). */
export function clientResponseHead(req: RequestHead, res: ResponseHead, headers: Headers, framing: ClientFraming): Buffer {
  if (framing.chunked) headers.set("Transfer-Encoding", "chunked");
  if (framing.close) headers.set("Connection", "close");
  else if (req.version === "HTTP/1.0") headers.set("Connection", "keep-alive");
  return formatResponseHead(res.status, headers, res.reason || REASONS[res.status]);
}
// #endregion

// #region refuse
/** The proxy's own answer, head and body in one buffer; `close` adds Connection: close. */
export function proxyResponse(status: number, detail: string, close: boolean, extra: Record<string, string> = {}): Buffer {
  const reason = REASONS[status] ?? MORE_REASONS[status] ?? "";
  const body = `${status} ${reason || "Error"}: ${detail}\n`;
  const headers = new Headers({ "Content-Type": "text/plain; charset=utf-8", "Content-Length": String(Buffer.byteLength(body)), ...extra });
  if (close) headers.set("Connection", "close");
  return Buffer.concat([formatResponseHead(status, headers, reason), Buffer.from(body, "utf8")]);
}

/** Reason phrases of statuses only a proxy sends (chapter 07's table has the server's). */
const MORE_REASONS: Readonly<Record<number, string>> = { 404: "Not Found", 417: "Expectation Failed", 429: "Too Many Requests" };

/**
 * Refuses a request the proxy cannot trust or serve and closes the connection: after a framing error nothing later
 * on it can be trusted (RFC 9112 §6.3 says close), and chapter 07's linger keeps the answer from being lost to a reset.
 * Returns the bytes of the answer.
 */
export function* refuse(sock: Socket, status: number, detail: string, extra: Record<string, string> = {}): Green<number> {
  const answer = proxyResponse(status, detail, true, extra);
  yield* sock.sendall(answer);
  yield* linger(sock);
  return answer.length; // what an access log reports as sent
}
// #endregion
