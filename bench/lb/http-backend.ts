// The lb suite's second kind of backend (chapter 08): a real HTTP server, `node:http`, keep-alive, one per port
// given on the command line, each in its own process (the driver starts one process per port).
// `node --import tsx bench/lb/http-backend.ts 9111`
//
// The fixed-response backend (backend.ts) answers without parsing, so the proxy is all that is measured; this
// one parses every request and answers through node:http, as a backend a proxy really fronts would. A verdict
// that holds with both kinds does not rest on the shape of one backend's replies.
import { createServer } from "node:http";

const BODY = "hello from the backend\n";
for (const port of process.argv.slice(2).map(Number)) {
  const server = createServer((_req, res) => {
    res.writeHead(200, { "content-type": "text/plain", "content-length": BODY.length });
    res.end(BODY);
  });
  // wrk's connections live for the whole run: no idle timeout closes one between two requests.
  server.keepAliveTimeout = 60_000;
  server.listen({ host: "127.0.0.1", port, backlog: 4096 });
}
console.log("ready");
