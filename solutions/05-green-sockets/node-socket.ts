// A green socket over a real Node `net.Socket`: Node's events feed a queue and wake parked threads. Chapter 05.
//
// Node's sockets push: they call us when bytes arrive ('data'), when a full send buffer has drained ('drain'), at
// the end of the stream ('end') and on failure ('error'). A green thread pulls: it calls recv and waits. The bridge
// is the hub's park/resume and a queue: 'data' queues the chunk and resumes the thread parked in recv, and recv
// takes chunks off the queue. The queue is bounded by two marks: past the high one the socket is paused, so Node
// stops reading from the kernel and a reader that stops reading stops the sender at the other end (TCP's window);
// below the low one it reads again.
import type { Socket as NetSocket } from "node:net";
import type { Greenlet } from "../02-hub/greenlet";
import { getHub, type Hub } from "../02-hub/hub";
import { PARK, type Green } from "../02-hub/suspend";
import { ConnectionResetError, fromNodeError, SocketClosedError, type SocketError } from "./errors";
import { park } from "./park";
import type { Address } from "./socket";
import { asBuffer, BaseSocket, EMPTY } from "./stream";

/** Past this many bytes queued for recv, the socket is paused: Node stops reading from the kernel. */
const HIGH_WATER = 64 * 1024;
/** Below this many it reads again. Two marks, so that a reader that keeps pace does not pause and resume per chunk. */
const LOW_WATER = 16 * 1024;

/** What handOver returns when nothing was queued. */
const NOTHING: readonly Buffer[] = [];

export class NodeSocket extends BaseSocket {
  readonly remote: Address;
  #local: Address | null = null;
  readonly #sock: NetSocket;
  readonly #hub: Hub;
  /** The thread parked in recv, waiting for 'data' or 'end'. */
  #reader: Greenlet | null = null;
  /** Chunks that arrived and no recv has taken yet, oldest first, and their bytes. */
  #queue: Buffer[] = [];
  #queued = 0;
  /** Whether the queue passed HIGH_WATER and the socket was paused. */
  #paused = false;
  /** The 'data' listener, kept so that chapter 08's splice can take the socket's bytes over (handOver). */
  readonly #onData: (chunk: Buffer) => void;
  /** The thread parked in sendall, waiting for 'drain'. */
  #writer: Greenlet | null = null;
  #eof = false;
  #error: SocketError | null = null;
  #closed = false;
  #shut = false;

