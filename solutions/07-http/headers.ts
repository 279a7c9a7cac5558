// Headers: an ordered list of header fields, looked up by name without regard to case. Built in chapter 07.
//
// Field names are case-insensitive (RFC 9110 §5.1) but a proxy should pass them on as it got them, so we keep
// each field's name as written and compare lower-cased copies. A list, not a map: a field may repeat
// (Set-Cookie), order matters when it does, and a head rarely has more than a few dozen fields.
//
// Every field in a Headers is fit to be written, checked as it goes in: a field the parser read was checked byte by
// byte as it was read, any other is checked by `append`. A header value holding "\r\n" would end a head early and
// start a second response of an attacker's choosing (response splitting); refusing it where the program makes the
// mistake, as the Fetch standard's Headers does, leaves the serializer nothing to check and a proxy nothing to check
// twice.

/** What a handler may give where headers are expected. */
export type HeadersInit = Headers | Iterable<readonly [string, string]> | Record<string, string>;

// #region headers
/** A field name is a token (RFC 9110 §5.6.2): the same bytes syntax.ts accepts in a name it parses. */
export const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** A field value holds no control character but HTAB (RFC 9110 §5.5): the same bytes syntax.ts accepts in a value. */
export const FIELD_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

/**
 * `name` lower-cased. The names nearly every message carries are looked up in a table made once, as written and in
 * lower case: lower-casing "Content-Length" makes a new string each time, a proxy lower-cases each name of a message
 * three or four times (parsed, copied without the hop-by-hop fields, looked up), and every lookup by a name already
 * in lower case ("content-length") would still read it through. Any other name is lower-cased as it comes.
 */
function keyOf(name: string): string {
  return COMMON_KEYS.get(name) ?? name.toLowerCase();
}

/**
 * The field names nearly every message carries, as they are usually written. The parser reads them without making a
 * new string (syntax.ts, `wordOrText`).
 */
export const COMMON_NAMES: readonly string[] = [
  "Host", "Content-Length", "Content-Type", "Transfer-Encoding", "Connection", "Keep-Alive", "Upgrade", "Expect",
  "Trailer", "TE", "Date", "Server", "User-Agent", "Accept", "Cookie", "Set-Cookie", "Retry-After",
  "Via", "Forwarded", "X-Forwarded-For", "X-Forwarded-Proto", "X-Forwarded-Host",
];

const COMMON_KEYS: ReadonlyMap<string, string> = new Map(
  COMMON_NAMES.flatMap((n): [string, string][] => [[n, n.toLowerCase()], [n.toLowerCase(), n.toLowerCase()]]),
);

export class Headers implements Iterable<[string, string]> {
  /** [name as written, lower-cased name, value] per field, in order. Never changed once made: copies share them. */
  readonly #fields: (readonly [string, string, string])[] = [];

  constructor(init?: HeadersInit) {
    if (init === undefined) return;
    // Another Headers' fields were checked when they went in, and are never changed: share them.
    if (init instanceof Headers) {
      this.#fields.push(...init.#fields);
      return;
    }
    const pairs = Symbol.iterator in init ? (init as Iterable<readonly [string, string]>) : Object.entries(init);
    for (const [name, value] of pairs) this.append(name, value);
  }

  get size(): number {
    return this.#fields.length;
  }

  /**
   * Adds a field after the others, even if one with that name exists. Throws a TypeError for a name that is not a
   * token or a value with a control character in it (CR and LF above all): this one check stops response splitting.
   */
  append(name: string, value: string): this {
    // A name in the table of common names is a token: only the others need the test (a proxy sets Via and
    // X-Forwarded-For on every request, a server Content-Length on every response).
    let key = COMMON_KEYS.get(name);
    if (key === undefined) {
      if (!TOKEN.test(name)) throw new TypeError(`invalid header name ${JSON.stringify(name)}`);
      key = name.toLowerCase();
    }
    if (!FIELD_VALUE.test(value)) throw new TypeError(`invalid value for header ${name}: ${JSON.stringify(value)}`);
    this.#fields.push([name, key, value]);
    return this;
  }

  /**
   * Adds a field line the parser has read, without `append`'s check: syntax.ts's parseFieldLine refused every byte
   * the check would refuse as it read the line, and a proxy writes out again nearly every field it reads.
   */
  appendParsed(name: string, value: string): this {
    this.#fields.push([name, keyOf(name), value]);
    return this;
  }

  /** Replaces every field called `name` by one. */
  set(name: string, value: string): this {
    this.delete(name);
    return this.append(name, value);
  }

  /** Removes every field called `name`; returns whether there was one. */
  delete(name: string): boolean {
    const key = keyOf(name);
    const before = this.#fields.length;
    for (let i = before - 1; i >= 0; i--) if (this.#fields[i][1] === key) this.#fields.splice(i, 1);
    return this.#fields.length !== before;
  }

  // Plain loops below, not some/filter/map: these run several times for every request a server reads.
  has(name: string): boolean {
    const key = keyOf(name);
    for (const f of this.#fields) if (f[1] === key) return true;
    return false;
  }

  /** How many field lines are called `name`: what getAll(name).length says, without making the list. */
  count(name: string): number {
    const key = keyOf(name);
    let n = 0;
    for (const f of this.#fields) if (f[1] === key) n++;
    return n;
  }

  /** Every value of the field, in order. */
  getAll(name: string): string[] {
    const key = keyOf(name);
    const out: string[] = [];
    for (const f of this.#fields) if (f[1] === key) out.push(f[2]);
    return out;
  }

  /** The field's values joined with ", " (RFC 9110 §5.3), or undefined when absent. */
  get(name: string): string | undefined {
    const key = keyOf(name);
    let out: string | undefined;
    for (const f of this.#fields) if (f[1] === key) out = out === undefined ? f[2] : `${out}, ${f[2]}`;
    return out;
  }

  /**
   * Calls `visit` with each field in order: its value, its name as written and its name lower-cased (as the Fetch
   * standard's Headers.forEach does, with the lower-cased name added). The way to walk the fields on a hot path:
   * unlike `for…of`, it makes no iterator and no [name, value] pair per field.
   */
  forEach(visit: (value: string, name: string, key: string) => void): void {
    for (const f of this.#fields) visit(f[2], f[0], f[1]);
  }

  /**
   * A copy holding the fields whose lower-cased name `keep` accepts, in order: what a proxy forwards of a message.
   * The copy shares each field with this one (fields are never changed, only added and removed), so nothing is made
   * per field.
   */
  filter(keep: (key: string) => boolean): Headers {
    const out = new Headers();
    for (const f of this.#fields) if (keep(f[1])) out.#fields.push(f);
    return out;
  }

  *[Symbol.iterator](): IterableIterator<[string, string]> {
    for (const [name, , value] of this.#fields) yield [name, value];
  }

  /** The fields as plain pairs, for tests and logs. */
  toJSON(): [string, string][] {
    return [...this];
  }
}
// #endregion

/**
 * The comma-separated tokens of a list field such as Connection or Transfer-Encoding, lower-cased,
 * with empty elements dropped (RFC 9110 §5.6.1). "chunked, , GZIP" → ["chunked", "gzip"].
 */
export function listTokens(headers: Headers, name: string): string[] {
  const out: string[] = [];
  for (const value of headers.getAll(name)) {
    for (const part of value.split(",")) {
      const t = part.trim().toLowerCase();
      if (t) out.push(t);
    }
  }
  return out;
}
