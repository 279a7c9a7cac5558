// Preloaded into the balancer the soak runs (`node --expose-gc --import tsx --import ./test/soak/heap-hook.ts …`):
// on SIGUSR2, two full collections, then one line on stderr, "soak-heap <pid> <bytes of heap in use>". The
// balancer's own code is not touched; a worker of `--workers N` inherits the preload with Node's other flags.
const collect = (globalThis as { gc?: () => void }).gc;
process.on("SIGUSR2", () => {
  if (collect === undefined) {
    process.stderr.write(`soak-heap ${process.pid} unknown (run with --expose-gc)\n`);
    return;
  }
  collect();
  collect(); // the second collects what the first one's finalizers let go
  process.stderr.write(`soak-heap ${process.pid} ${process.memoryUsage().heapUsed}\n`);
});

export {};
