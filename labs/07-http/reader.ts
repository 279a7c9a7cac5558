// MessageReader: a parser fed from a green socket, read as "the next head" and "the next piece of body". Chapter 07.
//
// The parser is pure and the socket only moves bytes; this is the small piece that joins them. It pulls from
// the socket only when the parser has no event left, so a message's body is read as the program asks for it:
// a handler that reads slowly makes the client send slowly, through TCP's window, with nothing piling up here.
import type { Green } from "../02-hub/suspend";
import type { Socket } from "../05-green-sockets/socket";
import type { BodyFraming } from "./framing";
import { Headers } from "./headers";
import type { ParseEvent } from "./messages";
import type { HttpParser } from "./parser";

// #region reader
export class MessageReader<H extends { readonly framing: BodyFraming }> {
  #events: ParseEvent<H>[] = [];
  #next = 0;
  #inBody = false;
  #trailers = new Headers();

  constructor(
    readonly sock: Socket,
    readonly parser: HttpParser<unknown, H>,
  ) {}

  /** True after readHead, until the body has been read to its end. */
  get inBody(): boolean {
    return this.#inBody;
  }

  /** The trailer fields of the last message whose body was read to the end. */
  get trailers(): Headers {
    return this.#trailers;
  }

  /** The next event, reading from the socket when none is left; null when the peer closed cleanly. */
  *#event(): Green<ParseEvent<H> | null> {
    while (this.#next >= this.#events.length) {
      const chunk = yield* this.sock.recv();
      this.#events = chunk.length > 0 ? this.parser.push(chunk) : this.parser.finish();
      this.#next = 0;
      if (chunk.length === 0 && this.#events.length === 0) return null;
    }
    return this.#events[this.#next++];
  }

  /**
   * The head of the next message, or null when the peer closed the connection between messages. Throws the
   * parser's HttpError. The previous message's body must have been read to its end first.
   */
  *readHead(): Green<H | null> {
    if (this.#inBody) throw new Error("readHead: the body of the previous message has not been read to its end");
    const e = yield* this.#event();
    if (e === null) return null;
    if (e.type === "error") throw e.error;
    if (e.type !== "head") throw new Error(`readHead: expected a head, the parser gave ${e.type}`);
    this.#inBody = true;
    return e.head;
  }

  /** The next piece of the body, or null at its end (then `trailers` holds its trailer fields). */
  *read(): Green<Buffer | null> {
    if (!this.#inBody) return null;
    const e = yield* this.#event();
    if (e === null) throw new Error("the connection closed in the middle of a message"); // finish() says so first
    if (e.type === "error") throw e.error;
    if (e.type === "data") return e.data;
    if (e.type === "end") {
      this.#inBody = false;
      this.#trailers = e.trailers;
      return null;
    }
    throw new Error("read: a head arrived in the middle of a body");
  }

  /** The rest of the body in one new buffer (the parser's maxBodyBytes bounds it; concat copies the views). */
  *readAll(): Green<Buffer> {
    const parts: Buffer[] = [];
    for (let piece = yield* this.read(); piece !== null; piece = yield* this.read()) parts.push(piece);
    return Buffer.concat(parts);
  }
}
// #endregion
