// The Node peer of the io suite's HTTP case (chapter 07): `node:http` answering "hello", what a Node programmer writes
// without a hub. `node --import tsx bench/io/node-http.ts <port>`; prints "ready" once it listens.
import { createServer } from "node:http";

const port = Number(process.argv[2]);
const BODY = "hello";
createServer((_req, res) => {
  // The same headers as our server's handler sends; Content-Length so node:http does not switch to chunked.
  res.writeHead(200, { "content-type": "text/plain", "content-length": BODY.length });
  res.end(BODY);
}).listen({ host: "127.0.0.1", port, backlog: 4096 }, () => console.log("ready"));
