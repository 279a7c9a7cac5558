// collect: runs a parser over a list of chunks and gathers whole messages, for tests, demos and notebooks. Chapter 07.
import type { HttpParser } from "./parser";
import type { BodyFraming } from "./framing";
import type { Message } from "./messages";

// #region collect
/**
 * Pushes every chunk, then (with `close`) tells the parser the connection closed, and returns the complete
 * messages with their bodies joined. Throws the parser's HttpError when it finds one.
 */
export function collect<H extends { readonly framing: BodyFraming }>(
  parser: HttpParser<unknown, H>,
  chunks: Iterable<Uint8Array>,
  options: { close?: boolean } = {},
): Message<H>[] {
  const messages: Message<H>[] = [];
  let head: H | undefined;
  let body: Buffer[] = [];
  const take = (events: ReturnType<typeof parser.push>): void => {
    for (const e of events) {
      if (e.type === "error") throw e.error;
      if (e.type === "head") (head = e.head), (body = []);
      else if (e.type === "data") body.push(e.data);
      else messages.push({ head: head!, body: Buffer.concat(body), trailers: e.trailers });
    }
  };
  for (const chunk of chunks) take(parser.push(chunk));
  if (options.close) take(parser.finish());
  return messages;
}
// #endregion
