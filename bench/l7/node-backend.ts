// The l7 suite's second kind of backend (chapter 11): `node:http` servers, one process serving every port given on the
// command line. `node --import tsx bench/l7/node-backend.ts 9511 9512 9513`; prints "ready" once all listen.
//
// The fixed-response backends of bench/lb/backend.ts never parse a request, so a proxy's requests cost them almost
// nothing; these parse every request as a real server does, add Date and keep-alive headers, and are slower: no
// verdict of the suite rests on one kind of backend. Same body and content type as the fixed ones.
import { createServer } from "node:http";

const BODY = "hello from the backend\n";
const ports = process.argv.slice(2).map(Number);
let listening = 0;
for (const port of ports) {
  const server = createServer((_req, res) => {
    // Content-Length, so node:http does not switch to chunked.
    res.writeHead(200, { "content-type": "text/plain", "content-length": BODY.length });
    res.end(BODY);
  });
  // A proxy's pooled connection may sit idle between two runs: the default 5 s would close it under the proxy's feet.
  server.keepAliveTimeout = 120_000;
  server.listen({ host: "127.0.0.1", port, backlog: 4096 }, () => {
    if (++listening === ports.length) console.log("ready");
  });
}
