// One client's outbound queue and the green thread that writes it. Built in chapter 06.
//
// The room must never wait for a client: if a broadcast called sendall, one client that stops reading would
// stop the room at its TCP window. So the room only puts lines in each client's bounded queue (send never
// blocks), and one writer thread per client takes them out and waits in sendall for that client alone. The
// bound turns "a slow client" into a decision we make on purpose — the full-queue policy below — instead of
// memory that grows until the process dies.
//
// The full-queue policy: disconnect. A client whose queue is full is behind by `size` messages and is not
// catching up; its queued messages are dropped, a farewell saying why goes after what the writer is sending
// now, and the connection closes (reset after `linger` ms if even that cannot get through). The room tells
// the others it left, "too slow". IRC servers do the same ("Max SendQ exceeded"). Dropping the oldest
// messages instead would keep a client that can never catch up, reading a conversation with holes in it.
import { getHub } from "../02-hub/hub";
import type { Timer } from "../02-hub/heap";
import type { Green } from "../02-hub/suspend";
import { spawn, type GreenThread } from "../03-cancellation/greenthread";
import { LightQueue } from "../04-primitives/queue";
import { isPeerGone, SocketClosedError } from "../05-green-sockets/errors";
import type { Socket } from "../05-green-sockets/socket";
import type { Mailbox } from "./room";
import { say } from "./text";

/** The item that tells the writer to close the socket and end. */
const END = Symbol("end of outbox");

// Simplification: a production server would bound the queue in bytes, as IRC's SendQ does; counting lines
// lets a client fall `queueSize` × `maxLine` bytes behind, which is bounded, but loosely.
export interface OutboxOptions {
  /** Lines that may wait; one more and the client is disconnected. */
  readonly queueSize: number;
  /** Milliseconds the writer gets, once closed, to deliver what is queued; then the socket is reset. */
  readonly linger: number;
}

// #region outbox
export class Outbox implements Mailbox {
  /** Lines with their "\n", then END. Unbounded as a LightQueue: the bound is send's policy, not a wait. */
  readonly #queue = new LightQueue<string | typeof END>();
  /** Set by close and by the writer's end: from then on lines are dropped. */
  #closing = false;
  #evicted = false;
  #linger: Timer | null = null;
  /** The writer thread: wait for it to know the client has everything it will ever get. */
  readonly writer: GreenThread<void>;

  constructor(
    readonly sock: Socket,
    readonly options: OutboxOptions,
  ) {
    this.writer = spawn(writer, this);
  }

  /** Lines waiting for the writer. */
  get pending(): number {
    return this.#queue.qsize();
  }

  /** True once this outbox disconnected its client for falling behind. */
  get evicted(): boolean {
    return this.#evicted;
  }

  /**
   * Queues `line` for the client, never waiting. With `queueSize` lines already waiting it applies the
   * full-queue policy (disconnects the client) and returns false. After close, lines are dropped.
   */
  send(line: string): boolean {
    // TODO(task 3): Outbox.send. See README.md.
    throw new Error("not implemented yet — lab 06-chat, task 3: Outbox.send");
  }

  /**
   * No more lines: the writer delivers what is queued, then `farewell` if given, then closes the socket.
   * If that takes longer than `linger` milliseconds, the socket is reset. Calling it again does nothing.
   */
  close(farewell?: string): void {
    // TODO(task 3): Outbox.close. See README.md.
    throw new Error("not implemented yet — lab 06-chat, task 3: Outbox.close");
  }

  /** The full-queue policy: drop what waits, say why after what is being sent now, and close. */
  #evict(): void {
    // TODO(task 3): Outbox.evict. See README.md.
    throw new Error("not implemented yet — lab 06-chat, task 3: Outbox.evict");
  }

  /** The writer thread's body: take a line, sendall it, until END; then close the socket. */
  // Simplification: a production writer would take everything queued at once and send it with one sendall
  // (fewer system calls and segments when the room is busy); one line at a time is easier to follow.
  *run(): Green<void> {
    // TODO(task 3): Outbox.run. See README.md.
    throw new Error("not implemented yet — lab 06-chat, task 3: Outbox.run");
  }
}

function* writer(outbox: Outbox): Green<void> {
  yield* outbox.run();
}
// #endregion
