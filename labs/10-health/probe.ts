// The two active checks: a TCP connect, and an HTTP GET whose status must be 2xx. Built in chapter 10.
//
// A probe runs in the monitor's own green thread and is bounded by the checker's timeout, so a backend that hangs
// costs one parked thread, never a proxy thread. It turns every way a check can end into a CheckResult.
import type { Green } from "../02-hub/suspend";
import { SocketError, TimedOutError } from "../05-green-sockets/errors";
import type { Network } from "../05-green-sockets/socket";
import { withTimeout } from "../03-cancellation/timeout";
import type { Backend } from "../08-tcp-proxy/balancer";
import type { CheckResult } from "./checker";

// #region probe
/** One check of one backend through `network`, given at most `timeout` milliseconds. */
export type Probe = (network: Network, b: Backend, timeout: number) => Green<CheckResult>;

/** HAProxy's `check` with no option, Envoy's `tcp_health_check` with no payload: does the port accept? */
export const tcpProbe: Probe = (network, b, timeout) =>
  bounded(timeout, function* () {
    const sock = yield* network.connect(b.address, { timeout });
    sock.close();
    return "pass" as CheckResult;
  });

/** HAProxy's `option httpchk GET <path>`, Envoy's `http_health_check`: the status line must say 2xx. */
export function httpProbe(path = "/health"): Probe {
  return (network, b, timeout) =>
    bounded(timeout, function* () {
      const sock = yield* network.connect(b.address, { timeout });
      try {
        yield* sock.sendall(`GET ${path} HTTP/1.1\r\nHost: ${b.address.host}\r\nConnection: close\r\n\r\n`);
        const line = (yield* sock.recvLine(1024)).toString("latin1");
        const status = /^HTTP\/1\.[01] (\d{3})/.exec(line);
        if (status === null) return "network" as CheckResult; // not HTTP: the check cannot pass
        const code = Number(status[1]);
        return (code >= 200 && code < 300 ? "pass" : "status") as CheckResult;
      } finally {
        // Simplification: a production check would read the answer's headers and body too (HAProxy's
        // `http-check expect`, Envoy's `expected_statuses` and response matching); the status line is enough here.
        sock.abort(); // a check reads no body: drop the connection at once
      }
    });
}

/** Runs a check with a deadline; a timeout is "timeout", a socket error "network". Anything else is a bug. */
function* bounded(timeout: number, check: () => Green<CheckResult>): Green<CheckResult> {
  try {
    return yield* withTimeout(timeout, check, { timeoutValue: "timeout" as CheckResult });
  } catch (e) {
    if (e instanceof TimedOutError) return "timeout";
    if (e instanceof SocketError) return "network";
    throw e;
  }
}
// #endregion
