// The echo server of eventlet's examples: one green thread per connection, each line sent back. Chapter 05.
//
// It is written once, against the Network and Socket interfaces, and runs unchanged on Node's loopback and
// on the simulated network: the first program that proves the two are interchangeable.
import { spawn } from "../02-hub/green";
import type { Green } from "../02-hub/suspend";
import { isPeerGone, SocketClosedError } from "./errors";
import type { Listener, Socket } from "./socket";

// #region echo
/** Sends every line the client sends straight back, until the client shuts its side down. */
export function* echo(sock: Socket): Green<void> {
  // TODO(task 4): echo. See README.md.
  throw new Error("not implemented yet — lab 05-green-sockets, task 4: echo");
}

/** eventlet's echoserver.py: accept, spawn a thread for the client, accept again — until the listener closes. */
export function* echoServer(listener: Listener): Green<void> {
  for (;;) {
    let sock: Socket;
    try {
      sock = yield* listener.accept();
    } catch (e) {
      if (e instanceof SocketClosedError) return;
      throw e;
    }
    spawn(client, sock);
  }
}

function* client(sock: Socket): Green<void> {
  try {
    yield* echo(sock);
  } catch (e) {
    if (!isPeerGone(e)) throw e; // a client that vanished is not the server's failure
  } finally {
    sock.close();
  }
}
// #endregion
