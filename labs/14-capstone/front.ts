// A listener's front: the one real listening socket of a listener, whose accept loop hands each connection to the
// proxy serving now. Swapping the proxy, or the port, is a change of hands here, never a closed port or a dropped
// connection. Built in chapter 14 (lab task 3).
import { getHub } from "../02-hub/hub";
import type { Greenlet } from "../02-hub/greenlet";
import { PARK, type Green } from "../02-hub/suspend";
import { spawn, type GreenThread } from "../03-cancellation/greenthread";
import { SocketClosedError } from "../05-green-sockets/errors";
import type { Address, Listener, Network, Socket } from "../05-green-sockets/socket";
import { formatAddress } from "../05-green-sockets/socket";

// #region handoff
/**
 * A listener that nobody binds: a front puts connections in, a proxy takes them out with `accept` as from a real
 * listener (so chapter 08's and chapter 11's proxies run on it unchanged). Closing it hands back what was queued.
 */
export class HandoffListener implements Listener {
  closed = false;
  readonly #queue: Socket[] = [];
  readonly #waiting: Greenlet[] = [];

  constructor(public address: Address) {}

  /** Queues `s` for the next accept, waking a thread that waits; false (and nothing queued) once closed. */
  give(s: Socket): boolean {
    if (this.closed) return false;
    this.#queue.push(s);
    const w = this.#waiting.shift();
    if (w !== undefined) getHub().resume(w);
    return true;
  }

  *accept(): Green<Socket> {
    // Simplification: a real listener's accept takes a timeout; no proxy of ours passes one, so this one does not.
    for (;;) {
      if (this.closed) throw new SocketClosedError(`the listener on ${formatAddress(this.address)} is closed`);
      const s = this.#queue.shift();
      if (s !== undefined) return s;
      const me = getHub().current!;
      this.#waiting.push(me);
      try {
        yield PARK;
      } finally {
        const i = this.#waiting.indexOf(me);
        if (i >= 0) this.#waiting.splice(i, 1);
      }
    }
  }

  close(): void {
    this.closed = true;
    for (const w of this.#waiting.splice(0)) getHub().resume(w);
  }

  /** Closes and returns the connections given but not yet accepted, for the next listener to take. */
  closeAndTake(): Socket[] {
    this.close();
    return this.#queue.splice(0);
  }
}

/** `network` with its `listen` answered by `handoff`: a proxy started on it serves what the front hands over. */
export function handoffNetwork(network: Network, handoff: HandoffListener): Network {
  return {
    // eslint-disable-next-line require-yield
    *listen(): Green<Listener> {
      return handoff;
    },
    connect: (addr, options) => network.connect(addr, options),
  };
}
// #endregion

// #region front
export class Front {
  #real: Listener;
  #hands: HandoffListener;
  #loop: GreenThread<void>;

  private constructor(real: Listener, hands: HandoffListener) {
    this.#real = real;
    this.#hands = hands;
    this.#loop = spawn(acceptInto, this, real);
  }

  /** Binds `addr` on `network` (throws, having bound nothing, when it cannot) and hands connections to `hands`. */
  static *bind(network: Network, addr: Address, hands: HandoffListener, backlog = 511): Green<Front> {
    return Front.on(yield* network.listen(addr, backlog), hands);
  }

  /** A front on a listener already bound. */
  static on(real: Listener, hands: HandoffListener): Front {
    hands.address = real.address;
    return new Front(real, hands);
  }

  /** Where clients connect: the real port when the config said port 0. */
  get address(): Address {
    return this.#real.address;
  }

  get closed(): boolean {
    return this.#real.closed;
  }

  /** The listener the serving proxy accepts from. */
  get hands(): HandoffListener {
    return this.#hands;
  }

  /** For the accept loop: where the connection `s` goes now (a connection no listener takes is closed). */
  deliver(s: Socket): void {
    if (!this.#hands.give(s)) s.close();
  }

  /**
   * The swap (lab task 3). Makes `next` the listener new connections go to, and returns the one they went to until
   * now, closed, for its proxy to drain; connections queued on it and not yet accepted move to `next`. With `moveTo`
   * (a listener bound on the new address before anything changed: a port that cannot be bound must leave the front
   * as it was), also moves: the new listener's accept loop starts, then the old listener closes, so no client is
   * refused in between.
   */
  *swap(next: HandoffListener, moveTo?: Listener): Green<HandoffListener> {
    // TODO(task 3): Front.swap. See README.md.
    throw new Error("not implemented yet — lab 14-capstone, task 3: Front.swap");
  }

  /**
   * Stops accepting: the real listener closes (new clients are refused), and so does the one the proxy reads. Clients
   * handed over but not accepted yet (the proxy was at its connection limit) are reset: no proxy will ever read them.
   */
  *close(): Green<void> {
    this.#real.close();
    for (const s of this.#hands.closeAndTake()) s.abort();
    yield* this.#loop.wait();
  }
}

/** The accept loop of one real listener: each connection to whoever serves now, until the listener closes. */
function* acceptInto(front: Front, real: Listener): Green<void> {
  for (;;) {
    let s: Socket;
    try {
      s = yield* real.accept();
    } catch (e) {
      if (real.closed) return;
      throw e;
    }
    front.deliver(s);
  }
}
// #endregion
