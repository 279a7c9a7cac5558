// Accepting more than one connection per turn of Node's loop: one listening socket watched through several
// descriptors, for the balancer's listeners (`acceptors` in its config). Built in chapter 14.
//
// Since libuv 1.45 (Node 20 ships it) a listening descriptor accepts one connection per turn of the event loop, and
// a turn of a busy proxy first serves every connection that is ready. When a thousand clients arrive at once, the
// last of them wait seconds in the kernel's accept queue (bench/lb/README.md measured it for chapter 08's proxy).
// HAProxy accepts up to 64 per wake-up (`tune.maxaccept`). Our way to the same effect: the loop watches several
// descriptors of the one listening socket, and each accepts one connection per turn.
//
// Node has no dup(2). It copies a descriptor only when it passes one over a Unix socket (SCM_RIGHTS), which it
// does for the IPC channel of a child process. So a child that lives a few milliseconds sends the listening handle
// back to us, once per copy. The copies are the same socket: same address, same accept queue, same backlog.
import { spawn } from "node:child_process";
import { createServer, type Server, type Socket as NetSocket } from "node:net";
import { getHub, type Hub } from "../02-hub/hub";
import type { Green } from "../02-hub/suspend";
import { listenOn, NodeListener } from "../05-green-sockets/node-network";
import { TimedOutError } from "../05-green-sockets/errors";
import { NodeSocket } from "../05-green-sockets/node-socket";
import { park } from "../05-green-sockets/park";
import { formatAddress, type Address, type ConnectOptions, type Listener, type Network, type Socket } from "../05-green-sockets/socket";
import { acceptRaw, fastNetwork } from "../08-tcp-proxy/fast-net";

// #region acceptors
/** The child's whole program: send every handle back where it came from. */
const ECHO_HANDLES = "process.on('message', (m, h) => process.send(m, h))";

/** How long the child may take to send the copies back before we listen through one descriptor only. */
const COPY_TIMEOUT = 5000;

/**
 * A listener whose socket the loop watches through `copies.length + 1` descriptors: the server chapter 05's
 * NodeListener watches, and the copies, which hand it every connection they accept.
 */
export class WideListener extends NodeListener {
  readonly #copies: Server[] = [];

  get copies(): readonly Server[] {
    return this.#copies;
  }

  /** Accepts through `copy` too. NodeListener hears the connections of `server`: a copy passes its own on to it. */
  addCopy(copy: Server): void {
    if (this.closed) return void copy.close();
    copy.on("connection", (sock: NetSocket) => this.server.emit("connection", sock));
    this.#copies.push(copy);
  }

