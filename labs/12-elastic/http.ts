// Chapter 11's HTTP proxy following the membership: backends added, drained and removed while requests flow, drained
// by the request rather than by the connection. Built in chapter 12.
import type { HttpProxy } from "../11-http-proxy/proxy";
import type { Membership } from "./membership";

// #region follow-http
/**
 * Makes `proxy` follow `membership`'s changes. Start the proxy with `network: membership.network(…)`, so that the
 * membership counts its pooled connections to each backend and knows when a draining one holds none.
 *
 * A member that joins becomes a backend of the proxy's default pool. A member that starts draining is removed from
 * the proxy at once: no new request goes to it, its idle keep-alive connections close now and its busy ones after
 * their current request (chapter 11's connection pool closes them as they are released) — so a draining backend is
 * forgotten as soon as its requests in flight are answered, whatever the clients do with their own connections.
 */
export function followMembership(membership: Membership, proxy: HttpProxy): void {
  // Simplification: weights, slow start and connection caps reach the L4 elastic proxy's picks; chapter 11's
  // proxy picks with its own strategy, so here the membership decides who is in, not how much each one gets.
  membership.attach({
    joined: (b) => proxy.addBackend(b),
    leaving: (b) => proxy.removeBackend(b),
    forgotten: () => {},
  });
}
// #endregion
