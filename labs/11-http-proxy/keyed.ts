// One limiter per client, in bounded memory: nginx's limit_req zone. Built in chapter 11.
//
// nginx keeps a limiter state per key (`limit_req_zone $binary_remote_addr zone=one:10m rate=…`) in a shared zone
// of fixed size, on a queue ordered by last use. Before it adds a key it frees up to two states at the cold end
// that have been idle a minute and have drained; when the zone is still full it frees the coldest state by force
// (ngx_http_limit_req_expire, called with 1, then 0). Here the zone's size is a number of keys.
import { PASS, type Decision, type RateLimiter } from "./rate-limit";

// #region keyed
export interface KeyedLimiterOptions {
  /** The most keys kept at once. @default 10000 */
  readonly maxKeys?: number;
  /** The status of a rejected request: nginx's limit_req_status, 503 by default; 429 is what RFC 6585 made for it. */
  readonly status?: number;
}

/** What a request is limited by: the client's address, or a header's value (an API key). */
export type LimitBy = { readonly source: true } | { readonly header: string };

export class KeyedLimiter {
  readonly maxKeys: number;
  readonly status: number;
  /** Keys in order of use, the least recent first (a Map keeps insertion order; a use re-inserts). */
  readonly #states = new Map<string, RateLimiter>();

  constructor(
    readonly make: () => RateLimiter,
    options: KeyedLimiterOptions = {},
  ) {
    this.maxKeys = options.maxKeys ?? 10000;
    this.status = options.status ?? 503;
    if (!Number.isInteger(this.maxKeys) || this.maxKeys < 1) throw new Error(`invalid maxKeys ${this.maxKeys}: a positive integer`);
    if (!Number.isInteger(this.status) || this.status < 400 || this.status > 599) {
      throw new Error(`invalid status ${this.status}: limit_req_status takes 400 to 599`);
    }
  }

  get size(): number {
    return this.#states.size;
  }

  has(key: string): boolean {
    return this.#states.has(key);
  }

  /**
   * The decision for a request from `key` at `now`. An empty key, or one longer than 65535 characters, is not
   * limited (nginx skips it), and nothing is stored for it.
   */
  decide(key: string, now: number): Decision {
    if (key.length === 0 || key.length > 65535) return PASS;
    let state = this.#states.get(key);
    if (state) {
      this.#states.delete(key); // move to the most recent end
    } else {
      this.#expire(now, false);
      if (this.#states.size >= this.maxKeys) this.#expire(now, true);
      state = this.make();
    }
    this.#states.set(key, state);
    return state.decide(now);
  }

  /** ngx_http_limit_req_expire: up to two idle states from the cold end; with `force`, the coldest one first. */
  #expire(now: number, force: boolean): void {
    let freed = 0;
    for (const [key, state] of this.#states) {
      if (force && freed === 0) {
        this.#states.delete(key);
      } else if (state.idle(now)) {
        this.#states.delete(key);
      } else {
        return; // nginx stops at the first state it may not free: the queue is ordered by use
      }
      if (++freed === (force ? 3 : 2)) return;
    }
  }
}

/** The key of a request for a `LimitBy`: the client's address, or the header's values joined ("" when absent). */
export function limitKey(by: LimitBy, req: { readonly headers: { getAll(name: string): string[] }; readonly client: string }): string {
  return "source" in by ? req.client : req.headers.getAll(by.header).join(", ");
}
// #endregion
