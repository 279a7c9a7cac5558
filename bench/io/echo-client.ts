// The io suite's echo load generator: the same Node client for every echo server.
// `node --import tsx bench/io/echo-client.ts <port> <connections> <warm-up s> <measured s> <server pid>`
//
// Opens N connections; each sends one 64-byte line and waits for all 64 bytes of its echo before sending the next,
// so N round trips are in flight at most. After the warm-up it reads the server's CPU time (utime+stime from
// /proc/PID/stat), counts round trips for the measured seconds, reads the CPU again, and prints one JSON line:
// {"roundTrips", "seconds", "serverCpu": {"before", "after"} (the two readings, bench/lib/proc.ts's cpuTimes), "steal"
// (the share of the machine the hypervisor took in the window, bench/lib/steal.ts; null where unknown),
// "idleConnections"}, the last being connections that completed no round trip in the measured window (a server that
// serves some connections and starves others shows there). Reading /proc here, at the window's very edges, keeps the
// driver's own scheduling out of the figure. It checks every byte count, so a server cannot win by answering short.
import { connect, type Socket } from "node:net";
import { cpuTimes } from "../lib/proc";
import { machineTime, stolen } from "../lib/steal";

const [port, conns, warmSeconds, measuredSeconds, serverPid] = process.argv.slice(2).map(Number) as [number, number, number, number, number];
const LINE = Buffer.from(`${"x".repeat(63)}\n`); // 64 bytes; one shared buffer, never modified, so no copy per send

let counting = false;
let stopped = false;
let roundTrips = 0;
/** Round trips each connection completed in the measured window. */
const perConnection: number[] = [];
let failure: Error | null = null;

function drive(sock: Socket, index: number): void {
  perConnection[index] = 0;
  let got = 0; // bytes of the current echo received so far
  sock.on("data", (chunk: Buffer) => {
    got += chunk.length;
    if (got < LINE.length) return;
    if (got > LINE.length) {
      failure ??= new Error(`${got} bytes back for a ${LINE.length}-byte line`);
      return;
    }
    got = 0;
    if (counting) {
      roundTrips++;
      perConnection[index]!++;
    }
    if (!stopped) sock.write(LINE);
  });
  sock.on("error", (e) => (failure ??= e));
  sock.write(LINE);
}

// Connect everyone before the clock starts, 100 at a time, so the servers' accept loops are not what is measured.
const sockets: Socket[] = [];
for (let i = 0; i < conns; i += 100) {
  const batch = Array.from({ length: Math.min(100, conns - i) }, () =>
    new Promise<Socket>((resolve, reject) => {
      const s: Socket = connect({ host: "127.0.0.1", port, noDelay: true }, () => resolve(s));
      s.once("error", reject);
    }),
  );
  sockets.push(...(await Promise.all(batch)));
}
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
sockets.forEach(drive);
await sleep(warmSeconds * 1000); // warm-up: JIT compiled, buffers grown, every connection busy
perConnection.fill(0); // round trips of the warm-up do not count
const cpu0 = cpuTimes(serverPid);
const machine0 = machineTime();
const t0 = performance.now();
counting = true;
await sleep(measuredSeconds * 1000);
counting = false;
const seconds = (performance.now() - t0) / 1000;
const cpu1 = cpuTimes(serverPid);
const steal = stolen(machine0, machineTime());
stopped = true;
for (const s of sockets) s.destroy();
if (failure) {
  console.error(`echo client failed: ${(failure as Error).message}`);
  process.exit(1);
}
if (roundTrips === 0) {
  console.error("echo client: no round trip completed in the measured window");
  process.exit(1);
}
const idleConnections = perConnection.filter((n) => n === 0).length;
console.log(JSON.stringify({ roundTrips, seconds, serverCpu: { before: cpu0, after: cpu1 }, steal: Number.isFinite(steal) ? steal : null, idleConnections }));
process.exit(0);
