// Keeps `npm run watch NN` going when a test never gives the event loop back, or takes vitest down with it. vitest's
// time limit cannot stop a synchronous endless loop: the test's worker thread stays blocked, and a save runs nothing
// again. A loop that grows an array until V8 gives up ends the whole vitest process with a native stack trace, since
// worker threads share it. So the watch runs vitest as a child it supervises: the stuck notice
// (tools/grader/stuck-notice.ts) names a stuck test on a pipe of its own, and the supervisor stops vitest there. Either
// way it says what happened and starts vitest again when a file of the lab's tree is saved.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { type FSWatcher, watch } from "node:fs";

/** The environment variable that names the file descriptor on which the stuck notice names a stuck test. */
export const STUCK_FD_ENV = "HUB_STUCK_FD";

export interface SuperviseOptions {
  /** Node's arguments: vitest's command line. */
  readonly args: readonly string[];
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
  /** The folder whose saved `.ts` files start the tests again after a stop. */
  readonly tree: string;
  /** False for a single run (`--once`): a stuck test ends it, with exit code 1. */
  readonly restart: boolean;
  /** Where the supervisor's own sentences go. */
  readonly say: (text: string) => void;
  /** "inherit" for the learner's terminal; tests read the output through "pipe". */
  readonly stdio?: "inherit" | "pipe";
  /** Called with each vitest process started (tests read its output). */
  readonly onStart?: (child: ChildProcess) => void;
}

export interface Supervisor {
  /** The exit code once the watch is over: vitest ended by itself, or `stop` was called. */
  readonly done: Promise<number>;
  stop(): void;
}

/** How long vitest has to end after SIGTERM before it is killed. */
const KILL_AFTER_MS = 2000;

/** Turns a terminal left in raw mode by a process killed outright back to its usual mode (where `stty` exists). */
function saneTerminal(): void {
  if (process.stdin.isTTY) spawnSync("stty", ["sane"], { stdio: ["inherit", "ignore", "ignore"] });
}

/** How long a burst of file events (an editor's save writes several) is waited out before the tests start again. */
const SETTLE_MS = 200;

/** What the stuck notice writes on its pipe, a line of JSON: the test, and when it started (ms since the epoch). */
export interface StuckLine {
  readonly name: string;
  readonly started: number;
}

export function supervise(o: SuperviseOptions): Supervisor {
  let finish: (code: number) => void = () => undefined;
  const done = new Promise<number>((resolve) => (finish = resolve));
  let stopping = false;
  let child: ChildProcess | null = null;
  // One watcher for the whole watch: a fix saved while a test is stuck (vitest cannot run it then) is not missed.
  let lastSave = 0;
  let waiting = false;
  let settle: NodeJS.Timeout | null = null;
  const watcher: FSWatcher | null = o.restart ? watch(o.tree, { recursive: true }, (_event, file) => {
    if (!file || !String(file).endsWith(".ts")) return;
    lastSave = Date.now();
    if (waiting && !settle) settle = setTimeout(startAgain, SETTLE_MS);
  }) : null;
  const startAgain = (): void => {
    settle = null;
    waiting = false;
    if (!stopping) start();
  };
  const end = (code: number): void => {
    watcher?.close();
    finish(code);
  };

  const start = (): void => {
    let stuck: StuckLine | null = null;
    const io = o.stdio ?? "inherit";
    const c = spawn(process.execPath, [...o.args], {
      cwd: o.cwd, env: { ...o.env, [STUCK_FD_ENV]: "3" }, stdio: [io, io, io, "pipe"],
    });
    child = c;
    o.onStart?.(c);
    let named = "";
    c.stdio[3]?.on("data", (chunk: Buffer) => {
      named += chunk.toString();
      const end = named.indexOf("\n");
      if (end < 0 || stuck !== null) return;
      try {
        stuck = JSON.parse(named.slice(0, end)) as StuckLine;
      } catch {
        stuck = { name: named.slice(0, end), started: Date.now() };
      }
      // SIGTERM first: Node puts the terminal back as it found it on SIGTERM (vitest's watch reads keys in raw mode),
      // where a process killed outright leaves it raw, and the terminal would stop echoing and Ctrl-C would do nothing.
      c.kill("SIGTERM");
      setTimeout(() => c.kill("SIGKILL"), KILL_AFTER_MS).unref();
    });
    c.once("error", (e) => o.say(`could not start the tests: ${e.message}`));
    c.once("close", (code, signal) => {
      child = null;
      if (signal === "SIGKILL") saneTerminal();
      if (stopping) return end(code ?? 1);
      if (stuck !== null) {
        if (!o.restart) {
          o.say(`■ Stopped the tests at "${stuck.name}".\n`);
          return end(1);
        }
        // Saved since the stuck test began: that may be the fix, which vitest could not run while the test held it.
        const savedSince = lastSave > stuck.started;
        o.say(`■ Stopped the tests at "${stuck.name}". ` +
          (savedSince ? "Running them again with what was saved since it began.\n" : "Fix the code it calls and save: the tests run again.\n"));
        waiting = true;
        if (savedSince) startAgain();
        return;
      }
      // The learner ends vitest's watch with q (exit code 0) or Ctrl-C, which it reads as a key in raw mode (130).
      if (!o.restart || code === 0 || code === 130 || signal === "SIGINT") return end(code ?? 1);
      o.say(`\n■ The test run ended abruptly (${signal ?? `exit code ${code}`}); its last words are above. Fix the code and ` +
        "save: the tests run again.\n");
      waiting = true;
    });
  };

  start();
  return {
    done,
    stop() {
      stopping = true;
      if (settle) clearTimeout(settle);
      if (child) child.kill("SIGKILL");
      else end(0);
    },
  };
}
