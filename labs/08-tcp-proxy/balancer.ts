// The balancer contract: which backend gets the next connection. Built in chapter 08; chapter 09 adds strategies.
//
// Design principles
//   1. A balancer only chooses. It never connects, retries, times out or counts: the proxy owns connections and
//      their failures, so every strategy of chapter 09 is a few lines that can be tested without a network.
//   2. The proxy says which backends may be chosen. `pick` gets a predicate (not in cool-down, not tried yet for
//      this client), so failover and health checks (chapter 10) never need a balancer's cooperation.
//   3. State a reader needs is in plain sight: the counters live in one `Map<Backend, Stats>` the proxy owns
//      (stats.ts). A strategy that wants them (least connections) is handed that map; it does not keep copies.
//   4. Same inputs, same choice. A strategy that draws random numbers takes its generator from outside, so a
//      seeded test replays it exactly.
import type { Address } from "../05-green-sockets/socket";

// #region contract
/**
 * A server the proxy forwards connections to. Compared by identity: it is the key of the stats map.
 * (Not to be confused with chapter 02's hub `Backend`, the hub's clock: this one is a load balancer's word.)
 */
export interface Backend {
  /** For people: logs, the demo, metrics labels. */
  readonly name: string;
  readonly address: Address;
}

export interface Balancer {
  /** Every backend this balancer may choose from, in a fixed order. */
  readonly backends: readonly Backend[];
  /**
   * The backend for the next connection, among those `usable` accepts; null when it accepts none. The proxy
   * calls it again, with a stricter `usable`, when the connection to the chosen one fails.
   */
  pick(usable: (b: Backend) => boolean): Backend | null;
}
// #endregion
