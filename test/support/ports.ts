// A free TCP port on loopback, for a test or the soak that must know a port before its server listens. Plain Node,
// no `@target` imports, so scripts run by tsx (test/soak/run.ts) can use it as well as vitest's tests.
import { createServer } from "node:net";

/** A port nobody listens on now (the kernel's pick for port 0; another program could take it before you do). */
export async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((ok) => s.listen(0, "127.0.0.1", ok));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((ok) => s.close(() => ok()));
  return port;
}
