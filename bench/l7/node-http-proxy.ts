// The Node peer of the l7 suite (chapter 11): npm's `http-proxy` 1.18.1 behind `node:http`, round robin over the
// backends. `node --import tsx bench/l7/node-http-proxy.ts <default|keep-alive> [--acceptors N] <listen port> <backend port>…`
//
// default     http-proxy as its README shows it: no agent, so a new backend connection per request (it sends
//             `Connection: close` upstream).
// keep-alive  a keep-alive `http.Agent`, the fair Node peer: connections to the backends are reused, and up to
//             20,000 idle ones are kept (the agent's default of 256 would close and reopen most of them at 5,000
//             client connections).
// Both add X-Forwarded-For/-Port/-Proto (`xfwd`), as our proxy and the other peers are configured to.
// `--acceptors N`: the listening socket watched through N descriptors, as the suite's subject's is on chapter 14's
// listener (bench/lib/listen-copies.ts); "ready" once the child that copied them is gone.
import { Agent, createServer, type IncomingMessage, type ServerResponse } from "node:http";
import httpProxy from "http-proxy";
import { acceptorsArg, listenWithCopies } from "../lib/listen-copies";

const [mode, ...args] = process.argv.slice(2);
if (mode !== "default" && mode !== "keep-alive") throw new Error(`mode must be default or keep-alive, got ${mode}`);
const { acceptors, rest: [listen, ...backends] } = acceptorsArg(args);
const BACKLOG = 4096;
const agent = mode === "keep-alive" ? new Agent({ keepAlive: true, maxFreeSockets: 20_000 }) : undefined;
const proxy = httpProxy.createProxyServer({ agent, xfwd: true });
// A backend error answers 502 and closes, as nginx and HAProxy do; without a listener http-proxy throws.
proxy.on("error", (_err, _req, res) => {
  if ("writeHead" in res && !res.headersSent) res.writeHead(502);
  res.end();
});
const targets = backends.map((p) => ({ host: "127.0.0.1", port: Number(p) }));
let next = 0;
const handle = (req: IncomingMessage, res: ServerResponse): void => proxy.web(req, res, { target: targets[next++ % targets.length]! });
function httpServer() {
  const server = createServer(handle);
  server.keepAliveTimeout = 120_000;
  return server;
}
listenWithCopies(httpServer, Number(listen), acceptors, BACKLOG);
