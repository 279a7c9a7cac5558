// The hub's echo server for the io suite (chapter 05): solutions/05-green-sockets' echoServer — eventlet's echoserver.py
// in green threads — on Node's real network, inside runReal, as a program would run it.
// `node --import tsx bench/io/hub-echo.ts <port>`; prints "ready" once it listens.
import "../lib/profile-hook";
import { runReal } from "../../solutions/02-hub/green";
import { echoServer } from "../../solutions/05-green-sockets/echo";
import { realNetwork } from "../../solutions/05-green-sockets/node-network";

const port = Number(process.argv[2]);
await runReal(function* () {
  // A backlog as deep as the kernel's (somaxconn 4096): 500 clients connect at once.
  const listener = yield* realNetwork.listen({ host: "127.0.0.1", port }, 4096);
  console.log("ready");
  yield* echoServer(listener); // until the process is stopped
});
