// Our green HTTP server for the io suite (chapter 07): solutions/07-http's serveHttp on the real network, with a
// handler that answers "hello" — the hello world that wrk measures on every system.
// `node --import tsx bench/io/hub-http.ts <port>`; prints "ready" once it listens.
import "../lib/profile-hook";
import { runReal } from "../../solutions/02-hub/green";
import { realNetwork } from "../../solutions/05-green-sockets/node-network";
import type { Handler } from "../../solutions/07-http/handler";
import { serveHttp } from "../../solutions/07-http/server";

const port = Number(process.argv[2]);
// The same headers on every system (node:http and eventlet.wsgi are told the same): text/plain, 5 bytes.
const hello: Handler = function* () {
  return { status: 200, headers: { "content-type": "text/plain" }, body: "hello" };
};
await runReal(function* () {
  const listener = yield* realNetwork.listen({ host: "127.0.0.1", port }, 4096);
  console.log("ready");
  // maxConnections above the largest wrk -c, so no client waits in the backlog for a slot.
  yield* serveHttp(listener, hello, { maxConnections: 2000 });
});
