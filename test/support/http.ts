// What the tests of chapter 07 share: bytes from text, the status of an HttpError, and a server and a raw client
// on the simulated network. Imports the code under test only through `@target/…`, so it runs against the
// reference or a learner's labs alike.
import { getHub } from "@target/02-hub/hub";
import type { Green } from "@target/02-hub/suspend";
import { sleep, spawn } from "@target/03-cancellation/greenthread";
import { SocketError } from "@target/05-green-sockets/errors";
import type { SimNetwork } from "@target/05-green-sockets/sim-network";
import type { Listener } from "@target/05-green-sockets/socket";
import { HttpError } from "@target/07-http/errors";
import type { Handler } from "@target/07-http/handler";
import { serveHttp, type ServerOptions } from "@target/07-http/server";

/** Text as bytes, one byte a character (HTTP's heads are latin1). */
export const bytes = (s: string): Buffer => Buffer.from(s, "latin1");

/** The status of the HttpError `fn` throws, -1 when it throws nothing; anything else it throws fails the test. */
export function statusOf(fn: () => unknown): number {
  try {
    fn();
  } catch (e) {
    if (e instanceof HttpError) return e.status;
    throw e;
  }
  return -1; // nothing thrown: the assertion that follows names the case
}

/** Starts an HTTP server on server:80 and returns its listener. */
export function* startServer(net: SimNetwork, handler: Handler, options: ServerOptions = {}): Green<Listener> {
  const listener = yield* net.host("server").listen({ host: "server", port: 80 });
  spawn(serveHttp, listener, handler, options);
  return listener;
}

/**
 * Sends raw bytes from host "client" and returns everything the server sent until it closed, and when. The
 * bytes are sent by a thread of their own, so a server that answers early (and closes) is read at once.
 */
export function* rawExchange(net: SimNetwork, ...parts: (string | number)[]): Green<{ text: string; at: number }> {
  const sock = yield* net.host("client").connect({ host: "server", port: 80 });
  spawn(function* () {
    try {
      for (const p of parts) {
        if (typeof p === "number") yield* sleep(p); // a number is a pause, in virtual milliseconds
        else yield* sock.sendall(p);
      }
    } catch (e) {
      if (!(e instanceof SocketError)) throw e; // the server closed on us: that is what some tests want
    }
  });
  const got: Buffer[] = [];
  for (let b = yield* sock.recv(); b.length > 0; b = yield* sock.recv()) got.push(b);
  sock.close();
  return { text: Buffer.concat(got).toString("latin1"), at: getHub().now() };
}
