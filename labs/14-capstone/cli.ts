// `npm run lb` (and `npx hub-lb`): the load balancer as a program a person runs. Reads a config (`--config`), checks
// one (`--check`), or starts demo backends with a balancer in front (`--demo`); reloads on SIGHUP, stops gracefully
// on SIGTERM or Ctrl-C (a second one stops at once). Built in chapter 14; `npm run lab 14 lb -- …` runs the one in
// your lab (labs/14-capstone).
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { runReal } from "../02-hub/green";
import type { Greenlet } from "../02-hub/greenlet";
import { getHub, type Hub } from "../02-hub/hub";
import { PARK, type Green } from "../02-hub/suspend";
import { formatAddress } from "../05-green-sockets/socket";
import { fastNetwork } from "../08-tcp-proxy/fast-net";
import { startBalancer, type Balancer } from "./balancer";
import { acceptingNetwork } from "./acceptors";
import { runCluster } from "./cluster";
import { configFormatOf, formatIssue, parseConfig, type LbConfig, type ParseResult } from "./config";
import { startDemoBackends, type DemoBackends } from "./demo-backends";
import { keepServingWithoutOutput } from "./lost-output";

export const HELP = `usage: npm run lb -- [options]        (or: npx hub-lb [options])

  -c, --config FILE   run the balancer FILE describes (YAML, or JSON when it ends in .json)
      --check         with --config: check FILE, print every mistake, and exit (0: good, 1: mistakes)
      --demo          start demo backends (3 fast, 1 slow, 1 flaky) and a balancer in front of them
      --port N        with --demo: the http listener's port (tcp N+1, admin N+2; 0: any free ports) [8080]
      --workers N     with --config: N worker processes share the listeners (node:cluster); this one checks,
                      reloads and serves the admin API, and tells the workers (1–64)
  -h, --help          this text

signals: SIGHUP reads the config again and applies it (a config with mistakes is refused and the old one keeps
running); SIGTERM or Ctrl-C stops gracefully (stop accepting, drain for stopTimeout ms, exit 0); a second one
stops at once (exit 1).`;

/** The signals the balancer answers to, queued for the green thread that handles them. */
class SignalInbox {
  readonly #queue: NodeJS.Signals[] = [];
  #waiter: Greenlet | null = null;

  constructor(readonly hub: Hub) {}

  /** From Node's signal handler (outside the hub): queue the signal and wake the waiting thread. */
  push(signal: NodeJS.Signals): void {
    this.#queue.push(signal);
    if (this.#waiter !== null) this.hub.resume(this.#waiter);
  }

  *next(): Green<NodeJS.Signals> {
    while (this.#queue.length === 0) {
      this.#waiter = this.hub.current!;
      try {
        yield PARK;
      } finally {
        this.#waiter = null;
      }
    }
    return this.#queue.shift()!;
  }
}

/** A line for the operator; chapter 12's membership stamps its lines with the hub's clock, which says little here. */
/** Access logs being written out and closed: main waits for them before it exits. */
const closing: Promise<void>[] = [];

const say = (line: string): void => console.log(`hub-lb: ${line.replace(/^([\w-]+): [\d.]+ ms /, "$1: ")}`);

/** Reads and checks the file at `path`: the result, or every mistake (a file that cannot be read is one). */
export function readConfig(path: string): ParseResult {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    return { ok: false, errors: [{ path: "", line: 0, column: 0, message: `cannot read ${path}: ${(e as Error).message}` }] };
  }
  return parseConfig(text, configFormatOf(path));
}

function printIssues(file: string, r: ParseResult): void {
  if (r.ok) return;
  for (const i of r.errors) console.error(i.line === 0 ? `${file}: ${i.message}` : formatIssue(file, i));
  console.error(`${file}: ${r.errors.length} mistake(s)`);
}

