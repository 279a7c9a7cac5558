// What the tests of chapter 06 share: a mailbox the room's tests can look into. Imports the code under test only
// through `@target/…`, so it runs against the reference or a learner's labs alike.
import type { Mailbox } from "@target/06-chat/room";

/** A mailbox for the room's tests: an array, which refuses past `limit` lines. */
export class Box implements Mailbox {
  readonly lines: string[] = [];
  constructor(readonly limit = Infinity) {}
  send(line: string): boolean {
    if (this.lines.length >= this.limit) return false;
    this.lines.push(line);
    return true;
  }
}