  // #region node-events
  /**
   * Wraps a connected socket; from here on its events wake our threads. `dialed`: the address a socket we connected
   * was connected to, which is its peer's.
   */
  constructor(hub: Hub, sock: NetSocket, dialed?: Address) {
    super();
    this.#hub = hub;
    this.#sock = sock;
    // The peer's address is known now, because once the socket has failed Node no longer knows it, and the error
    // names it. An accepted socket asks the kernel (getpeername); one we connected knows it already, and a proxy,
    // which connects once per client, spares a system call per connection.
    this.remote = dialed ? { host: dialed.host, port: dialed.port } : { host: sock.remoteAddress ?? "", port: sock.remotePort ?? 0 };
    // A 'data' listener puts the socket in flowing mode: Node hands over each chunk as it reads it.
    // The listeners are bound once per socket, never per operation. Methods bound here rather than arrow-function
    // fields: the course runs TypeScript through tsx, which gives every arrow stored under a name a `name`
    // property of its own, about 256 bytes of heap each; five per socket is memory a proxy pays per connection.
    this.#onData = this.#queueChunk.bind(this);
    sock.on("data", this.#onData);
    sock.on("end", this.#onEnd.bind(this));
    sock.on("drain", this.#wakeWriter.bind(this));
    sock.on("error", this.#onError.bind(this));
    sock.on("close", this.#onClose.bind(this));
  }

  /**
   * Our own end's address, read when first asked for: it is a system call (getsockname), and a proxy, which never
   * asks, would make it for both sockets of every connection. Asked for the first time after the socket has closed,
   * it is no longer known: host "" and port 0, as Node gives it.
   */
  get local(): Address {
    return (this.#local ??= { host: this.#sock.localAddress ?? "", port: this.#sock.localPort ?? 0 });
  }

  #queueChunk(chunk: Buffer): void {
    this.#queue.push(chunk);
    this.#queued += chunk.length;
    if (this.#queued > HIGH_WATER && !this.#paused) {
      // Nobody is reading fast enough: stop taking bytes from the kernel until recv takes the queue below LOW_WATER.
      this.#paused = true;
      this.#sock.pause();
    }
    this.#wakeReader();
  }
  #wakeReader(): void {
    if (this.#reader) this.#hub.resume(this.#reader);
  }
  #wakeWriter(): void {
    if (this.#writer) this.#hub.resume(this.#writer);
  }
  #onEnd(): void {
    this.#eof = true;
    this.#wakeReader();
  }
  #onError(e: unknown): void {
    this.#error ??= fromNodeError(e, `${this.remote.host}:${this.remote.port}`);
    this.#wakeReader();
    this.#wakeWriter();
  }
  #onClose(): void {
    // Destroyed without an error and before the end of the stream: the peer's bytes will never come.
    if (!this.#eof && !this.#error && !this.#closed) this.#error = new ConnectionResetError("the connection closed");
    this.#wakeReader();
    this.#wakeWriter();
  }
  // #endregion

  get bufferedAmount(): number {
    return this.#sock.writableLength;
  }

  // #region node-recv
  *recv(n = 65536): Green<Buffer> {
    // BEGIN SOLUTION 5 NodeSocket.recv
    for (;;) {
      if (this.#closed) throw new SocketClosedError("recv on a closed socket");
      if (this.#error) throw this.#error; // a reset loses what was not read yet, as on Linux
      const queue = this.#queue;
      if (queue.length > 0) {
        // The oldest chunk, or its first n bytes: a view, not a copy, and the rest stays first in the queue.
        // Simplification: recv hands out the buffers Node allocated; a proxy's fast path reads into one reused
        // buffer with net.Socket's `onread` option instead (chapter 08).
        let chunk = queue[0]!;
        if (chunk.length > n) {
          queue[0] = chunk.subarray(n);
          chunk = chunk.subarray(0, n);
        } else queue.shift();
        this.#queued -= chunk.length;
        if (this.#paused && this.#queued < LOW_WATER) {
          this.#paused = false;
          this.#sock.resume();
        }
        return chunk;
      }
      if (this.#eof) return EMPTY; // 'end' comes after the last 'data': nothing more will be queued
      if (this.#reader) throw new Error("two green threads recv on one socket at once");
      this.#reader = getHub().current;
      try {
        // Without a timeout, park() is a bare `yield PARK`: yielding it here spares the generator park() would
        // make, once per wait. Every round trip of a server waits here once, so that is one object per request.
        if (this.timeout === null) yield PARK;
        else yield* park(this.timeout, "recv");
      } finally {
        this.#reader = null;
      }
    }
    // END SOLUTION
  }
  // #endregion

  unread(data: Uint8Array): void {
    if (data.length === 0) return;
    this.#queue.unshift(asBuffer(data));
    this.#queued += data.length;
  }

  /**
   * Chapter 08's splice reads the socket from Node's callbacks from here on: recv gets no more bytes, and what
   * arrived that nobody took is handed over, oldest first. The socket is left paused or flowing as it was.
   */
  handOver(): readonly Buffer[] {
    this.#sock.off("data", this.#onData);
    this.#paused = false;
    // Nothing queued (always so on a backend's socket, which speaks only when asked): nothing allocated.
    if (this.#queue.length === 0) return NOTHING;
    const queued = this.#queue;
    this.#queue = [];
    this.#queued = 0;
    return queued;
  }

  // #region node-sendall
  *sendall(data: Uint8Array | string): Green<void> {
    // BEGIN SOLUTION 5 NodeSocket.sendall
    this.#checkWritable();
    const sock = this.#sock;
    // One write for the whole buffer: Node keeps a reference, not a copy, so this costs no memory the caller
    // did not already spend. What must not happen is the *next* sendall running ahead of the network.
    if (sock.write(data)) return; // below the high-water mark: the network keeps up
    // write() said "full": wait for 'drain' before returning. This is backpressure: a writer that loops
    // over sendall can never have more than one buffer waiting in Node.
    if (this.#writer) throw new Error("two green threads sendall on one socket at once");
    this.#writer = getHub().current;
    try {
      while (sock.writableNeedDrain && !this.#error && !this.#closed) yield* park(this.timeout, "sendall");
    } finally {
      this.#writer = null;
    }
    this.#checkWritable(); // woken by a failure rather than by 'drain'
    // END SOLUTION
  }
  // #endregion

  #checkWritable(): void {
    if (this.#closed) throw new SocketClosedError("sendall on a closed socket");
    if (this.#error) throw this.#error;
    if (this.#shut) throw new SocketClosedError("sendall after shutdown");
  }

  // #region node-close
  shutdown(): void {
    if (this.#shut || this.#closed) return;
    this.#shut = true;
    this.#sock.end(); // a FIN after what is buffered; the read side stays open (allowHalfOpen)
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    // Flush what sendall handed over, send a FIN, then release the socket.
    this.#sock.destroySoon();
    this.#interrupt();
  }

  abort(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (!this.#sock.destroyed) this.#sock.resetAndDestroy();
    this.#interrupt();
  }

  /** Another thread closed the socket under a waiting one: that one must not wait forever. */
  #interrupt(): void {
    for (const g of [this.#reader, this.#writer]) if (g) this.#hub.throwInto(g, new SocketClosedError("the socket was closed"));
  }
  // #endregion
}
