// Listening through several descriptors in plain Node, for the proxy suites' Node peers (the lb suite's `net` + `pipe`
// proxy, the l7 suite's `http-proxy`): what chapter 14's listener (solutions/14-capstone/acceptors.ts) gives our
// proxies, without the hub, so that the peers accept as the suites' subjects do. Our proxies' harness programs read
// their `--acceptors N` with `acceptorsArg` too, and listen through chapter 14's own code (`hubNetwork`).
//
// A Node 20 program accepts one connection per turn of its loop through each listening descriptor. Node has no
// dup(2); it copies a descriptor when it passes one to a child process over the IPC channel and back, so a child that
// lives a few milliseconds sends the listening handle back once per copy. Each copy, listened on by a server of its
// own, accepts through the same socket: same address, same accept queue.
import { spawn } from "node:child_process";
import type { Server } from "node:net";
import type { Network } from "../../solutions/05-green-sockets/socket";
import { wholeNumber } from "./usage";

/** How long the child that copies the descriptor may take: it answers in milliseconds when all is well. */
const COPIES_WITHIN_MS = 10_000;

/** `--acceptors N` at the head of `args`: N (1 when absent) and the arguments after it. */
export function acceptorsArg(args: readonly string[]): { acceptors: number; rest: string[] } {
  if (args[0] !== "--acceptors") return { acceptors: 1, rest: [...args] };
  return { acceptors: wholeNumber("--acceptors", args[1]), rest: args.slice(2) };
}

/**
 * The network our harness programs listen on: chapter 14's listener through `acceptors` descriptors, or `oneDescriptor`
 * (the chapter's own network) for 1. Imported only when asked for, so that a chapter's proxy on one descriptor runs
 * that chapter's code alone.
 */
export async function hubNetwork(acceptors: number, oneDescriptor: Network): Promise<Network> {
  return acceptors > 1 ? (await import("../../solutions/14-capstone/acceptors")).acceptingNetwork(acceptors) : oneDescriptor;
}

/**
 * A Node peer's listening: a server `make` returns listens on 127.0.0.1:`port` with `backlog`, then through
 * `acceptors - 1` copies of its descriptor (`listenThroughCopies`), and "ready" is printed once they are made: the line
 * the proxy suites wait for (READY_LINE in proxy-bench.ts) before they read the program's memory.
 */
export function listenWithCopies(make: () => Server, port: number, acceptors: number, backlog: number): void {
  const server = make();
  server.listen({ host: "127.0.0.1", port, backlog }, async () => {
    await listenThroughCopies(server, acceptors, make, backlog);
    console.log("ready");
  });
}

/**
 * Once `server` listens: `acceptors - 1` copies of its descriptor, each listened on by a server `make` returns (with
 * the same handler as `server`). Resolves when the child that made the copies is gone: its copies of the descriptors
 * close with it, and until then the memory the suites read as the peer's would include the child's.
 */
export async function listenThroughCopies(server: Server, acceptors: number, make: () => Server, backlog: number): Promise<void> {
  if (acceptors <= 1) return;
  const count = acceptors - 1;
  const handle = (server as unknown as { _handle: object })._handle; // Node's own field: the object `send` copies
  const env = { ...process.env };
  delete env.NODE_OPTIONS; // the child is plain JavaScript: no loader
  const child = spawn(process.execPath, ["-e", "process.on('message', (m, h) => process.send(m, h))"], { stdio: ["ignore", "ignore", "inherit", "ipc"], env });
  const copies: object[] = [];
  await new Promise<void>((done, fail) => {
    // A child that never answers would leave the program listening through one descriptor, unready for ever.
    const timer = setTimeout(() => child.kill(), COPIES_WITHIN_MS);
    child.on("message", (_m: unknown, copy: object | undefined) => {
      if (copy) copies.push(copy);
      if (copies.length === count) child.kill();
    });
    child.on("error", fail);
    child.on("exit", () => {
      clearTimeout(timer);
      if (copies.length === count) done();
      else fail(new Error(`the child sent ${copies.length} of ${count} copies of the listening descriptor within ${COPIES_WITHIN_MS / 1000} s`));
    });
    for (let i = 0; i < count; i++) child.send("copy", handle as Parameters<typeof child.send>[1]);
  });
  for (const copy of copies) make().listen(copy as Parameters<Server["listen"]>[0], backlog);
}
