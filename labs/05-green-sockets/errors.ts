// The errors a green socket raises, one class per way a connection fails. Built in chapter 05.
//
// Node reports socket failures as plain Errors with a `code` string ("ECONNREFUSED"); a program that must
// tell "the backend is down" from "the client hung up" (the load balancer of Part III) wants a type to
// catch. Both networks, real and simulated, raise exactly these, so code that handles them runs on both.

// #region errors
/** Every failure of a green socket. `code` is the errno name a C programmer would expect. */
export class SocketError extends Error {
  override name = "SocketError";
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
  }
}

/** Nothing listens at the address (the peer answered the connection attempt with a reset). */
export class ConnectionRefusedError extends SocketError {
  override name = "ConnectionRefusedError";
  constructor(message: string) {
    super(message, "ECONNREFUSED");
  }
}

/** The peer aborted the connection: bytes still in flight are lost. */
export class ConnectionResetError extends SocketError {
  override name = "ConnectionResetError";
  constructor(message: string) {
    super(message, "ECONNRESET");
  }
}

/** A connect, recv, sendall or accept took longer than its timeout, or the network gave up retrying. */
export class TimedOutError extends SocketError {
  override name = "TimedOutError";
  constructor(message: string) {
    super(message, "ETIMEDOUT");
  }
}

/** The socket (or listener) was closed by this program, or its write side was shut down. */
export class SocketClosedError extends SocketError {
  override name = "SocketClosedError";
  constructor(message: string) {
    super(message, "EBADF");
  }
}

/** `recvExactly` met the end of the stream first; `partial` holds the bytes that did arrive. */
export class EndOfStreamError extends SocketError {
  override name = "EndOfStreamError";
  constructor(
    message: string,
    readonly partial: Uint8Array,
  ) {
    super(message, "EOF");
  }
}
// #endregion

/**
 * True for the errors that mean "the other side went away": a server's handler that meets one has
 * nothing to report, the client simply left.
 */
export function isPeerGone(e: unknown): boolean {
  return e instanceof ConnectionResetError || e instanceof EndOfStreamError || e instanceof TimedOutError;
}

/** Turns an error Node's `net` emitted into one of ours, keeping its message. */
export function fromNodeError(e: unknown, where: string): SocketError {
  if (e instanceof SocketError) return e;
  const code = (e as { code?: unknown } | null)?.code;
  const message = `${where}: ${e instanceof Error ? e.message : String(e)}`;
  switch (code) {
    case "ECONNREFUSED":
      return new ConnectionRefusedError(message);
    case "ECONNRESET":
    case "EPIPE":
      return new ConnectionResetError(message);
    case "ETIMEDOUT":
      return new TimedOutError(message);
    default:
      return new SocketError(message, typeof code === "string" ? code : "EIO");
  }
}
