// The backends of a chaos drill and the faults done to them on the simulated network: a process that can be killed,
// slowed, taken down and brought back, and a timeline that does each fault of a scenario at its time. Chapter 14.
import { sleep } from "../02-hub/green";
import { getHub } from "../02-hub/hub";
import type { Green } from "../02-hub/suspend";
import { spawn } from "../03-cancellation/greenthread";
import { SocketClosedError } from "../05-green-sockets/errors";
import { exponential, type Random } from "../05-green-sockets/random";
import type { Address, Listener, Network, Socket } from "../05-green-sockets/socket";
import type { Backend } from "../08-tcp-proxy/balancer";
import { handleConnection } from "../07-http/server";
import type { Scenario } from "./drill-scenario";

// #region backend-process
/**
 * A backend process: an HTTP server that answers "ok <name>" after its service time, on a host of the simulated
 * network or on loopback. `down()` is a crash (the port refuses, open connections are reset), `up()` a restart on
 * the same port, `extra` a slowdown added to every answer.
 */
export class DrillBackend {
  /** Milliseconds added to each answer (a slow backend). */
  extra = 0;
  #address: Address;
  #listener: Listener | null = null;
  readonly #open = new Set<Socket>();

  constructor(
    readonly network: Network,
    readonly name: string,
    address: Address,
    readonly service: () => number,
  ) {
    this.#address = address;
  }

  /** The backend as the balancer knows it; on loopback, its port is known once it has been up. */
  get backend(): Backend {
    return { name: this.name, address: this.#address };
  }

  get running(): boolean {
    return this.#listener !== null;
  }

  *up(): Green<void> {
    if (this.#listener !== null) return;
    const listener = yield* this.network.listen(this.#address);
    this.#address = listener.address; // port 0 the first time: the same port on every restart
    this.#listener = listener;
    const self = this;
    spawn(function* acceptor() {
      for (;;) {
        let s: Socket;
        try {
          s = yield* listener.accept();
        } catch (e) {
          if (e instanceof SocketClosedError) return; // the process went down
          throw e;
        }
        self.#open.add(s);
        spawn(function* connection() {
          try {
            yield* handleConnection(s, function* () {
              yield* sleep(self.service() + self.extra);
              return { body: `ok ${self.name}` };
            });
          } finally {
            self.#open.delete(s);
          }
        });
      }
    });
  }

  /** The process dies: no more listening, and every open connection is reset as the kernel would. */
  down(): void {
    this.#listener?.close();
    this.#listener = null;
    for (const s of this.#open) s.abort();
    this.#open.clear();
  }
}
// #endregion

/** What the timeline acts on: the backend processes, the balancer's reload, and the network's partitions. */
export interface Stage {
  readonly procs: ReadonlyMap<string, DrillBackend>;
  readonly reload: (backends: readonly Backend[]) => Green<void>;
  /** Cuts the balancer off from a backend, and heals it; null where the network cannot (loopback). */
  readonly partition: { cut(backend: string): void; heal(): void } | null;
}

// #region timeline
/**
 * Does each fault of `scenario` at its time (milliseconds after `t0` on the hub's clock), in threads of their own;
 * returns at once. `stage.procs` holds a process for every backend the scenario names (the ones a reload adds are
 * started just before the reload).
 */
export function startTimeline(scenario: Scenario, stage: Stage, t0: number): void {
  const hub = getHub();
  const { procs, reload, partition } = stage;
  const at = (t: number): Green<void> => sleep(Math.max(0, t0 + t - hub.now()));
  let current = scenario.backends.map((n) => procs.get(n)!.backend);
  for (const f of scenario.faults) {
    spawn(function* fault() {
      yield* at(f.at);
      if (f.kind === "reload") {
        for (const n of f.add) yield* procs.get(n)!.up();
        current = [...current.filter((b) => !f.remove.includes(b.name)), ...f.add.map((n) => procs.get(n)!.backend)];
        yield* reload(current);
        return;
      }
      const p = procs.get(f.backend)!;
      switch (f.kind) {
        case "kill":
          p.down(); // for good: the window only bounds what the report looks at
          return;
        case "slow":
          p.extra += f.extra;
          yield* at(f.at + f.for);
          p.extra -= f.extra;
          return;
        case "partition":
          if (partition === null) throw new Error(`${f.backend}: a partition needs the simulated network`);
          partition.cut(f.backend);
          yield* at(f.at + f.for);
          partition.heal();
          return;
        case "flap":
          for (let t = f.at, down = true; t < f.at + f.for; t += f.every, down = !down) {
            yield* at(t);
            if (down) p.down();
            else yield* p.up();
          }
          yield* at(f.at + f.for);
          yield* p.up();
          return;
      }
    });
  }
}
// #endregion

/** A service time: `min` plus an exponential tail of mean `mean`, drawn from `random`. */
export const serviceTime = (s: Scenario["service"], random: Random) => {
  const d = exponential(s.min, s.mean);
  return (): number => d(random);
};
