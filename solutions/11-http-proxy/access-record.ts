// What one request (HTTP) or one connection (TCP) leaves behind for an access log or a metric: who, where to, what
// came of it, and when each phase ended. Chapter 11's proxy fills one per request when given `onRecord`; chapter
// 13's network wrapper fills one per connection of chapter 08's proxy, and formats and writes them.
import type { Address } from "../05-green-sockets/socket";

// #region access-record
/**
 * One access-log record. Times are milliseconds on the hub's clock (`getHub().now()`: the virtual clock in a
 * simulation); a phase never reached is null. When all are set: accepted ≤ received ≤ picked ≤ connected ≤
 * firstByte ≤ done. The wall-clock date of a log line is the formatter's business (chapter 13: an epoch plus
 * `accepted`), so a record made on the virtual clock is the same at every run.
 */
export interface AccessRecord {
  readonly mode: "http" | "tcp";
  /** The client's address: the socket's peer, or what a PROXY protocol header said. */
  client: Address;
  /** The proxy's name (HAProxy's frontend): the HTTP proxy's pseudonym, the name given to chapter 13's wrapper. */
  frontend: string;
  /** HTTP: the pool the request was routed to (HAProxy's backend section); absent for TCP. */
  pool?: string;
  /** The backend server that got the last try, by name; null when none was picked (HAProxy's `<NOSRV>`). */
  backend: string | null;
  /** The status the client got (the backend's or the proxy's own); null for TCP, or when the client got none. */
  status: number | null;
  /** HTTP: the connection was accepted (first request) or the previous request was done (later ones). TCP: accepted. */
  accepted: number;
  /** HTTP: the request's head was read whole; null for TCP (the proxy reads nothing before connecting). */
  received: number | null;
  /** The backend of the last try was picked (for TCP: the first connect began, so Tc includes a failover's tries). */
  picked: number | null;
  /** A connection to it was there: taken from the pool or newly connected (with a PROXY header sent, if any). */
  connected: number | null;
  /** HTTP: the backend's response head was read whole (where HAProxy's Tr ends). TCP: the first byte to the client. */
  firstByte: number | null;
  /** The response went out whole, or the exchange or connection ended some other way. */
  done: number;
  /**
   * HAProxy's first two characters of the termination state (its "Session state at disconnection"): "--" normal;
   * the first says who ended it (C client, S server, P proxy, K killed by a shutdown, c/s a client's or server's
   * timeout), the second in which phase (R request, Q queue, C connect, H response headers, D data).
   */
  termination: string;
  /** Bytes from the client: for HTTP, those read while this request was read (head and body). */
  bytesIn: number;
  /** Bytes to the client: the response, head included (HAProxy's bytes_read). */
  bytesOut: number;
  /** Tries on another backend after a failed one (chapter 10's retries; for TCP, chapter 08's failover connects). */
  retries: number;
  /** HTTP: the request's method, target and version, as the client sent them. */
  method?: string;
  path?: string;
  version?: string;
}

/** A fresh record, every phase still to come. */
export function newAccessRecord(mode: "http" | "tcp", client: Address, frontend: string, accepted: number): AccessRecord {
  return {
    mode,
    client,
    frontend,
    backend: null,
    status: null,
    accepted,
    received: null,
    picked: null,
    connected: null,
    firstByte: null,
    done: accepted,
    termination: "--",
    bytesIn: 0,
    bytesOut: 0,
    retries: 0,
  };
}
// #endregion
