// The room: who is here, under which nickname, and who hears what. Built in chapter 06.
//
// Every method is synchronous, and that is the design. Green threads switch only at a `yield*`, and the room
// never yields, so a join, a broadcast or a rename happens whole, with no other thread in the middle: no lock,
// and every member sees the same messages in the same order. What could make a broadcast wait — a client that
// reads slowly — is kept out by the Mailbox contract: `send` never blocks, it says yes or no.
import { LEFT, nickKey, say } from "./text";

// #region mailbox
/** Where the room puts lines for one member. The Outbox is the real one; tests may use an array. */
export interface Mailbox {
  /**
   * Takes one line (without "\n") for the member, at once. False means the member cannot keep up: its
   * mailbox is over its limit, has already said goodbye and will close, and the room must let it go.
   */
  send(line: string): boolean;
}

/** A client in the room. */
export class Member {
  constructor(
    public nick: string,
    readonly mailbox: Mailbox,
  ) {}
}
// #endregion

// #region room
// Simplification: a production chat server has many rooms (channels), operators, history for newcomers and
// accounts; this one is one room of anonymous nicknames, because the concurrency is the same for all of those.
export class Room {
  /** Members in the order they joined. */
  readonly #members = new Set<Member>();
  /** The same members by nickKey, for uniqueness. */
  readonly #byNick = new Map<string, Member>();

  /** Nicknames, in the order their owners joined. */
  nicks(): string[] {
    return [...this.#members].map((m) => m.nick);
  }

  get size(): number {
    return this.#members.size;
  }

  /** The member called `nick` (any case), if there is one. */
  find(nick: string): Member | undefined {
    return this.#byNick.get(nickKey(nick));
  }

  /**
   * Adds a member called `nick` (already valid) with `mailbox`, welcomes it and tells the others. Returns
   * null, and changes nothing, when the nickname is taken.
   */
  join(nick: string, mailbox: Mailbox): Member | null {
    // TODO(task 2): Room.join. See README.md.
    throw new Error("not implemented yet — lab 06-chat, task 2: Room.join");
  }

  /** Removes `m` and tells the others why. False when it had already left (leaving twice is harmless). */
  leave(m: Member, reason: string): boolean {
    // TODO(task 2): Room.leave. See README.md.
    throw new Error("not implemented yet — lab 06-chat, task 2: Room.leave");
  }

  /** `from` says `text`: everyone else gets `<nick> text`. */
  message(from: Member, text: string): void {
    // TODO(task 2): Room.message. See README.md.
    throw new Error("not implemented yet — lab 06-chat, task 2: Room.message");
  }

  /**
   * Renames `m` to `nick` (already valid) and tells everyone, `m` too. False, changing nothing, when `nick` is
   * taken by someone else or `m` has left.
   */
  rename(m: Member, nick: string): boolean {
    // TODO(task 2): Room.rename. See README.md.
    throw new Error("not implemented yet — lab 06-chat, task 2: Room.rename");
  }

  /**
   * Puts `line` in every member's mailbox but `except`'s. Never waits. A mailbox that refuses has already
   * disconnected its client (the full-queue policy, outbox.ts): the room lets that member go, and says so.
   */
  #broadcast(line: string, except?: Member): void {
    // TODO(task 2): Room.broadcast. See README.md.
    throw new Error("not implemented yet — lab 06-chat, task 2: Room.broadcast");
  }
}
// #endregion
