// Node's real network for the proxy's fast path: chapter 05's green sockets that also hand over their `net.Socket`.
// Built in chapter 08.
//
// The splice (splice.ts) forwards bytes from Node's callbacks, so it needs the `net.Socket` under a green socket,
// which chapter 05 keeps private on purpose. This network makes the same green sockets (NodeSocket: recv, sendall,
// close… all work) and remembers the `net.Socket` beside each. Everything that waits still waits in green threads.
import { connect as netConnect, type Socket as NetSocket } from "node:net";
import { getHub, type Hub } from "../02-hub/hub";
import type { Green } from "../02-hub/suspend";
import { connected, listenOn, NodeListener } from "../05-green-sockets/node-network";
import { NodeSocket } from "../05-green-sockets/node-socket";
import type { Address, ConnectOptions, Listener, Network, Socket } from "../05-green-sockets/socket";

// #region fast-net
/**
 * The buffer every socket the proxy opens reads into (Node's `onread` option), instead of a fresh 64 KiB
 * allocation per read. One for all the sockets, not one each: a buffer per socket would stay with it for the life
 * of the connection, 16 KiB per idle connection. Only for sockets the proxy opens: Node offers `onread` to
 * `net.connect`, not to a server's accepted sockets.
 *
 * Why sharing it is safe: every socket waiting to read points at this buffer (Node fixes where a socket's next read
 * lands as soon as the previous one is handed over), so any of them may read into it next. The bytes of a read
 * therefore never outlive the `onread` callback: they are copied out, to the size that arrived, before it returns.
 * Handing the buffer itself to a write would not do, not even with a fresh buffer taken after a write that kept
 * it: a write the kernel does not take at once keeps the memory, not a copy, and the other sockets still point at
 * it, so the next read of any of them would overwrite those bytes before they are sent.
 */
const sharedReadBuffer = Buffer.allocUnsafe(16384); // HAProxy's default buffer size (tune.bufsize)

/** What a socket reading into the shared buffer does with each chunk: `sink` gets it while the splice runs. */
export class SharedReader {
  sink: ((chunk: Buffer) => void) | null = null;
}

/** A green socket over Node's `net` whose `net.Socket` the splice may take over. */
export class RawSocket extends NodeSocket {
  constructor(
    hub: Hub,
    readonly raw: NetSocket,
    /** Present on sockets made by connect: their reads land in the shared buffer. */
    readonly reader: SharedReader | null = null,
    /** The address a socket made by connect dialed (NodeSocket's `dialed`). */
    dialed?: Address,
  ) {
    super(hub, raw, dialed);
  }
}

/**
 * The RawSocket under `s`, when `s` came from fastNetwork; undefined otherwise (a simulated socket). A socket that
 * wraps another and keeps it as `inner` (later chapters wrap sockets to watch them) is looked through, so the wrapper
 * does not cost the proxy its fast path: the splice takes the bytes, the wrapper still sees the close.
 */
export function rawSocketOf(s: Socket): RawSocket | undefined {
  for (let x: unknown = s; x !== undefined && x !== null; x = (x as { inner?: unknown }).inner) {
    if (x instanceof RawSocket) return x;
  }
  return undefined;
}

/** The `net.Socket` under `s`, when `s` came from fastNetwork (see rawSocketOf); undefined otherwise. */
export const rawOf = (s: Socket): NetSocket | undefined => rawSocketOf(s)?.raw;

/** The green socket for a connection a fastNetwork listener accepted. */
export function acceptRaw(hub: Hub, sock: NetSocket): RawSocket {
  sock.setNoDelay(true); // a proxy forwards what it gets at once: Nagle would add delay to small answers
  return new RawSocket(hub, sock);
}

/** Node's network, with sockets the splice can take over. Use it inside `runReal`. */
export const fastNetwork: Network = {
  *listen(addr: Address, backlog = 511): Green<Listener> {
    return yield* listenOn(addr, backlog, (server) => new NodeListener(getHub(), server, backlog, acceptRaw));
  },

  *connect(addr: Address, options: ConnectOptions = {}): Green<Socket> {
    const reader = new SharedReader();
    const sock = netConnect({
      host: addr.host,
      port: addr.port,
      allowHalfOpen: true,
      noDelay: true,
      onread: {
        buffer: sharedReadBuffer,
        // A method, not `callback: (n) => …`: under tsx an arrow stored under a name costs heap for its name
        // (splice.ts says more), and there is one such callback per backend connection.
        callback(n: number): boolean {
          // The copy that frees the shared buffer (see above): one new Buffer of the size that arrived.
          const chunk = Buffer.allocUnsafe(n);
          sharedReadBuffer.copy(chunk, 0, 0, n);
          if (reader.sink === null) {
            // Not spliced (yet): for recv. push() hands the chunk to chapter 05's 'data' listener, which queues it
            // and pauses the socket when nobody reads (for a socket with `onread`, pause() stops the handle's reads).
            // Its answer, whether the stream's own buffer is below its high-water mark, is passed on: false stops
            // the reads as well (Node does that when this callback returns false). Returning true regardless would
            // read on into a paused stream's buffer while nobody calls recv: no backpressure at all.
            return sock.push(chunk);
          }
          reader.sink(chunk);
          return true; // the splice pauses with pause(), which stops the handle's reads for an onread socket
        },
      },
    });
    yield* connected(sock, addr, options.timeout ?? null);
    return new RawSocket(getHub(), sock, reader, addr);
  },
};
// #endregion
