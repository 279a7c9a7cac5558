// The Node peer of the l7 suite (chapter 11): npm's `http-proxy` 1.18.1 behind `node:http`, round robin over the
// backends. `node --import tsx bench/l7/node-http-proxy.ts <default|keep-alive> <listen port> <backend port>…`
//
// default     http-proxy as its README shows it: no agent, so a new backend connection per request (it sends
//             `Connection: close` upstream).
// keep-alive  a keep-alive `http.Agent`, the fair Node peer: connections to the backends are reused, and up to
//             20,000 idle ones are kept (the agent's default of 256 would close and reopen most of them at 5,000
//             client connections).
// Both add X-Forwarded-For/-Port/-Proto (`xfwd`), as our proxy and the other peers are configured to.
import { Agent, createServer } from "node:http";
import httpProxy from "http-proxy";

const [mode, listen, ...backends] = process.argv.slice(2);
if (mode !== "default" && mode !== "keep-alive") throw new Error(`mode must be default or keep-alive, got ${mode}`);
const agent = mode === "keep-alive" ? new Agent({ keepAlive: true, maxFreeSockets: 20_000 }) : undefined;
const proxy = httpProxy.createProxyServer({ agent, xfwd: true });
// A backend error answers 502 and closes, as nginx and HAProxy do; without a listener http-proxy throws.
proxy.on("error", (_err, _req, res) => {
  if ("writeHead" in res && !res.headersSent) res.writeHead(502);
  res.end();
});
const targets = backends.map((p) => ({ host: "127.0.0.1", port: Number(p) }));
let next = 0;
const server = createServer((req, res) => proxy.web(req, res, { target: targets[next++ % targets.length]! }));
server.keepAliveTimeout = 120_000;
server.listen({ host: "127.0.0.1", port: Number(listen), backlog: 4096 }, () => console.log("ready"));