/** Runs `config` until a stop signal; returns the exit code. */
function* serve(config: LbConfig, options: { file: string | null; demo: DemoBackends | null; onStarted?: (lb: Balancer) => void }): Green<number> {
  const inbox = new SignalInbox(getHub());
  const signals: NodeJS.Signals[] = ["SIGHUP", "SIGTERM", "SIGINT", "SIGUSR1"];
  let stopping = false;
  const onSignal = (s: NodeJS.Signals): void => {
    if ((s === "SIGTERM" || s === "SIGINT") && stopping) {
      say(`${s} again: stopping at once`);
      process.exit(1);
    }
    if (s === "SIGTERM" || s === "SIGINT") stopping = true;
    inbox.push(s);
  };
  for (const s of signals) process.on(s, onSignal);
  const file = options.file;
  const lb = yield* startBalancer(config, {
    network: acceptingNetwork(config.acceptors, say),
    baseDir: file === null ? undefined : dirname(resolve(file)),
    load: file === null ? undefined : () => readConfig(file),
    log: say,
  });
  for (const [name, a] of lb.listeners) say(`listener ${name} (${config.listeners[name]!.protocol}) on ${formatAddress(a)}`);
  options.onStarted?.(lb);
  say(`pid ${process.pid}: SIGHUP reloads${file === null ? "" : ` ${file}`}, SIGTERM or Ctrl-C stops`);
  try {
    for (;;) {
      const s = yield* inbox.next();
      if (s === "SIGHUP") {
        const r = yield* lb.reloadFromSource();
        if (!r.ok) printIssues(file ?? "config", { ok: false, errors: r.errors });
      } else if (s === "SIGUSR1") {
        say(lb.reopenLogs() ? "SIGUSR1: the access log is opened again" : "SIGUSR1: no access log to reopen");
      } else {
        say(`${s}: stopping gracefully (deadline ${lb.config.stopTimeout} ms; ${s} again stops at once)`);
        options.demo?.close();
        yield* lb.stop(lb.config.stopTimeout);
        closing.push(lb.closeLogs()); // main waits for the access log's last lines before the process exits
        return 0;
      }
    }
  } finally {
    for (const s of signals) process.off(s, onSignal);
  }
}

/** The demo's config: one http and one tcp listener in front of `backends`, an admin API, outlier ejection. */
export function demoConfig(demo: DemoBackends, port: number): string {
  const at = (n: number): string => `127.0.0.1:${port === 0 ? 0 : port + n}`;
  const list = demo.backends.map((b) => `      - { name: ${b.name}, address: "${formatAddress(b.address)}" }`).join("\n");
  return `# The demo's config, written by npm run lb -- --demo (the backends' ports change on every run).
listeners:
  web:
    protocol: http
    listen: "${at(0)}"
    strategy: least-connections   # the slow backend holds its requests longer, so it gets fewer
    outlier: { consecutive5xx: 3, interval: 1000, baseEjectionTime: 5000 }
    retries: { maxRetries: 1 }
    backends:
${list}
  raw:
    protocol: tcp
    listen: "${at(1)}"
    backends:
${list}
admin:
  listen: "${at(2)}"
drainTimeout: 5000
stopTimeout: 3000
`;
}

function tryLines(lb: Balancer, file: string): string {
  const web = formatAddress(lb.listeners.get("web")!);
  const raw = formatAddress(lb.listeners.get("raw")!);
  const admin = formatAddress(lb.admin!);
  return [
    "try, from another terminal:",
    `  curl -s http://${web}/hello                          # one request, through the http listener`,
    `  for i in $(seq 20); do curl -s http://${web}/$i; done   # fast ones answer most; the flaky one gets ejected`,
    `  curl -s http://${raw}/tcp                            # the same backends through the tcp listener`,
    `  curl -s http://${admin}/admin/listeners              # the admin API`,
    `  curl -s http://${admin}/admin/listeners/web/backends`,
    `  curl -s -X POST http://${admin}/admin/listeners/web/backends/flaky-1/drain`,
    `  curl -s -X POST http://${admin}/admin/reload         # reads ${file} again (edit it first)`,
    `  kill -HUP ${process.pid}                                 # the same reload, by signal`,
    `Ctrl-C stops (a second Ctrl-C stops at once).`,
  ].join("\n");
}

