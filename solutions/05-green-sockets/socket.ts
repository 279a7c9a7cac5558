// The green socket contract: what a program may do with a connection, a listener and a network. Chapter 05.
//
// Two implementations stand behind it: Node's real `net` (node-network.ts) and a seeded simulated network
// on the virtual clock (sim-network.ts). A program written against these three interfaces — the echo server
// here, the chat room, HTTP and the load balancer later — runs unchanged on both.
import type { Green } from "../02-hub/suspend";

// #region contract
/** Where a socket is: a host name or IP address, and a TCP port. */
export interface Address {
  readonly host: string;
  readonly port: number;
}

/**
 * One end of a TCP connection, with blocking-style calls for green threads. Every method that may wait
 * is a generator: call it with `yield*`, and the thread parks there until the socket is ready.
 */
export interface Socket {
  readonly local: Address;
  readonly remote: Address;
  /**
   * Milliseconds a recv, recvExactly, recvLine or sendall may wait before it throws TimedOutError;
   * null waits forever (eventlet's `settimeout`). @default null
   */
  timeout: number | null;
  /** Up to `n` bytes, as soon as any are there; an empty buffer at the end of the stream. @default n 65536 */
  recv(n?: number): Green<Buffer>;
  /** Exactly `n` bytes; throws EndOfStreamError (with the partial bytes) when the stream ends first. */
  recvExactly(n: number): Green<Buffer>;
  /**
   * Bytes up to and including the next "\n"; at the end of the stream the last bytes without one, then an
   * empty buffer. Throws a RangeError past `limit` bytes without a newline. @default limit 65536
   */
  recvLine(limit?: number): Green<Buffer>;
  /** Puts bytes back at the front of what recv returns next (how recvLine keeps what follows a line). */
  unread(data: Uint8Array): void;
  /**
   * Sends every byte of `data`, waiting while the socket's send buffer is full: a slow reader slows the
   * writer. The socket keeps a reference to `data` until it is sent, so do not modify it afterwards.
   */
  sendall(data: Uint8Array | string): Green<void>;
  /** Bytes that sendall handed to this socket and that the network has not taken yet. */
  readonly bufferedAmount: number;
  /** Half-close: no more sending; the peer's recv returns empty once it has read everything. recv still works. */
  shutdown(): void;
  /** Sends what is buffered, then closes both directions. Threads waiting on the socket get SocketClosedError. */
  close(): void;
  /** Closes at once with a reset: buffered bytes are dropped and the peer gets ConnectionResetError. */
  abort(): void;
}

/** A listening socket. */
export interface Listener {
  /** Where it listens; the real port when it was asked for port 0. */
  readonly address: Address;
  readonly closed: boolean;
  /**
   * The next connection a client made, oldest first; throws SocketClosedError once the listener is closed.
   * A program that stops calling accept (it is full) leaves the next clients waiting: none is reset.
   */
  accept(timeout?: number | null): Green<Socket>;
  /** Stops listening; threads waiting in accept get SocketClosedError, and new clients are refused. */
  close(): void;
}

export interface ConnectOptions {
  /** Milliseconds to wait for the connection before throwing TimedOutError. @default no limit */
  readonly timeout?: number;
}

/** A network to listen and connect on: Node's real one, or one host of a simulated one. */
export interface Network {
  /**
   * Listens on `addr` (port 0: any free port). Up to `backlog` connections wait to be accepted; a client beyond
   * them is not refused either: it waits (its connection attempt is retried, as Linux does) until a thread
   * accepts it, or its connect times out. Only a closed port refuses. @default backlog 511
   */
  listen(addr: Address, backlog?: number): Green<Listener>;
  /** Connects to `addr`: ConnectionRefusedError when nothing listens, TimedOutError past `timeout`. */
  connect(addr: Address, options?: ConnectOptions): Green<Socket>;
}
// #endregion

/** "host:port", for messages. */
export const formatAddress = (a: Address): string => `${a.host}:${a.port}`;