  override close(): void {
    if (!this.closed) for (const copy of this.#copies) copy.close();
    super.close();
  }
}

export interface WideOptions {
  /** Descriptors to accept through; 1 is chapter 05's listener. */
  readonly acceptors: number;
  /** Makes the green socket for an accepted connection. @default chapter 05's NodeSocket */
  readonly wrap?: (hub: Hub, sock: NetSocket) => NodeSocket;
  /** Told why, when the copies cannot be made and the listener accepts through one descriptor. @default console.warn */
  readonly warn?: (line: string) => void;
}

/**
 * Listens on `addr` through `options.acceptors` descriptors. When the copies cannot be made (no child process can
 * start, say), the listener still works, through one descriptor, and `warn` says why.
 */
export function* listenWide(addr: Address, backlog: number, options: WideOptions): Green<Listener> {
  const { acceptors, wrap = (h, sock) => new NodeSocket(h, sock), warn = console.warn } = options;
  // The copies take a child process's start, tens of milliseconds in which clients already arrive: they wait in the
  // listener's queue, as any would.
  const listener = yield* listenOn(addr, backlog, (server) => new WideListener(getHub(), server, backlog, wrap));
  try {
    const copied = acceptors > 1 ? yield* copyHandle(listener.server, acceptors - 1) : [];
    if (typeof copied === "string") warn(`${formatAddress(addr)}: accepting through one descriptor only: ${copied}`);
    else for (const handle of copied) listener.addCopy(listenThrough(handle, backlog));
  } catch (e) {
    listener.close(); // killed while copying: nobody else will close it
    throw e;
  }
  return listener;
}

/** Chapter 08's fastNetwork, whose listeners accept through `acceptors` descriptors each (`warn`: see WideOptions). */
export function acceptingNetwork(acceptors: number, warn?: (line: string) => void): Network {
  return {
    *listen(addr: Address, backlog = 511): Green<Listener> {
      return yield* listenWide(addr, backlog, { acceptors, wrap: acceptRaw, warn });
    },
    connect(addr: Address, options?: ConnectOptions): Green<Socket> {
      return fastNetwork.connect(addr, options);
    },
  };
}

/** A server accepting through `handle`, a copy of a listening socket's descriptor. */
function listenThrough(handle: object, backlog: number): Server {
  const hub = getHub();
  const copy = createServer({ allowHalfOpen: true }); // as chapter 05's listenOn: shutdown() is a half-close
  copy.on("error", (e) => hub.report(null, e));
  // listen() takes a handle as well as an address. On a socket that already listens it only starts watching the
  // new descriptor (listen(2) again on a listening socket just sets the backlog, which is the same).
  copy.listen(handle as Parameters<Server["listen"]>[0], backlog);
  return copy;
}

/** `count` copies of the descriptor under `server`, made by a child process that sends them back; or why not. */
function* copyHandle(server: Server, count: number): Green<object[] | string> {
  const hub = getHub();
  const me = hub.current!;
  // The handle itself, not the Server: a child given a Server would listen on it, and accept connections that
  // then wait for a process about to exit. `_handle` is Node's own field, the one object `send` copies as is.
  const handle = (server as unknown as { _handle: object })._handle;
  const env = { ...process.env };
  delete env.NODE_OPTIONS; // the child needs no loader (tsx, say): it is plain JavaScript
  const child = spawn(process.execPath, ["-e", ECHO_HANDLES], { stdio: ["ignore", "ignore", "inherit", "ipc"], env });
  const copies: object[] = [];
  let failure: string | null = null;
  let exited = false;
  // The child's events wake us only while we wait for them: never a later, unrelated park of this thread.
  let waiting = false;
  const wake = (): void => {
    if (waiting) {
      waiting = false;
      hub.resume(me);
    }
  };
  const fail = (why: string): void => {
    failure ??= why;
    wake();
  };
  child.on("message", (_m: unknown, copy: object | undefined) => {
    if (copy === undefined) return fail("the child sent a message without a handle");
    copies.push(copy);
    if (copies.length === count) wake();
  });
  child.on("error", (e) => fail(`could not start a child process to copy the descriptor: ${e.message}`));
  child.on("exit", (code, signal) => {
    exited = true;
    if (copies.length < count) fail(`the child copying the descriptor exited early (${signal ?? code})`);
    else wake(); // stopped below, once it had sent every copy
  });
  /** Waits for the child's events; false when COPY_TIMEOUT passed first. A kill of this thread goes through. */
  function* waitFor(what: string): Green<boolean> {
    waiting = true;
    try {
      yield* park(COPY_TIMEOUT, what);
      return true;
    } catch (e) {
      if (e instanceof TimedOutError) return false;
      throw e;
    } finally {
      waiting = false;
    }
  }
  let done = false;
  try {
    try {
      for (let i = 0; i < count; i++) child.send("copy", handle as Parameters<typeof child.send>[1]);
    } catch (e) {
      fail(`the listening handle cannot be sent: ${e instanceof Error ? e.message : String(e)}`);
    }
    if (copies.length < count && failure === null && !(yield* waitFor("copying the listening descriptor"))) {
      failure = `no copy of the descriptor within ${COPY_TIMEOUT} ms`;
    }
    child.kill();
    // Its descriptors close when it is gone: until then a closed listener would still take connections in the
    // kernel. (A child that never started has none.) Past the timeout it is left to go in its own time.
    if (!exited && child.pid !== undefined) yield* waitFor("the end of the child that copied the listening descriptor");
    done = failure === null;
    return failure ?? copies;
  } finally {
    child.kill();
    if (!done) for (const copy of copies) (copy as { close(): void }).close();
  }
}
// #endregion
