// The floor of the lb suite (chapter 08): the smallest honest Node L4 proxy — `net` plus `pipe`, round robin.
// `node --import tsx bench/lb/node-pipe.ts <listen port> <backend port>…`. Whatever our hub proxy costs beyond
// this is the price of the hub; whatever this costs beyond HAProxy is the price of Node's streams.
import { connect, createServer } from "node:net";

const [listen, ...backends] = process.argv.slice(2).map(Number);
let next = 0;
createServer({ noDelay: true }, (client) => {
  const server = connect({ host: "127.0.0.1", port: backends[next++ % backends.length]!, noDelay: true });
  client.pipe(server).pipe(client);
  client.on("error", () => server.destroy());
  server.on("error", () => client.destroy());
  client.on("close", () => server.destroy());
  server.on("close", () => client.destroy());
}).listen({ host: "127.0.0.1", port: listen, backlog: 4096 }, () => console.log("ready"));
