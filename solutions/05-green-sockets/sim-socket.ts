// One end of a simulated TCP connection: a receive buffer, a send buffer and a window. Built in chapter 05.
//
// The same shape as a kernel's socket, small: bytes that arrived wait in `#rx` until the program recv's
// them; bytes the program sendall's wait in `#tx` until the peer's window lets them go. The window is
// what makes backpressure real here: the receiver gives credit back only as its program reads, so a slow
// reader stops the sender's segments, the sender's buffer fills, and its sendall waits.
import type { Greenlet } from "../02-hub/greenlet";
import type { Hub } from "../02-hub/hub";
import type { Green } from "../02-hub/suspend";
import { ConnectionRefusedError, ConnectionResetError, SocketClosedError, type SocketError } from "./errors";
import { park } from "./park";
import type { Endpoint, Pipe, Segment } from "./sim-pipe";
import type { SimNetwork } from "./sim-network";
import { formatAddress, type Address } from "./socket";
import { asBuffer, BaseSocket, EMPTY } from "./stream";

export class SimSocket extends BaseSocket implements Endpoint {
  readonly #net: SimNetwork;
  readonly #hub: Hub;
  #connecting: boolean;
  #connector: Greenlet | null = null;
  // Receiving: bytes arrived and not read yet, and bytes read that the peer has not been given credit for.
  readonly #rx: Buffer[] = [];
  #rxBytes = 0;
  #unacked = 0;
  #eof = false;
  #reader: Greenlet | null = null;
  // Sending: bytes sendall left with us, and how many more the peer's window takes.
  readonly #tx: Buffer[] = [];
  #txBytes = 0;
  #credit: number;
  #finPending = false;
  #writer: Greenlet | null = null;
  #error: SocketError | null = null;
  #shut = false;
  #closed = false;
  #resetSent = false;

  constructor(
    net: SimNetwork,
    readonly local: Address,
    readonly remote: Address,
    /** The pipe this socket sends on. */
    readonly out: Pipe,
    connecting: boolean,
  ) {
    super();
    this.#net = net;
    this.#hub = net.hub;
    this.#credit = net.options.window;
    this.#connecting = connecting;
    out.from = this;
  }

  get bufferedAmount(): number {
    return this.#txBytes;
  }