export async function main(argv: readonly string[]): Promise<number> {
  let args;
  try {
    args = parseArgs({
      args: [...argv],
      options: {
        config: { type: "string", short: "c" },
        check: { type: "boolean" },
        demo: { type: "boolean" },
        port: { type: "string" },
        workers: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
    }).values;
  } catch (e) {
    console.error(`hub-lb: ${(e as Error).message}\n\n${HELP}`);
    return 2;
  }
  if (args.help) {
    console.log(HELP);
    return 0;
  }
  if (args.demo && args.workers !== undefined) {
    console.error("hub-lb: --workers runs a config's listeners on every core: give it with --config (the demo runs one process)");
    return 2;
  }
  if (args.demo) {
    if (args.config !== undefined || args.check) {
      console.error("hub-lb: --demo makes its own config: give --demo or --config, not both");
      return 2;
    }
    const port = Number(args.port ?? 8080);
    if (!(Number.isInteger(port) && port >= 0 && port <= 65533)) {
      console.error(`hub-lb: --port is a whole number from 0 to 65533, not ${JSON.stringify(args.port)}`);
      return 2;
    }
    const file = join(tmpdir(), `hub-lb-demo-${process.pid}.yaml`);
    try {
      return await runReal(function* (): Green<number> {
        const demo = yield* startDemoBackends(fastNetwork, ["fast", "fast", "fast", "slow", "flaky"]);
        for (const b of demo.backends) say(`demo backend ${b.name} (${b.kind}) on ${formatAddress(b.address)}`);
        writeFileSync(file, demoConfig(demo, port));
        const read = readConfig(file);
        if (!read.ok) throw new Error(`the demo's config has mistakes: ${JSON.stringify(read.errors)}`);
        say(`config: ${file}`);
        return yield* serve(read.config, { file, demo, onStarted: (lb) => console.log(tryLines(lb, file)) });
      }).then(async (code) => {
        await Promise.all(closing);
        return code;
      });
    } finally {
      rmSync(file, { force: true });
    }
  }
  if (args.config === undefined) {
    console.error(`hub-lb: give --config FILE, or --demo\n\n${HELP}`);
    return 2;
  }
  const file = args.config;
  const read = readConfig(file);
  if (!read.ok) {
    printIssues(file, read);
    return 1;
  }
  if (args.check) {
    const ls = Object.entries(read.config.listeners).map(([n, l]) => `${n} (${l.protocol} on ${formatAddress(l.listen)})`);
    console.log(`${file}: good: ${ls.length} listener(s): ${ls.join(", ")}${read.config.admin === null ? "" : `; admin API on ${formatAddress(read.config.admin.listen)}`}`);
    return 0;
  }
  if (args.workers !== undefined) {
    const workers = Number(args.workers);
    if (!(Number.isInteger(workers) && workers >= 1 && workers <= 64)) {
      console.error(`hub-lb: --workers is a whole number from 1 to 64, not ${JSON.stringify(args.workers)}`);
      return 2;
    }
    return await runCluster(read.config, { workers, load: () => readConfig(file), baseDir: dirname(resolve(file)), log: say });
  }
  const code = await runReal(() => serve(read.config, { file, demo: null }));
  await Promise.all(closing);
  return code;
}

// Run when started as a program (tsx cli.ts, bin/hub-lb.mjs), not when a test imports it.
if (process.argv[1] !== undefined && /(cli\.ts|hub-lb(\.mjs)?)$/.test(process.argv[1])) {
  keepServingWithoutOutput();
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e: unknown) => {
      console.error(`hub-lb: ${(e as Error).stack ?? String(e)}`);
      process.exit(1);
    },
  );
}
