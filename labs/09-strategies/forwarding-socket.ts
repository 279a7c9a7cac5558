// A socket that passes every call to the socket it wraps: the base of the wrappers that watch a proxy's connections
// without changing the proxy (this chapter's ReportingSocket, chapter 13's access records). Built in chapter 09.
//
// A wrapper extends it and overrides only what it watches. `inner` stays public: chapter 08's splice follows it down
// to the real Node socket under any number of wrappers.
import type { Green } from "../02-hub/suspend";
import type { Address, Socket } from "../05-green-sockets/socket";

export class ForwardingSocket implements Socket {
  constructor(readonly inner: Socket) {}

  get local(): Address {
    return this.inner.local;
  }
  get remote(): Address {
    return this.inner.remote;
  }
  get timeout(): number | null {
    return this.inner.timeout;
  }
  set timeout(ms: number | null) {
    this.inner.timeout = ms;
  }
  get bufferedAmount(): number {
    return this.inner.bufferedAmount;
  }
  recv(n?: number): Green<Buffer> {
    return this.inner.recv(n);
  }
  recvExactly(n: number): Green<Buffer> {
    return this.inner.recvExactly(n);
  }
  recvLine(limit?: number): Green<Buffer> {
    return this.inner.recvLine(limit);
  }
  unread(data: Uint8Array): void {
    this.inner.unread(data);
  }
  sendall(data: Uint8Array | string): Green<void> {
    return this.inner.sendall(data);
  }
  shutdown(): void {
    this.inner.shutdown();
  }
  close(): void {
    this.inner.close();
  }
  abort(): void {
    this.inner.abort();
  }
}
