// Chapter 08's proxy with any strategy of chapter 09, chosen by a config option. Built in chapter 09.
//
// The proxy already takes any Balancer, and every Strategy is one. What the proxy does not do is tell a strategy
// how its connections went. Rather than change the proxy, this wraps the network it connects through: the wrapper
// times each connect to a backend and reports it (`observe`, `started` or `failed`), and the socket it returns
// reports `finished` when the proxy closes or aborts it. The proxy's code is the same code that chapter 08 built.
import { getHub } from "../02-hub/hub";
import type { Green } from "../02-hub/suspend";
import { SocketError } from "../05-green-sockets/errors";
import type { Address, ConnectOptions, Listener, Network, Socket } from "../05-green-sockets/socket";
import type { Backend } from "../08-tcp-proxy/balancer";
import { Proxy, type ProxyOptions } from "../08-tcp-proxy/proxy";
import { ForwardingSocket } from "./forwarding-socket";
import { makeStrategy, type StrategyConfig, type StrategyName } from "./strategies";
import type { Strategy } from "./strategy";

// #region balanced-proxy
export interface BalancedProxyOptions extends Omit<ProxyOptions, "balancer"> {
  /** The strategy, by name or with its options: `"p2c"`, `{ name: "ring-hash", vnodes: 200 }`. */
  readonly strategy: StrategyName | StrategyConfig;
  readonly backends: readonly Backend[];
  /** Where the strategy's random choices come from. @default Math.random */
  readonly random?: () => number;
}

/** Starts chapter 08's proxy with the strategy `options.strategy` names, fed back by the connections it makes. */
export function* startBalancedProxy(options: BalancedProxyOptions): Green<{ proxy: Proxy; strategy: Strategy }> {
  const hub = getHub();
  const strategy = makeStrategy(options.strategy, options.backends, { random: options.random, now: () => hub.now() });
  const proxy = yield* Proxy.start({ ...options, balancer: strategy, network: feedbackNetwork(options.network, strategy) });
  return { proxy, strategy };
}

/**
 * A network that tells `strategy` about every connection made to one of its backends: the connect time as a latency
 * sample and one more outstanding connection, or a failure; and, once the socket is closed or aborted, one fewer.
 */
export function feedbackNetwork(inner: Network, strategy: Strategy): Network {
  const backendAt = (a: Address): Backend | undefined =>
    strategy.backends.find((b) => b.address.host === a.host && b.address.port === a.port);
  return {
    listen: (addr: Address, backlog?: number): Green<Listener> => inner.listen(addr, backlog),
    *connect(addr: Address, opts?: ConnectOptions): Green<Socket> {
      const b = backendAt(addr);
      if (b === undefined) return yield* inner.connect(addr, opts);
      const hub = getHub();
      const t0 = hub.now();
      let sock: Socket;
      try {
        sock = yield* inner.connect(addr, opts);
      } catch (e) {
        if (e instanceof SocketError) strategy.failed(b);
        throw e;
      }
      strategy.observe(b, hub.now() - t0);
      strategy.started(b);
      return new ReportingSocket(sock, () => strategy.finished(b));
    },
  };
}
// #endregion

/** A socket that calls `done` once, the first time it is closed or aborted. Everything else goes to `inner`. */
export class ReportingSocket extends ForwardingSocket {
  #done: (() => void) | null;

  constructor(inner: Socket, done: () => void) {
    super(inner);
    this.#done = done;
  }

  override close(): void {
    super.close();
    this.#report();
  }
  override abort(): void {
    super.abort();
    this.#report();
  }
  #report(): void {
    const done = this.#done;
    this.#done = null;
    done?.();
  }
}
