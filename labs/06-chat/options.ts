// The chat room's limits, in one place, with their defaults. Built in chapter 06.
//
// Every limit here protects the room from one kind of client: the one who sends a megabyte without a newline
// (maxLine), the one who stops reading (queueSize, linger), the one who connects and says nothing (nickTimeout),
// and the crowd (maxClients). A limit nobody wrote down is a limit an attacker finds first.

// #region options
export interface ChatOptions {
  /** Longest message a client may send, in bytes, not counting the line end. @default 512 */
  readonly maxLine?: number;
  /**
   * Messages that may wait for one client's writer. One more, and the client is disconnected: see
   * outbox.ts for why. @default 100
   */
  readonly queueSize?: number;
  /** Milliseconds a new client has to choose a nickname before it is disconnected. @default 60000 */
  readonly nickTimeout?: number;
  /**
   * Milliseconds a leaving client's writer gets to deliver what is queued (and a farewell); then its
   * connection is reset. @default 5000
   */
  readonly linger?: number;
  /** Most clients connected at once; the next ones wait in the listener's backlog. @default 1000 */
  readonly maxClients?: number;
}

export type ChatLimits = Required<ChatOptions>;

export const DEFAULTS: ChatLimits = {
  maxLine: 512,
  queueSize: 100,
  nickTimeout: 60_000,
  linger: 5_000,
  maxClients: 1000,
};
// #endregion

/** The options with every default filled in. */
export function limits(options: ChatOptions = {}): ChatLimits {
  return { ...DEFAULTS, ...options };
}
