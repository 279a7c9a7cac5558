// The load of `npm run bench:instructions` (run.ts): `connections` connections to a proxy on
// loopback, `concurrency` of them open at a time, each sending `requests` small GET requests one after another (the
// next once the whole response has come) and then closing. One request per connection measures what opening and
// closing a connection costs; many measure what a request costs on a kept-alive connection. With `echo` last, each
// request is the io suite's 64-byte line instead, answered by the same 64 bytes (an echo server's round trip).
// Prints "done N" on stdout once every response has come; exits with 1, saying why, when a connection fails.
// `node --import tsx bench/instructions/client.ts <port> <connections> <requests> <concurrency> [echo]`
import { connect } from "node:net";
import { UsageError, usageMessage, wholeNumber } from "../lib/usage";

const NAMES = ["port", "connections", "requests", "concurrency"];
const echo = process.argv[2 + NAMES.length] === "echo";
let args: number[] = [];
try {
  if (process.argv.length !== 2 + NAMES.length + (echo ? 1 : 0)) {
    throw new UsageError(`takes ${NAMES.join(", ")} and, for an echo server, "echo"; got ${process.argv.slice(2).join(" ")}`);
  }
  args = process.argv.slice(2, 2 + NAMES.length).map((text, i) => wholeNumber(NAMES[i]!, text));
} catch (e) {
  console.error(`client: ${usageMessage(e)}`);
  process.exit(2);
}
const [port, connections, requests, concurrency] = args as [number, number, number, number];
const REQUEST = echo ? Buffer.from(`${"x".repeat(63)}\n`) : Buffer.from("GET / HTTP/1.1\r\nHost: bench\r\n\r\n", "latin1");
const HEAD_END = Buffer.from("\r\n\r\n", "latin1");

let opened = 0;
let closed = 0;
let answered = 0;

/** How many bytes of `buf` the first complete response takes (head and Content-Length body); 0 while incomplete. */
function responseLength(buf: Buffer): number {
  if (echo) return buf.length >= REQUEST.length ? REQUEST.length : 0;
  const end = buf.indexOf(HEAD_END);
  if (end < 0) return 0;
  const m = /\r\ncontent-length:\s*(\d+)/i.exec(buf.subarray(0, end).toString("latin1"));
  if (!m) throw new Error(`a response without Content-Length: ${JSON.stringify(buf.subarray(0, end).toString("latin1"))}`);
  const total = end + HEAD_END.length + Number(m[1]);
  return buf.length >= total ? total : 0;
}

function fail(why: string): never {
  console.error(`client: ${why} (${answered} responses so far)`);
  process.exit(1);
}

function open(): void {
  if (opened >= connections) return;
  opened++;
  let left = requests;
  let pending: Buffer = Buffer.alloc(0);
  const sock = connect({ host: "127.0.0.1", port, noDelay: true }, () => sock.write(REQUEST));
  sock.on("data", (chunk: Buffer) => {
    pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
    for (let n = responseLength(pending); n > 0; n = responseLength(pending)) {
      pending = pending.subarray(n);
      answered++;
      if (--left > 0) sock.write(REQUEST);
      else sock.end();
    }
  });
  sock.on("error", (e) => fail(`connection ${opened}: ${e.message}`));
  sock.on("close", () => {
    if (left > 0) fail(`a connection closed with ${left} of its ${requests} responses missing`);
    if (++closed === connections) console.log(`done ${answered}`);
    else open();
  });
}

for (let i = 0; i < Math.min(concurrency, connections); i++) open();
