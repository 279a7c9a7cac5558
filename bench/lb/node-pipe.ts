// The floor of the lb suite (chapter 08): the smallest honest Node L4 proxy — `net` plus `pipe`, round robin.
// `node --import tsx bench/lb/node-pipe.ts [--acceptors N] <listen port> <backend port>…`. Whatever our hub proxy
// costs beyond this is the price of the hub; whatever this costs beyond HAProxy is the price of Node's streams.
//
// `--acceptors N` gives it what chapter 14 gives our proxy: the listening socket watched through N descriptors, so
// that a turn of the loop accepts up to N clients, not one (bench/lib/listen-copies.ts). It prints "ready" once the
// child that copied the descriptors is gone.
import { connect, createServer, type Socket } from "node:net";
import { acceptorsArg, listenWithCopies } from "../lib/listen-copies";

const { acceptors, rest } = acceptorsArg(process.argv.slice(2));
const [listen, ...backends] = rest.map(Number);
const BACKLOG = 4096;

let next = 0;
function relay(client: Socket): void {
  const server = connect({ host: "127.0.0.1", port: backends[next++ % backends.length]!, noDelay: true });
  client.pipe(server).pipe(client);
  client.on("error", () => server.destroy());
  server.on("error", () => client.destroy());
  client.on("close", () => server.destroy());
  server.on("close", () => client.destroy());
}

listenWithCopies(() => createServer({ noDelay: true }, relay), listen!, acceptors, BACKLOG);
