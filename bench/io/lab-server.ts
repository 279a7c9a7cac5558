// A learner's own servers for the io suite's `--lab` (chapters 05 and 07): their echoServer or serveHttp, from labs/
// (or the tree HUB_TARGET names), run as hub-echo.ts and hub-http.ts run the course's, answering the same "hello".
// `node --import tsx bench/io/lab-server.ts <echo|http> <port>`; prints "ready" once it listens. A server that cannot
// start, or one of whose threads fails, says why in one line and exits: its figures would not be the server's
// (bench/lib/lab-program.ts).
import "../lib/profile-hook";
import type * as Green from "../../solutions/02-hub/green";
import type * as Echo from "../../solutions/05-green-sockets/echo";
import type * as Net from "../../solutions/05-green-sockets/node-network";
import type { Handler } from "../../solutions/07-http/handler";
import type * as Server from "../../solutions/07-http/server";
import { loadLab } from "../lib/lab";
import { exitOnThreadFailure, labProgram } from "../lib/lab-program";

const [part, portText] = process.argv.slice(2);
const port = Number(portText);
const hello: Handler = function* () {
  return { status: 200, headers: { "content-type": "text/plain" }, body: "hello" };
};
await labProgram(async () => {
  const { runReal } = await loadLab<typeof Green>("02-hub/green.ts");
  const { realNetwork } = await loadLab<typeof Net>("05-green-sockets/node-network.ts");
  const { echoServer } = await loadLab<typeof Echo>("05-green-sockets/echo.ts");
  const { serveHttp } = part === "http" ? await loadLab<typeof Server>("07-http/server.ts") : { serveHttp: null };
  await runReal(function* () {
    const listener = yield* realNetwork.listen({ host: "127.0.0.1", port }, 4096);
    console.log("ready");
    if (serveHttp) yield* serveHttp(listener, hello, { maxConnections: 2000 });
    else yield* echoServer(listener);
  }, { report: exitOnThreadFailure });
});
