// Why the proxy ended a connection itself, one class per reason. Built in chapter 08.
//
// The socket errors of chapter 05 say what the network did (refused, reset, timed out); these say what the
// proxy decided. A connection thread that dies of one of them is counted, never reported as a bug.

// #region errors
/** No backend accepted the connection: all refused, timed out, or were cooling down. */
export class NoBackendError extends Error {
  override name = "NoBackendError";
}

/** Nothing crossed the connection, either way, for the idle timeout. */
export class IdleTimeoutError extends Error {
  override name = "IdleTimeoutError";
}

/** A graceful shutdown's deadline passed with the connection still open. */
export class ShutdownError extends Error {
  override name = "ShutdownError";
}
// #endregion
