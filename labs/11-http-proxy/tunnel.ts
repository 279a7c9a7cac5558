// After 101 Switching Protocols: the HTTP connection becomes a byte tunnel (a WebSocket), with an idle timeout.
// Chapter 11.
import { getHub } from "../02-hub/hub";
import type { Green } from "../02-hub/suspend";
import { IdleTimeoutError } from "../08-tcp-proxy/errors";
import { watchIdle } from "../08-tcp-proxy/idle";
import { spliceRelay } from "../08-tcp-proxy/splice";
import type { RequestHead, ResponseHead } from "../07-http/messages";
import type { Channel } from "./channel";

// #region tunnel
/**
 * Relays bytes both ways until both sides have ended, as chapter 08's TCP proxy does (its splice on real sockets,
 * its green pipe on the simulated network), cut after `idleTimeout` ms without a byte either way (HAProxy's
 * `timeout tunnel`). First come the bytes each parser had already read past the heads.
 */
export function* tunnel(client: Channel<RequestHead>, backend: Channel<ResponseHead>, idleTimeout: number): Green<void> {
  for (const b of backend.takeBuffered()) yield* client.sock.sendall(b);
  for (const b of client.takeBuffered()) yield* backend.sock.sendall(b);
  // Each side may be silent for long in a tunnel: only the pair's idleness counts.
  client.sock.timeout = null;
  backend.sock.timeout = null;
  const me = getHub().current!;
  let moved = 0;
  const watchdog = watchIdle(idleTimeout, () => moved, () => {
    getHub().throwInto(me, new IdleTimeoutError(`no byte either way in the tunnel for ${idleTimeout} ms`));
  });
  const count = (n: number): void => {
    moved += n;
  };
  try {
    yield* spliceRelay(client.sock, backend.sock, count, count);
  } finally {
    watchdog.cancel();
  }
}
// #endregion
