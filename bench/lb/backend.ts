// The lb suite's backends (chapter 08): tiny HTTP/1.1 keep-alive responders on Node's bare `net`, one process
// serving every port given on the command line. `node --import tsx bench/lb/backend.ts 9101 9102 9103`
//
// They must not be the bottleneck: no HTTP parser, no allocation per request — count the ends of request heads
// ("\r\n\r\n") in what arrived and answer that many fixed responses in one write. wrk sends small GET requests
// without bodies, which is all this understands. The driver checks them by pointing wrk straight at one.
import { createServer } from "node:net";

const BODY = "hello from the backend\n";
const RESPONSE = Buffer.from(`HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: ${BODY.length}\r\n\r\n${BODY}`);
const ready: Buffer[] = [RESPONSE]; // ready[k - 1]: k responses back to back, made once

function responses(k: number): Buffer {
  while (ready.length < k) ready.push(Buffer.concat([ready[ready.length - 1]!, RESPONSE]));
  return ready[k - 1]!;
}

for (const port of process.argv.slice(2).map(Number)) {
  const server = createServer({ noDelay: true }, (sock) => {
    let tail = 0; // how many bytes of "\r\n\r\n" the previous chunk ended with
    sock.on("data", (chunk: Buffer) => {
      let k = 0;
      for (let i = 0; i < chunk.length; i++) {
        const c = chunk[i];
        if (c === 13) tail = tail === 2 ? 3 : 1;
        else if (c === 10 && (tail === 1 || tail === 3)) {
          if (tail === 3) {
            k++;
            tail = 0;
          } else tail = 2;
        } else tail = 0;
      }
      if (k > 0) sock.write(responses(k));
    });
    sock.on("error", () => sock.destroy());
  });
  server.listen({ host: "127.0.0.1", port, backlog: 4096 });
}
console.log("ready");
