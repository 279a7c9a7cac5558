// The floor of the io suite's echo case: the plainest Node echo server — `net`, each chunk written straight
// back. No line splitting: the client has one 64-byte line in flight per connection, so a chunk is a line, and
// whatever the hub's echo costs beyond this is the price of green sockets (recvLine, park/resume, the hub's loop).
// `node --import tsx bench/io/node-echo.ts <port>`; prints "ready" once it listens.
import { createServer } from "node:net";

const port = Number(process.argv[2]);
// Node's defaults (no noDelay), as the hub's NodeNetwork.listen uses them: same sockets, only the code above differs.
createServer((sock) => {
  sock.on("data", (chunk: Buffer) => sock.write(chunk));
  sock.on("error", () => sock.destroy()); // a client that vanished is not the server's failure
}).listen({ host: "127.0.0.1", port, backlog: 4096 }, () => console.log("ready"));
