// What the chat room says, and what it accepts as a nickname or a message. Built in chapter 06.
//
// The protocol is lines of UTF-8 text, so that `nc` is a client: a client sends a nickname, then messages and
// commands (/who, /nick NAME, /quit); the server sends `<nick> message` for what others said and `* …` for
// everything the room itself says. Every line the server writes is made here, so the tests, the demo and the
// narrative all quote one source.

// #region nick
/** Longest nickname, in characters. */
export const MAX_NICK = 16;
// Simplification: a production server would allow Unicode nicknames and compare them by a confusables
// skeleton (Unicode TS #39); ASCII only sidesteps look-alikes at the cost of most of the world's names.
const NICK = /^[A-Za-z][A-Za-z0-9_-]*$/;

/**
 * Why `nick` cannot be a nickname, or null when it can: 1 to 16 characters, a letter first, then letters,
 * digits, "-" or "_". Unicode nicknames are out: "аnn" with a Cyrillic "а" would pass for "ann".
 */
export function validateNick(nick: string): string | null {
  // TODO(task 1): validateNick. See README.md.
  throw new Error("not implemented yet — lab 06-chat, task 1: validateNick");
}

/** The key a nickname is unique under: "Ann" and "ann" are one person to a reader. */
export const nickKey = (nick: string): string => nick.toLowerCase();
// #endregion

// #region clean
/**
 * A line as received (bytes, maybe ending in "\r\n" or "\n") turned into the text to show others: decoded as
 * UTF-8 (an invalid byte becomes U+FFFD), without its line end, and without control characters — an
 * escape sequence from one client must not repaint the others' terminals. Tabs become spaces.
 */
export function cleanLine(raw: Uint8Array): string {
  // TODO(task 1): cleanLine. See README.md.
  throw new Error("not implemented yet — lab 06-chat, task 1: cleanLine");
}
// #endregion

// #region says
/** Everything the server says, one function per line it writes (without the "\n"). */
export const say = {
  prompt: (): string => "* welcome! what is your nickname?",
  badNick: (problem: string): string => `* ${problem}; try another`,
  taken: (nick: string): string => `* ${nick} is taken; try another`,
  welcome: (nick: string, here: readonly string[]): string =>
    `* hello ${nick}: ${here.length} here (${here.join(", ")}). /who, /nick NAME, /quit`,
  joined: (nick: string): string => `* ${nick} joined`,
  left: (nick: string, reason: string): string => `* ${nick} left (${reason})`,
  message: (nick: string, text: string): string => `<${nick}> ${text}`,
  renamed: (from: string, to: string): string => `* ${from} is now ${to}`,
  who: (here: readonly string[]): string => `* ${here.length} here: ${here.join(", ")}`,
  unknown: (command: string): string => `* unknown command ${command}; try /who, /nick NAME or /quit`,
  tooLong: (max: number): string => `* that line was longer than ${max} bytes; nobody saw it`,
  behind: (n: number): string => `* you fell ${n} messages behind: disconnected`,
  nickTimeout: (): string => "* no nickname in time: bye",
  bye: (): string => "* bye",
};

/** Why a member left, as others read it. */
export const LEFT = {
  quit: "quit",
  closed: "connection closed",
  lost: "connection lost",
  slow: "too slow",
} as const;
// #endregion
