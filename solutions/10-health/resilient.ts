// A network that makes chapter 08's proxy resilient without changing it: every connect to a backend passes the
// circuit breaker, a retry also the retry budget and a backoff, and every outcome is told to outlier detection.
// Built in chapter 10.
//
// Chapter 08's `connectBackend` already retries a failed connect on a different backend (its `tried` set) up to
// `attempts` times. What it cannot know is whether a retry is wise. This wrapper knows which client a connect is
// for — the green thread making it — so the first connect of a thread is the request and the next ones are retries.
import { getCurrent, sleep } from "../02-hub/green";
import type { Greenlet } from "../02-hub/greenlet";
import type { Green } from "../02-hub/suspend";
import { SocketError } from "../05-green-sockets/errors";
import type { Random } from "../05-green-sockets/random";
import type { Address, ConnectOptions, Listener, Network, Socket } from "../05-green-sockets/socket";
import type { Backend } from "../08-tcp-proxy/balancer";
import { fullJitter } from "./backoff";
import type { CircuitBreaker } from "./breaker";
import type { RetryBudget } from "./budget";
import type { OutlierDetector } from "./outlier";

// #region resilient
/** A retry was not made: the budget had no room. A SocketError, so the proxy resets the client at once. */
export class RetryBudgetError extends SocketError {
  override name = "RetryBudgetError";
  constructor(kind: string) {
    super(`retry budget exhausted (${kind}): not retrying`, "EAGAIN");
  }
}

export interface ResilienceCounters {
  /** Retries made. */
  retries: number;
  /** Retries the budget refused. */
  budgetDenied: number;
  /** Milliseconds spent backing off, in all. */
  backoff: number;
}

export interface Resilience {
  readonly backends: () => readonly Backend[];
  readonly breaker: CircuitBreaker;
  readonly budget: RetryBudget | null;
  readonly outlier: OutlierDetector | null;
  /** Backoff base and cap, milliseconds. */
  readonly baseInterval: number;
  readonly maxInterval: number;
  readonly random: Random;
  readonly counters: ResilienceCounters;
}

interface Attempts {
  tries: number;
  /** Set once the breaker or the budget said no: every later attempt for this client fails the same way. */
  refused: SocketError | null;
}

export function resilientNetwork(inner: Network, r: Resilience): Network {
  const clients = new WeakMap<Greenlet, Attempts>();
  const backendAt = (a: Address): Backend | undefined => r.backends().find((b) => b.address.host === a.host && b.address.port === a.port);
  return {
    listen: (addr: Address, backlog?: number): Green<Listener> => inner.listen(addr, backlog),
    *connect(addr: Address, opts?: ConnectOptions): Green<Socket> {
      const b = backendAt(addr);
      if (b === undefined) return yield* inner.connect(addr, opts);
      const me = getCurrent();
      let st = clients.get(me);
      if (st === undefined) {
        st = { tries: 0, refused: r.breaker.acquire("connections") };
        clients.set(me, st);
        if (st.refused === null) {
          r.budget?.requestStarted();
          // Held for the client's whole life, however it ends.
          me.onExit(() => {
            r.breaker.release("connections");
            r.budget?.requestEnded();
          }, false);
        }
      }
      // Simplification: a production proxy would answer an overflow without touching a backend's counters; here the
      // breaker's refusal goes through chapter 08's failover, which counts it as that backend's connect failure.
      if (st.refused !== null) throw st.refused;
      const retry = st.tries > 0;
      if (retry) {
        st.refused = r.breaker.acquire("retries");
        if (st.refused !== null) throw st.refused;
        if (r.budget !== null && !r.budget.tryRetry()) {
          r.breaker.release("retries");
          r.counters.budgetDenied++;
          throw (st.refused = new RetryBudgetError(r.budget.kind));
        }
        r.counters.retries++;
      }
      try {
        if (retry) {
          const wait = fullJitter(st.tries - 1, r.baseInterval, r.maxInterval, r.random);
          r.counters.backoff += wait;
          yield* sleep(wait);
        }
        st.tries++;
        const sock = yield* inner.connect(addr, opts);
        r.outlier?.record(b, 200);
        return sock;
      } catch (e) {
        // A connect failure is a local-origin error: Envoy counts it as a 503 (a gateway failure).
        if (e instanceof SocketError) r.outlier?.record(b, 503);
        throw e;
      } finally {
        if (retry) {
          r.breaker.release("retries");
          r.budget?.retryEnded();
        }
      }
    },
  };
}
// #endregion
