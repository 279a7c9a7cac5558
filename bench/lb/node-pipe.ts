// The floor of the lb suite (chapter 08): the smallest honest Node L4 proxy — `net` plus `pipe`, round robin.
// `node --import tsx bench/lb/node-pipe.ts [--acceptors N] <listen port> <backend port>…`. Whatever our hub proxy
// costs beyond this is the price of the hub; whatever this costs beyond HAProxy is the price of Node's streams.
//
// `--acceptors N` gives it what chapter 14 gives our proxy: the listening socket watched through N descriptors, so
// that a turn of the loop accepts up to N clients, not one (solutions/14-capstone/acceptors.ts says why, and how; this
// is the same trick in plain Node, with no hub). It prints "ready" once the child that copied the descriptors is gone.
import { spawn } from "node:child_process";
import { connect, createServer, type Server, type Socket } from "node:net";

const args = process.argv.slice(2);
const acceptors = args[0] === "--acceptors" ? Number(args.splice(0, 2)[1]) : 1;
const [listen, ...backends] = args.map(Number);
if (!Number.isInteger(acceptors) || acceptors < 1) throw new Error(`--acceptors wants a whole number ≥ 1, not ${acceptors}`);
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

/** `count` copies of the descriptor under `server`, sent back by a child process over its IPC channel; its exit. */
function copyHandle(server: Server, count: number): Promise<object[]> {
  const handle = (server as unknown as { _handle: object })._handle;
  const env = { ...process.env };
  delete env.NODE_OPTIONS; // the child is plain JavaScript
  const child = spawn(process.execPath, ["-e", "process.on('message', (m, h) => process.send(m, h))"], { stdio: ["ignore", "ignore", "inherit", "ipc"], env });
  const copies: object[] = [];
  return new Promise((done, fail) => {
    child.on("message", (_m: unknown, copy: object | undefined) => {
      if (copy) copies.push(copy);
      if (copies.length === count) child.kill();
    });
    child.on("error", fail);
    // Its copies of the descriptors close with it: until then it would hold the memory the driver reads as ours.
    child.on("exit", () => (copies.length === count ? done(copies) : fail(new Error(`the child sent ${copies.length} of ${count} copies`))));
    for (let i = 0; i < count; i++) child.send("copy", handle as Parameters<typeof child.send>[1]);
  });
}

const server = createServer({ noDelay: true }, relay);
server.listen({ host: "127.0.0.1", port: listen, backlog: BACKLOG }, async () => {
  for (const copy of acceptors > 1 ? await copyHandle(server, acceptors - 1) : []) {
    createServer({ noDelay: true }, relay).listen(copy as Parameters<Server["listen"]>[0], BACKLOG);
  }
  console.log("ready");
});
