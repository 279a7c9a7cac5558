// Fetching many URLs at once through a GreenPool: eventlet's classic example, on our hub. Built in chapter 07.
//
//   pool = eventlet.GreenPool()
//   for body in pool.imap(fetch, urls):
//       print("got body", len(body))
//
// Each fetch is written as if it were alone — connect, send, wait, read — and the pool runs `concurrency` of
// them at a time. The client underneath shares kept-alive connections between them.
import type { Green } from "../02-hub/suspend";
import { GreenPool } from "../04-primitives/greenpool";
import type { HttpClient } from "./client";

// #region fetch-all
export interface FetchResult {
  readonly url: string;
  /** The response's status, when there was a response. */
  readonly status?: number;
  readonly body?: Buffer;
  /** Why there was no response. One URL failing does not stop the others. */
  readonly error?: unknown;
}

/** GETs every URL, at most `concurrency` at once, and returns the results in the order of `urls`. */
export function* fetchAll(client: HttpClient, urls: Iterable<string>, concurrency = 10): Green<FetchResult[]> {
  // TODO(task 6): fetchAll. See README.md.
  throw new Error("not implemented yet — lab 07-http, task 6: fetchAll");
}
// #endregion
