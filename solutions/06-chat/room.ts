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
    // BEGIN SOLUTION 2 Room.join
    if (this.#byNick.has(nickKey(nick))) return null;
    const m = new Member(nick, mailbox);
    this.#broadcast(say.joined(nick)); // before adding: the newcomer gets its welcome instead
    this.#members.add(m);
    this.#byNick.set(nickKey(nick), m);
    if (!mailbox.send(say.welcome(nick, this.nicks()))) this.leave(m, LEFT.slow);
    return m;
    // END SOLUTION
  }

  /** Removes `m` and tells the others why. False when it had already left (leaving twice is harmless). */
  leave(m: Member, reason: string): boolean {
    // BEGIN SOLUTION 2 Room.leave
    if (!this.#members.delete(m)) return false;
    this.#byNick.delete(nickKey(m.nick));
    this.#broadcast(say.left(m.nick, reason));
    return true;
    // END SOLUTION
  }

  /** `from` says `text`: everyone else gets `<nick> text`. */
  message(from: Member, text: string): void {
    // BEGIN SOLUTION 2 Room.message
    if (this.#members.has(from)) this.#broadcast(say.message(from.nick, text), from);
    // END SOLUTION
  }

  /**
   * Renames `m` to `nick` (already valid) and tells everyone, `m` too. False, changing nothing, when `nick` is
   * taken by someone else or `m` has left.
   */
  rename(m: Member, nick: string): boolean {
    // BEGIN SOLUTION 2 Room.rename
    if (!this.#members.has(m)) return false; // a member who left keeps no nickname
    const other = this.#byNick.get(nickKey(nick));
    if (other !== undefined && other !== m) return false;
    const before = m.nick;
    this.#byNick.delete(nickKey(before));
    m.nick = nick;
    this.#byNick.set(nickKey(nick), m);
    this.#broadcast(say.renamed(before, nick));
    return true;
    // END SOLUTION
  }

  /**
   * Puts `line` in every member's mailbox but `except`'s. Never waits. A mailbox that refuses has already
   * disconnected its client (the full-queue policy, outbox.ts): the room lets that member go, and says so.
   */
  #broadcast(line: string, except?: Member): void {
    // BEGIN SOLUTION 2 Room.broadcast
    const refused: Member[] = [];
    for (const m of this.#members) if (m !== except && !m.mailbox.send(line)) refused.push(m);
    // Only after the loop: a "left" notice sent in the middle would reach some members before `line` and
    // others after it, and the room would no longer have one order for everyone.
    for (const m of refused) this.leave(m, LEFT.slow);
    // END SOLUTION
  }
}
// #endregion