  // #region sim-receive
  /** A segment from the peer, in the order it was sent. Runs on the hub, in a timer callback. */
  receive(segment: Segment): void {
    switch (segment.kind) {
      case "synack":
        this.#connecting = false;
        return this.#wake(this.#connector);
      case "rst":
        return this.fail(
          this.#connecting
            ? new ConnectionRefusedError(`connect to ${formatAddress(this.remote)}: connection refused`)
            : new ConnectionResetError(`${formatAddress(this.remote)} reset the connection`),
        );
      case "window":
        this.#credit += segment.window;
        return this.#pump();
    }
    if (this.#closed) {
      // Bytes for a program that closed its socket: tell the sender, as a kernel does, with a reset.
      if (segment.kind === "data" && !this.#resetSent) this.#reset();
      return;
    }
    if (segment.kind === "data") {
      this.#rx.push(segment.data!);
      this.#rxBytes += segment.data!.length;
    } else if (segment.kind === "fin") {
      this.#eof = true;
    }
    this.#wake(this.#reader);
  }

  fail(error: SocketError): void {
    if (this.#error) return;
    this.#error = error;
    // A reset loses what was in flight and what was not read yet, as on Linux.
    this.#rx.length = this.#tx.length = 0;
    this.#rxBytes = this.#txBytes = 0;
    this.out.kill();
    this.#wake(this.#reader);
    this.#wake(this.#writer);
    this.#wake(this.#connector);
  }

  #wake(g: Greenlet | null): void {
    if (g !== null) this.#hub.resume(g);
  }
  // #endregion

  // #region sim-recv
  *recv(n = 65536): Green<Buffer> {
    // BEGIN SOLUTION 2 SimSocket.recv
    for (;;) {
      if (this.#closed) throw new SocketClosedError("recv on a closed socket");
      if (this.#error) throw this.#error;
      if (this.#rxBytes > 0) return this.#take(n);
      if (this.#eof) return EMPTY;
      // Nothing yet: park until receive() (data, FIN) or fail() (reset) resumes us, then look again.
      if (this.#reader) throw new Error("two green threads recv on one socket at once");
      this.#reader = this.#hub.current;
      try {
        yield* park(this.timeout, "recv");
      } finally {
        this.#reader = null;
      }
    }
    // END SOLUTION
  }

  /** Takes up to `n` bytes from the front of the receive buffer, and gives the peer credit for them. */
  #take(n: number): Buffer {
    const head = this.#rx[0];
    let chunk: Buffer;
    if (head.length <= n) {
      chunk = head;
      this.#rx.shift();
    } else {
      chunk = head.subarray(0, n);
      this.#rx[0] = head.subarray(n);
    }
    this.#rxBytes -= chunk.length;
    // Credit goes back in batches (a quarter window), or at once when we have read everything.
    this.#unacked += chunk.length;
    if (this.#unacked >= this.#net.options.window / 4 || this.#rxBytes === 0) {
      this.out.send("window", null, this.#unacked);
      this.#unacked = 0;
    }
    return chunk;
  }
  // #endregion

  unread(data: Uint8Array): void {
    if (data.length === 0) return;
    this.#rx.unshift(asBuffer(data));
    this.#rxBytes += data.length;
  }

  // #region sim-sendall
  *sendall(data: Uint8Array | string): Green<void> {
    const buf = typeof data === "string" ? Buffer.from(data) : asBuffer(data);
    const limit = this.#net.options.sendBuffer;
    for (let at = 0; at < buf.length; ) {
      this.#checkWritable();
      const room = limit - this.#txBytes;
      if (room <= 0) {
        // The send buffer is full: wait until the peer's window lets some of it go.
        if (this.#writer) throw new Error("two green threads sendall on one socket at once");
        this.#writer = this.#hub.current;
        try {
          yield* park(this.timeout, "sendall");
        } finally {
          this.#writer = null;
        }
        continue;
      }
      const end = Math.min(buf.length, at + room);
      this.#tx.push(at === 0 && end === buf.length ? buf : buf.subarray(at, end));
      this.#txBytes += end - at;
      at = end;
      this.#pump();
    }
    this.#checkWritable();
  }

  /** Sends segments while the peer's window allows, then the FIN once everything before it has gone. */
  #pump(): void {
    const mss = this.#net.options.mss;
    while (this.#txBytes > 0 && this.#credit > 0 && !this.#error) {
      const head = this.#tx[0];
      const size = Math.min(head.length, mss, this.#credit);
      if (size === head.length) this.#tx.shift();
      else this.#tx[0] = head.subarray(size);
      this.#txBytes -= size;
      this.#credit -= size;
      this.out.send("data", size === head.length ? head : head.subarray(0, size));
    }
    if (this.#finPending && this.#txBytes === 0) {
      this.#finPending = false;
      this.out.send("fin");
    }
    if (this.#txBytes < this.#net.options.sendBuffer) this.#wake(this.#writer);
  }
  // #endregion

  #checkWritable(): void {
    if (this.#closed) throw new SocketClosedError("sendall on a closed socket");
    if (this.#error) throw this.#error;
    if (this.#shut) throw new SocketClosedError("sendall after shutdown");
  }

  /** Waits for the handshake (SYN, SYN-ACK) of a socket that connect made. */
  *connected(timeout: number | null): Green<void> {
    while (this.#connecting && !this.#error) {
      this.#connector = this.#hub.current;
      try {
        yield* park(timeout, `connect to ${formatAddress(this.remote)}`);
      } catch (e) {
        this.abort(); // timed out or killed: the half-made connection is dropped
        throw e;
      } finally {
        this.#connector = null;
      }
    }
    if (this.#error) throw this.#error;
  }

  // #region sim-close
  shutdown(): void {
    if (this.#shut || this.#closed) return;
    this.#shut = this.#finPending = true;
    this.#pump();
  }

  close(): void {
    if (this.#closed) return;
    this.shutdown(); // what sendall handed over still goes, then the FIN
    this.#closed = true;
    this.#interrupt();
  }

  abort(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#tx.length = this.#txBytes = 0;
    this.#finPending = false;
    if (this.#connecting || this.#error) this.out.kill();
    else this.#reset();
    this.#interrupt();
  }

  #reset(): void {
    this.#resetSent = true;
    this.out.send("rst");
  }

  #interrupt(): void {
    for (const g of [this.#reader, this.#writer]) if (g) this.#hub.throwInto(g, new SocketClosedError("the socket was closed"));
  }
  // #endregion
}
