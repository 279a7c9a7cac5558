// The idle watchdog: one hub timer per connection that notices when nothing has moved for a while. Chapter 08.
//
// The obvious idle timeout — a recv timeout on each socket — is wrong for a proxy: while a long response streams
// down, the client's direction is silent, and its recv would time out a perfectly busy connection. Idleness is a
// property of the pair. The watchdog does not touch the byte path at all (no clock read, no timer reset per
// chunk): it wakes every `ms`, compares a byte counter with what it saw last time, and fires when it has not moved.
import { getHub } from "../02-hub/hub";

// #region idle
export interface Watchdog {
  cancel(): void;
}

/**
 * Calls `onIdle()` once when `progress()` has not changed over a whole period of `ms` milliseconds. A
 * connection idle since just after a check is noticed between `ms` and `2 × ms` after its last byte.
 */
// Simplification: a production proxy would time each phase on its own (HAProxy's timeout client, server, tunnel and
// client-fin); one idle timeout covers the whole connection here.
export function watchIdle(ms: number | null, progress: () => number, onIdle: () => void): Watchdog {
  if (ms === null) return { cancel() {} };
  const hub = getHub();
  let seen = progress();
  // Methods of one object, not `const check = () => …`: under tsx an arrow stored under a name costs heap for its
  // name (splice.ts says more), and there is a watchdog per connection.
  const watchdog = {
    check(): void {
      const now = progress();
      if (now === seen) return onIdle();
      seen = now;
      timer = hub.schedule(ms, watchdog.check);
    },
    cancel(): void {
      timer.cancel();
    },
  };
  let timer = hub.schedule(ms, watchdog.check);
  return watchdog;
}
// #endregion
